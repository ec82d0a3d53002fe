"""Probing meeting IDs: failed lookups are limited per user and per client address."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invitations.models import Invitation
from meetings_site import limits as limits_module
from meetings_site.models import AttemptWindow
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

UNUSED_ID = 123_456_780


@pytest.fixture
def limits(settings):
    settings.MEETING_LOOKUP_FAILURES_PER_USER = 3
    settings.MEETING_LOOKUP_FAILURES_PER_ADDRESS = 5
    return settings


@pytest.fixture
def prober(client):
    client.force_login(UserFactory())
    return client


def _detail(meeting_id: int) -> str:
    return reverse("meetings:detail", args=[meeting_id])


def test_failed_lookups_answer_429_with_retry_after_past_the_limit(prober, meeting, limits):
    assert prober.get(_detail(meeting.meeting_id)).status_code == 403
    assert prober.get(_detail(UNUSED_ID)).status_code == 404
    assert prober.get(_detail(meeting.meeting_id)).status_code == 403
    for meeting_id in (meeting.meeting_id, UNUSED_ID):
        response = prober.get(_detail(meeting_id))
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= limits.MEETING_LOOKUP_WINDOW
        assert "Too many meetings not found" in response.text


def test_own_meetings_open_before_and_after_the_limit(host_client, meeting, limits):
    for _ in range(3):
        assert host_client.get(_detail(meeting.meeting_id)).status_code == 200
    assert not AttemptWindow.objects.exists()  # a lookup that succeeds counts nothing
    for _ in range(3):
        assert host_client.get(_detail(UNUSED_ID)).status_code == 404
    assert host_client.get(_detail(UNUSED_ID)).status_code == 429
    assert host_client.get(_detail(meeting.meeting_id)).status_code == 200


def test_the_limit_per_address_holds_across_accounts(limits):
    clients = []
    for _ in range(5):
        client = Client()
        client.force_login(UserFactory())
        assert client.get(_detail(UNUSED_ID)).status_code == 404
        clients.append(client)
    assert clients[0].get(_detail(UNUSED_ID)).status_code == 429
    other_address = clients[0].get(_detail(UNUSED_ID), REMOTE_ADDR="203.0.113.9")
    assert other_address.status_code == 404


def test_the_limit_lifts_when_the_window_is_over(prober, limits, monkeypatch):
    for _ in range(3):
        prober.get(_detail(UNUSED_ID))
    assert prober.get(_detail(UNUSED_ID)).status_code == 429
    later = timezone.now() + timedelta(seconds=limits.MEETING_LOOKUP_WINDOW + 1)
    monkeypatch.setattr(limits_module.timezone, "now", lambda: later)
    assert prober.get(_detail(UNUSED_ID)).status_code == 404


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "meetings:detail"),
        ("get", "meetings:edit"),
        ("get", "meetings:cancel"),
        ("post", "meetings:start"),
        ("get", "meetings:attendance"),
        ("get", "invitations:send"),
        ("get", "invitations:calendar"),
        ("post", "invitations:join_as_invitee"),
        ("post", "invitations:rsvp_as_invitee"),
    ],
)
def test_every_page_that_opens_a_meeting_by_id_is_limited(prober, limits, method, name):
    meeting = MeetingFactory()
    url = reverse(name, args=[meeting.meeting_id])
    for _ in range(3):
        assert getattr(prober, method)(url).status_code == 403
    assert getattr(prober, method)(url).status_code == 429


def test_the_link_endpoint_answers_429_in_json(prober, limits):
    link = reverse("meetings:link", args=[UNUSED_ID])
    for _ in range(3):
        assert prober.get(link).status_code == 404
    response = prober.get(link)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many" in response.json()["error"]


def test_probing_rooms_without_an_account_counts_for_the_address(client, limits):
    for _ in range(5):
        assert client.get(reverse("meetings:room", args=[UNUSED_ID])).status_code == 404
    assert client.get(reverse("meetings:room", args=[UNUSED_ID])).status_code == 429


def test_an_invitee_opens_the_meeting_after_failed_lookups(client, limits):
    guest = UserFactory()
    meeting = MeetingFactory()
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    client.force_login(guest)
    for _ in range(3):
        client.get(_detail(UNUSED_ID))
    assert client.get(_detail(UNUSED_ID)).status_code == 429
    assert client.get(_detail(meeting.meeting_id)).status_code == 200
