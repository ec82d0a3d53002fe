import pytest
from django.urls import reverse

from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_admin_lists_and_searches_meetings(admin_client):
    wanted = MeetingFactory(title="Quarterly board")
    MeetingFactory(title="Lunch")
    page = admin_client.get(reverse("admin:meetings_meeting_changelist"), {"q": "board"}).text
    assert "Quarterly board" in page and "Lunch" not in page
    page = admin_client.get(
        reverse("admin:meetings_meeting_changelist"), {"q": str(wanted.meeting_id)}
    ).text
    assert wanted.formatted_meeting_id in page


def test_admin_filters_meetings_by_status(admin_client):
    MeetingFactory(title="Gone", status="cancelled")
    MeetingFactory(title="Still on")
    page = admin_client.get(
        reverse("admin:meetings_meeting_changelist"), {"status__exact": "cancelled"}
    ).text
    assert "Gone" in page and "Still on" not in page


def test_admin_lists_and_searches_users(admin_client, user):
    page = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "lovelace"}).text
    assert "ada@example.com" in page


def test_admin_adds_a_user(admin_client):
    from accounts.models import User

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new.person@example.com",
            "usable_password": "true",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    assert User.objects.filter(email="new.person@example.com").exists()


def test_admin_is_closed_to_regular_users(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:meetings_meeting_changelist"))
    assert response.status_code == 302


def test_admin_refuses_a_no_show_that_is_not_completed_with_a_message(admin_client):
    meeting = MeetingFactory(status="ended", no_show=True)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data |= {"starts_at_0": meeting.starts_at.date(), "starts_at_1": "10:00", "status": "scheduled"}
    response = admin_client.post(url, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 200
    assert "Only a completed meeting can be a no-show." in response.text
    meeting.refresh_from_db()
    assert meeting.status == "ended" and meeting.no_show
