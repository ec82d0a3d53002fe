import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_admin_changes_a_users_names_and_time_zone(admin_client, user):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "email": user.email,
            "first_name": "Augusta",
            "last_name": "King",
            "timezone": "Asia/Kolkata",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.text[:3000]
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.timezone) == ("Augusta", "King", "Asia/Kolkata")


def test_admin_refuses_a_second_account_for_an_address_in_other_case(admin_client, user):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": user.email.upper(),
            "usable_password": "true",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(email__iexact=user.email).count() == 1
