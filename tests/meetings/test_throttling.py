import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from meetings import throttling
from meetings_site import limits as limits_module
from meetings_site.models import AttemptWindow
from tests.factories import MeetingFactory

JOIN = reverse("join:by_id")


def _guess(client, meeting, passcode="999999", **extra):
    return client.post(
        JOIN, {"meeting_id": meeting.meeting_id, "passcode": passcode, "name": "Guesser"}, **extra
    )


@pytest.fixture
def limits(settings):
    settings.PASSCODE_ATTEMPTS_PER_MEETING = 3
    settings.PASSCODE_ATTEMPTS_PER_ADDRESS = 5
    return settings


@pytest.mark.django_db
def test_meeting_locks_after_its_limit_even_for_the_right_passcode(client, meeting, limits):
    for _ in range(3):
        assert _guess(client, meeting).status_code == 403
    response = _guess(client, meeting, passcode=meeting.passcode)
    assert response.status_code == 429
    assert "Too many incorrect passcodes" in response.text
    assert 0 < int(response["Retry-After"]) <= limits.PASSCODE_MEETING_WINDOW
    assert client.get(reverse("meetings:room", args=[meeting.meeting_id])).status_code == 302


@pytest.mark.django_db
def test_limit_per_meeting_holds_across_client_addresses(client, meeting, limits):
    for n in range(3):
        _guess(client, meeting, REMOTE_ADDR=f"198.51.100.{n}")
    assert _guess(client, meeting, REMOTE_ADDR="198.51.100.200").status_code == 429


@pytest.mark.django_db
def test_limit_per_address_holds_across_meetings(client, limits):
    for _ in range(5):
        assert _guess(client, MeetingFactory()).status_code == 403
    assert _guess(client, MeetingFactory()).status_code == 429
    assert _guess(client, MeetingFactory(), REMOTE_ADDR="203.0.113.9").status_code == 403


@pytest.mark.django_db
def test_guessing_unknown_meeting_ids_counts_for_the_address(client, limits):
    for n in range(5):
        response = client.post(
            JOIN, {"meeting_id": f"20000000{n}", "passcode": "1111", "name": "G"}
        )
        assert response.status_code == 404
    response = client.post(JOIN, {"meeting_id": "200000009", "passcode": "1111", "name": "G"})
    assert response.status_code == 429


@pytest.mark.django_db
def test_right_passcodes_do_not_count(client, meeting, limits):
    for _ in range(10):
        response = _guess(client, meeting, passcode=meeting.passcode)
        assert response.status_code == 302
    assert _guess(client, meeting).status_code == 403


@pytest.mark.django_db
def test_lock_lifts_when_the_window_is_over(client, meeting, limits, monkeypatch):
    for _ in range(3):
        _guess(client, meeting)
    assert _guess(client, meeting, passcode=meeting.passcode).status_code == 429
    later = timezone.now() + timedelta(seconds=limits.PASSCODE_ADDRESS_WINDOW + 1)
    monkeypatch.setattr(limits_module.timezone, "now", lambda: later)
    assert _guess(client, meeting, passcode=meeting.passcode).status_code == 302
    # Windows that are over are dropped as new ones open.
    assert AttemptWindow.objects.filter(window_start__lt=later - timedelta(hours=1)).count() == 0


@pytest.mark.django_db(transaction=True)
def test_racing_attempts_cannot_slip_past_the_limit(limits):
    """Twenty concurrent guesses at a meeting that allows three: exactly three are compared."""
    limits.PASSCODE_ATTEMPTS_PER_ADDRESS = 1000
    meeting = MeetingFactory()
    start = threading.Barrier(20)
    granted = []
    errors = []

    def attempt(n):
        try:
            start.wait()
            limits = throttling.passcode_limits(meeting=meeting, address=f"192.0.2.{n}")
            reservation = limits_module.attempt_reserve(limits=limits)
            granted.append(reservation.granted)
        except Exception as error:  # reported below, so a thread cannot fail silently
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert granted.count(True) == 3
    window = AttemptWindow.objects.get(scope=throttling.PASSCODE_MEETING, key=str(meeting.pk))
    assert window.attempts == 3


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1"),
        (1, "1.1.1.1, 2.2.2.2", "2.2.2.2"),
        (2, "1.1.1.1, 2.2.2.2", "1.1.1.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert limits_module.client_address(request) == expected
