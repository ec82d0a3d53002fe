from django.urls import reverse

from accounts import services


def test_staff_see_tokens_without_their_secret_and_revoke_them(client, staff_user, user):
    token, clear = services.api_token_create(user=user, name="Sync")
    client.force_login(staff_user)
    page = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert "Sync" in page
    assert clear not in page
    assert token.digest not in page
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    assert services.api_token_use(token=clear) is None
