"""The host's Google busy times, through freebusy.query answered in Google's documented shapes."""

from datetime import UTC, datetime, timedelta

import httplib2
import pytest

from bookings import google_busy
from tests import google
from tests.bookings.conftest import connect_google, freebusy

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
BUSY = (datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 10, tzinfo=UTC))


def ask(host, **kwargs):
    return google_busy.google_busy(host=host, start=START, end=END, **kwargs)


def test_not_connected_means_nothing_busy_and_nothing_unavailable(host):
    assert ask(host) == google_busy.GoogleBusy()


def test_the_primary_calendars_busy_times(host, google_server):
    connect_google(host)
    google_server.answer(
        freebusy(
            BUSY, (datetime(2026, 3, 3, 8, tzinfo=UTC), datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
        )
    )

    busy = ask(host)

    assert busy.intervals[0] == BUSY
    assert len(busy.intervals) == 2 and not busy.unavailable
    request = google_server.request(0)
    assert request.method == "POST"
    assert request.url == "https://www.googleapis.com/calendar/v3/freeBusy"
    assert request.headers["authorization"] == f"Bearer {google.ACCESS_TOKEN}"
    assert request.json == {
        "timeMin": "2026-03-01T00:00:00+00:00",
        "timeMax": "2026-04-01T00:00:00+00:00",
        "items": [{"id": "primary"}],
    }


def test_times_with_an_offset_are_read_as_instants(host, google_server):
    connect_google(host)
    answer = google.ok(
        {
            "kind": "calendar#freeBusy",
            "timeMin": "2026-03-01T00:00:00.000Z",
            "timeMax": "2026-04-01T00:00:00.000Z",
            "calendars": {
                "primary": {
                    "busy": [
                        {"start": "2026-03-02T10:00:00+01:00", "end": "2026-03-02T11:00:00+01:00"}
                    ]
                }
            },
        }
    )
    google_server.answer(answer)

    assert ask(host).intervals == (BUSY,)


def test_the_answer_is_cached_per_host_and_range(host, google_server):
    connect_google(host)
    google_server.answer(freebusy(BUSY), freebusy(), freebusy())

    assert ask(host).intervals == (BUSY,)
    assert ask(host).intervals == (BUSY,)  # from the cache
    assert len(google_server.requests) == 1
    other_range = google_busy.google_busy(host=host, start=START, end=END + timedelta(days=1))
    assert other_range.intervals == ()
    assert len(google_server.requests) == 2


def test_fresh_asks_google_again(host, google_server):
    connect_google(host)
    google_server.answer(freebusy(), freebusy(BUSY))

    ask(host)

    assert ask(host, fresh=True).intervals == (BUSY,)
    assert ask(host).intervals == (BUSY,)  # the fresh answer is kept
    assert len(google_server.requests) == 2


def test_forget_drops_the_hosts_cached_answers(host, google_server):
    connect_google(host)
    google_server.answer(freebusy(), freebusy(BUSY))
    ask(host)

    google_busy.forget(host_pk=host.pk)

    assert ask(host).intervals == (BUSY,)


def test_an_account_without_a_read_scope_is_skipped_as_if_not_connected(host, google_server):
    """Connected before the free/busy scope was asked for: the host reconnects to be checked."""
    connect_google(host, scopes=google.GRANTED_SCOPES)

    assert ask(host) == google_busy.GoogleBusy()
    assert ask(host, fresh=True) == google_busy.GoogleBusy()
    assert google_server.requests == []


def test_the_full_calendar_scope_also_reads_busy_times(host, google_server):
    connect_google(host, scopes="openid https://www.googleapis.com/auth/calendar")
    google_server.answer(freebusy(BUSY))

    assert ask(host).intervals == (BUSY,)


@pytest.mark.parametrize(
    "answer",
    [
        google.api_error(403, "rateLimitExceeded", "Rate Limit Exceeded"),
        google.api_error(500, "backendError", "Backend Error"),
        # Refused although fresh: google-auth refreshes once, and Google refuses that too.
        (
            google.api_error(401, "authError", "Invalid Credentials"),
            google.ok({"error": "invalid_grant"}, 400),
        ),
        freebusy(errors=[{"domain": "global", "reason": "notFound"}]),
        google.ok({"kind": "calendar#freeBusy", "calendars": {}}),
        google.ok(
            {"kind": "calendar#freeBusy", "calendars": {"primary": {"busy": [{"start": 1}]}}}
        ),
        google.ok("not json"),
    ],
    ids=["rate-limit", "server-error", "revoked", "calendar-error", "missing", "malformed", "junk"],
)
def test_anything_but_a_clean_answer_is_unavailable(host, google_server, answer):
    connect_google(host)
    google_server.answer(*(answer if isinstance(answer[0], tuple) else [answer]))

    assert ask(host).unavailable
    assert google_server.unanswered == 0


def test_a_refused_refresh_is_unavailable(host, google_server):
    account = connect_google(host)
    account.access_token_expires_at = datetime.now(UTC) - timedelta(minutes=1)
    account.save()
    google_server.answer(google.ok({"error": "invalid_grant"}, 400))

    assert ask(host).unavailable


def test_an_expired_token_is_refreshed_with_the_scopes_granted(host, google_server):
    account = connect_google(host)
    account.access_token_expires_at = datetime.now(UTC) - timedelta(minutes=1)
    account.save()
    google_server.answer(google.refreshed_token(), freebusy(BUSY))

    assert ask(host).intervals == (BUSY,)
    assert set(google_server.request(0).form["scope"].split()) == set(account.scopes.split())
    assert google_server.request(1).headers["authorization"] == "Bearer ya29.a0AfB_refreshed"


class TimingOut:
    """An HTTP client whose server never answers within the timeout."""

    timeout = None

    def request(self, *args, **kwargs):
        raise TimeoutError("timed out")


def test_no_answer_in_time_is_unavailable(host, google_server, monkeypatch):
    connect_google(host)
    client = TimingOut()
    monkeypatch.setattr("accounts.google.new_http", lambda: client)

    assert ask(host).unavailable
    assert client.timeout == google_busy.TIMEOUT_SECONDS == 3


def test_the_query_waits_three_seconds_at_most():
    http = google_busy.new_http()

    assert isinstance(http, httplib2.Http)
    assert http.timeout == 3
