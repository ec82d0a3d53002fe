"""Personal API tokens: drawn, kept as digests, shown once, listed and revoked on the profile."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from meetings_site import tokens
from tests.factories import UserFactory

TOKEN_RE = re.compile(r"mtg_[A-Za-z0-9_-]{43}")


def test_a_token_is_prefixed_has_256_bits_and_only_its_digest_is_kept(user):
    token, clear = services.api_token_create(user=user, name="Calendar sync")
    assert TOKEN_RE.fullmatch(clear)
    token.refresh_from_db()
    assert token.digest == tokens.digest(clear)
    assert clear not in {value for value in vars(token).values() if isinstance(value, str)}
    assert token.shown_start == clear[:8]


def test_a_token_is_found_by_its_clear_text_and_its_use_is_noted(user):
    token, clear = services.api_token_create(user=user, name="Sync")
    found = services.api_token_use(token=clear)
    assert found == token
    assert found.user == user
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_last_use_is_written_at_most_once_a_minute(user, django_assert_num_queries):
    token, clear = services.api_token_create(user=user, name="Sync")
    services.api_token_use(token=clear)
    with django_assert_num_queries(1):  # the lookup alone
        services.api_token_use(token=clear)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):
        services.api_token_use(token=clear)


@pytest.mark.parametrize(
    "wrong",
    ["", "mtg_", "mtg_unknown", "nope", "mtg_" + "a" * 200, "Bearer mtg_x"],
)
def test_a_wrong_token_finds_nothing(user, wrong):
    services.api_token_create(user=user, name="Sync")
    assert services.api_token_use(token=wrong) is None


def test_a_revoked_token_and_an_inactive_users_token_find_nothing(user):
    token, clear = services.api_token_create(user=user, name="Sync")
    services.api_token_revoke(token=token)
    assert services.api_token_use(token=clear) is None
    other = UserFactory(is_active=False)
    _, clear = services.api_token_create(user=other, name="Old")
    assert services.api_token_use(token=clear) is None


def test_the_profile_creates_a_token_and_shows_it_once(host_client, user):
    response = host_client.post(reverse("accounts:api_token_create"), {"name": "Calendar sync"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    shown = TOKEN_RE.search(response.content.decode()).group()
    token = user.api_tokens.get()
    assert token.name == "Calendar sync"
    assert services.api_token_use(token=shown) == token
    page = host_client.get(reverse("accounts:profile")).content.decode()
    assert shown not in page
    assert "Calendar sync" in page
    assert f"{shown[:8]}…" in page


def test_a_token_needs_a_name(host_client, user):
    response = host_client.post(reverse("accounts:api_token_create"), {"name": ""})
    assert response.status_code == 400
    assert not user.api_tokens.exists()


def test_the_profile_lists_tokens_with_their_last_use(host_client, user):
    _, clear = services.api_token_create(user=user, name="Deploy bot")
    services.api_token_use(token=clear)
    page = host_client.get(reverse("accounts:profile")).content.decode()
    assert "Deploy bot" in page
    assert "Never" not in page


def test_revoking_a_token_stops_it_and_keeps_the_row(host_client, user):
    token, clear = services.api_token_create(user=user, name="Sync")
    response = host_client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    assert services.api_token_use(token=clear) is None
    assert "Revoked" in host_client.get(reverse("accounts:profile")).content.decode()


def test_revoking_is_a_post(host_client, user):
    token, _ = services.api_token_create(user=user, name="Sync")
    response = host_client.get(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 405
    token.refresh_from_db()
    assert not token.is_revoked


def test_nobody_revokes_someone_elses_token(host_client):
    token, _ = services.api_token_create(user=UserFactory(), name="Theirs")
    response = host_client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked


def test_the_token_pages_need_a_login(client, user):
    response = client.post(reverse("accounts:api_token_create"), {"name": "x"})
    assert response.status_code == 302
    assert not user.api_tokens.exists()
