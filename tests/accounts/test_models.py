import pytest
from django.db import IntegrityError

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_regardless_of_case():
    UserFactory(email="Grace@Example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="grace@example.COM")


def test_display_name_is_first_and_last_name():
    assert UserFactory(first_name="Grace", last_name="Hopper").display_name == "Grace Hopper"


def test_display_name_falls_back_to_email():
    user = UserFactory(first_name="", last_name="", email="grace@example.com")
    assert user.display_name == "grace@example.com"


def test_new_user_gets_the_site_time_zone(settings):
    settings.TIME_ZONE = "America/Chicago"
    user = User.objects.create_user("tz@example.com", "x")
    assert user.timezone == "America/Chicago"


def test_create_superuser_is_staff():
    admin = User.objects.create_superuser("root@example.com", "x")
    assert admin.is_staff and admin.is_superuser
