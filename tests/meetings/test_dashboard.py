"""The dashboard: a logged-in user's home page, and "Start a meeting now"."""

import zoneinfo
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import BookingType
from invitations.models import Invitation
from meetings import selectors
from meetings.models import Meeting
from meetings.views.dashboard import day_groups
from tests import google
from tests.bookings.conftest import make_schedule, make_type
from tests.factories import ContactFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


def _home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def _start_now(client, **data):
    return client.post(reverse("meetings:start_now"), data)


def _soon(**delta) -> datetime:
    return timezone.now().replace(microsecond=0) + timedelta(**delta)


def _invite(meeting, *people):
    """Invite users and contacts to a meeting, in this order."""
    for person in people:
        if isinstance(person, str):
            contact = ContactFactory(owner=meeting.host, email=person)
            Invitation.objects.create(meeting=meeting, contact=contact, email=person)
        else:
            Invitation.objects.create(
                meeting=meeting, user=person, email=person.email, name=person.display_name
            )


def _titles(groups) -> dict[str, list[str]]:
    return {day: [row.meeting.title for row in rows] for day, rows in groups}


# Next up


def test_next_up_counts_down_to_the_next_meeting(host_client, user):
    later = MeetingFactory(host=user, title="Retro", starts_at=_soon(days=2))
    soon = MeetingFactory(host=user, title="Weekly sync", starts_at=_soon(hours=2, minutes=30))

    response = _home(host_client)

    assert response.context["next_up"].meeting == soon
    card = response.text.split('class="card next-up"', 1)[1].split("</section>", 1)[0]
    assert "Weekly sync" in card and "Retro" not in card
    assert "starts in 2 h 30 min" in card
    starts_at = soon.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'data-starts-at="{starts_at}"' in card and 'data-status="scheduled"' in card
    assert f'formaction="{soon.get_absolute_url()}start/">Start</button>' in card
    assert later.title not in card
    assert _titles(response.context["groups"]) == {"Later": ["Retro"]}


def test_next_up_says_how_long_a_meeting_has_been_under_way(host_client, user):
    MeetingFactory(
        host=user,
        status=Meeting.Status.ACTIVE,
        starts_at=_soon(minutes=-15),
        started_at=timezone.now() - timedelta(minutes=12),
    )
    card = _home(host_client).text.split('class="card next-up"', 1)[1]
    assert "in progress for 12 min" in card and "data-started-at=" in card
    # The host goes back in.
    assert 'start/">Join</button>' in card


def test_next_up_of_an_invitee_joins_through_the_invitation(host_client, user):
    host = UserFactory(first_name="Grace", last_name="Hopper")
    meeting = MeetingFactory(host=host, title="Partner call", starts_at=_soon(minutes=5))
    _invite(meeting, user)

    card = _home(host_client).text.split('class="card next-up"', 1)[1].split("</section>", 1)[0]

    assert "Partner call" in card and "starts in 5 min" in card
    assert "hosted by Grace Hopper" in card
    assert f'formaction="{meeting.get_absolute_url()}join/">Join</button>' in card
    assert "start/" not in card


def test_with_nothing_ahead_the_dashboard_says_so(host_client, user):
    MeetingFactory(host=user, status=Meeting.Status.ENDED)
    response = _home(host_client)
    assert response.context["next_up"] is None
    assert 'class="card next-up"' not in response.text
    assert "Nothing scheduled." in response.text


# Upcoming, by day


def _late_evening_in_tokyo() -> datetime:
    """23:30 in Tokyo, within the next two days (a logged-in session outlives it)."""
    day = timezone.localdate(timezone.now(), TOKYO) + timedelta(days=1)
    return datetime.combine(day, time(23, 30), tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (
            "Asia/Tokyo",
            {
                "Today": ["Late tonight"],
                "Tomorrow": ["After midnight", "Tomorrow night"],
                "Later": ["The day after"],
            },
        ),
        # The same meetings, seen from a morning in Los Angeles.
        (
            "America/Los_Angeles",
            {
                "Today": ["Late tonight", "After midnight"],
                "Tomorrow": ["Tomorrow night", "The day after"],
            },
        ),
    ],
)
def test_upcoming_meetings_are_grouped_by_day_in_the_users_time_zone(
    host_client, user, monkeypatch, zone, expected
):
    user.timezone = zone
    user.save()
    now = _late_evening_in_tokyo()
    minutes = lambda n: now + timedelta(minutes=n)  # noqa: E731
    MeetingFactory(host=user, title="Next", starts_at=minutes(10))
    MeetingFactory(host=user, title="Late tonight", starts_at=minutes(20))
    MeetingFactory(host=user, title="After midnight", starts_at=minutes(40))
    MeetingFactory(host=user, title="Tomorrow night", starts_at=minutes(24 * 60 + 20))
    MeetingFactory(host=user, title="The day after", starts_at=minutes(24 * 60 + 40))
    monkeypatch.setattr(timezone, "now", lambda: now)

    response = _home(host_client)

    assert response.context["next_up"].meeting.title == "Next"
    assert _titles(response.context["groups"]) == expected
    page = response.text
    assert [day for day in ("Today", "Tomorrow", "Later") if f'"day">{day}</h3>' in page] == list(
        expected
    )
    # Times read in the user's zone.
    local = timezone.localtime(minutes(40), zoneinfo.ZoneInfo(zone))
    assert f">{local:%H:%M}</time>" in page


def test_a_meeting_under_way_since_yesterday_is_todays():
    now = datetime(2030, 3, 20, 23, 30, tzinfo=TOKYO)
    rows = [
        SimpleNamespace(meeting=Meeting(starts_at=now - timedelta(days=1))),
        SimpleNamespace(meeting=Meeting(starts_at=now + timedelta(hours=1))),
    ]
    with timezone.override(TOKYO):
        groups = day_groups(rows, today=now.date())
    assert [(day, len(rows)) for day, rows in groups] == [("Today", 1), ("Tomorrow", 1)]


def test_cancelled_ended_elapsed_and_other_peoples_meetings_are_left_out(host_client, user):
    MeetingFactory(host=user, title="Ahead", starts_at=_soon(hours=1))
    MeetingFactory(host=user, title="Still ahead", starts_at=_soon(hours=3))
    MeetingFactory(host=user, title="Called off", status=Meeting.Status.CANCELLED)
    MeetingFactory(host=user, title="Held already", status=Meeting.Status.ENDED)
    MeetingFactory(host=user, title="Never started", starts_at=_soon(hours=-3), duration=60)
    MeetingFactory(title="Someone else's")
    revoked = MeetingFactory(title="Uninvited")
    Invitation.objects.create(
        meeting=revoked, user=user, email=user.email, revoked_at=timezone.now()
    )

    page = _home(host_client).text

    assert "Ahead" in page and "Still ahead" in page
    for title in ["Called off", "Held already", "Never started", "Someone else", "Uninvited"]:
        assert title not in page


def test_each_row_names_the_other_party_and_offers_start_or_join(host_client, user):
    MeetingFactory(host=user, title="First", starts_at=_soon(hours=1))
    hosted = MeetingFactory(host=user, title="Design review", starts_at=_soon(hours=2))
    alan, grace = UserFactory(first_name="Alan", last_name="Turing"), UserFactory()
    _invite(hosted, alan, grace, "barbara@example.org")
    Invitation.objects.filter(user=grace).update(revoked_at=timezone.now())
    alone = MeetingFactory(host=user, title="Focus time", starts_at=_soon(hours=3))
    contact_first = MeetingFactory(host=user, title="Vendor call", starts_at=_soon(hours=4))
    _invite(contact_first, "katherine@example.org")
    invited = MeetingFactory(
        host=UserFactory(first_name="Grace", last_name="Hopper"),
        title="Partner call",
        starts_at=_soon(hours=5),
    )
    _invite(invited, user)

    page = _home(host_client).text

    def row(meeting) -> str:
        return page.split(f'<li data-meeting-id="{meeting.meeting_id}">', 1)[1].split("</li>")[0]

    # The first live invitee, and how many more (a revoked invitation counts for nothing).
    assert "with Alan Turing +1" in row(hosted)
    assert "with katherine@example.org</span>" in row(contact_first)
    assert " with " not in row(alone) and "hosted by" not in row(alone)
    assert "hosted by Grace Hopper" in row(invited)
    for meeting in (hosted, alone, contact_first):
        assert f'formaction="{meeting.get_absolute_url()}start/">Start</button>' in row(meeting)
    assert f'formaction="{invited.get_absolute_url()}join/">Join</button>' in row(invited)
    assert "start/" not in row(invited)
    assert 'class="badge status-scheduled">Scheduled</span>' in row(invited)
    # The rows' buttons post the one form that carries the CSRF token.
    assert 'form="join-form"' in row(hosted) and "csrfmiddlewaretoken" not in row(hosted)
    assert '<form id="join-form" method="post" hidden>' in page


# Booked meetings


def _open_all_day(host):
    """A schedule open every hour of every day, so a booking can start within the hour."""
    return make_schedule(host, zone="UTC", weekly={day: [(time(0), time(0))] for day in range(7)})


def _next_half_hour(**delta) -> datetime:
    """A slot start (on the half hour, in UTC) at least `delta` from now."""
    moment = timezone.now() + timedelta(**delta)
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(
        minutes=30 if moment.minute < 30 else 60
    )


def _book(booking_type, starts_at, email="grace@example.org"):
    return booking_services.booking_create(
        booking_type=booking_type,
        starts_at=starts_at,
        duration=30,
        guest_name="Grace Hopper",
        guest_email=email,
        guest_timezone="Europe/Berlin",
    ).booking.meeting


def _row_of(page: str, meeting) -> str:
    return page.split(f'<li data-meeting-id="{meeting.meeting_id}">', 1)[1].split("</li>")[0]


def test_booked_meetings_show_their_booking_types_label_and_colour(host_client, user):
    _open_all_day(user)
    mentoring = make_type(
        user, title="Mentoring", slug="mentoring", label="Mentee", color="#16A34A"
    )
    intro = make_type(user, title="Intro call", slug="intro", color="#dc2626")  # no label
    first = _book(mentoring, _next_half_hour(minutes=10))
    second = _book(intro, _next_half_hour(hours=2), email="alan@example.org")
    plain = MeetingFactory(host=user, title="Focus time", starts_at=_next_half_hour(hours=4))

    response = _home(host_client)
    page = response.text

    card = page.split('class="card next-up"', 1)[1].split("</section>", 1)[0]
    assert response.context["next_up"].meeting == first
    assert 'data-testid="booking-type" title="Booked: Mentoring"' in card
    assert '<circle cx="5" cy="5" r="5" fill="#16A34A"/></svg> Mentee</span>' in card
    # Without a label, the type's title names it.
    assert 'fill="#dc2626"/></svg> Intro call</span>' in _row_of(page, second)
    assert "booking-type" not in _row_of(page, plain)
    rows = {row.meeting: row for _, rows in response.context["groups"] for row in rows}
    assert (rows[second].booking_type, rows[second].label, rows[second].color) == (
        "Intro call",
        "",
        "#dc2626",
    )
    assert rows[plain].booking_type == ""


def test_an_invitee_sees_no_booking_type_of_the_hosts(client, user):
    """The label is the host's own tag for the type; a logged-in guest sees whom they meet."""
    host = UserFactory(first_name="Ada", last_name="Lovelace")
    _open_all_day(host)
    booking_type = make_type(host, label="Sales lead")
    booking_services.booking_create(
        booking_type=booking_type,
        starts_at=_next_half_hour(hours=1),
        duration=30,
        guest_name=user.display_name,
        guest_email=user.email,
        guest_timezone="Europe/Berlin",
        guest_user=user,
    )
    client.force_login(user)

    response = _home(client)

    assert response.context["next_up"].other_party == "Ada Lovelace"
    assert "Sales lead" not in response.text and "booking-type" not in response.text


def test_a_colour_that_is_not_rrggbb_is_not_shown(host_client, user):
    """The type's check constraint holds colours to #rrggbb; a row that slipped past it
    (an older database, a raw import) shows no swatch rather than CSS or markup."""
    hostile = 'red"/><script>alert(1)</script>'
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:  # undone with the test's transaction; first, before any row is pending
            cursor.execute(
                "ALTER TABLE bookings_bookingtype DROP CONSTRAINT booking_type_color_hex"
            )
    try:
        _open_all_day(user)
        booking_type = make_type(user, label="Mentee")
        _book(booking_type, _next_half_hour(hours=1))
        BookingType.objects.filter(pk=booking_type.pk).update(color=hostile[:7])
        page = _home(host_client).text
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")

    card = page.split('class="card next-up"', 1)[1].split("</section>", 1)[0]
    badge = card.split('data-testid="booking-type"', 1)[1].split("</span>", 1)[0]
    assert badge.endswith("Mentee") and "<svg" not in badge and "red" not in badge
    # And the template escapes whatever it is given.
    html = render_to_string(
        "meetings/_booking_type.html",
        {"row": selectors.UpcomingRow(None, True, "", booking_type="Intro", color=hostile)},
    )
    assert "<script>" not in html and 'fill="red&quot;/&gt;&lt;script&gt;' in html


def test_the_dashboard_shows_ten_rows_after_next_up_and_links_to_the_rest(host_client, user):
    for hour in range(1, 16):
        MeetingFactory(host=user, title=f"Meeting at +{hour:02} h", starts_at=_soon(hours=hour))

    response = _home(host_client)

    assert response.context["next_up"].meeting.title == "Meeting at +01 h"
    rows = [row for _, rows in response.context["groups"] for row in rows]
    assert [row.meeting.title for row in rows] == [f"Meeting at +{h:02} h" for h in range(2, 12)]
    assert "Meeting at +12 h" not in response.text
    assert f'href="{reverse("meetings:list")}">All my meetings (4 more upcoming) →' in (
        response.text
    )


@pytest.mark.parametrize("count", [1, 30])
def test_the_dashboard_runs_a_constant_number_of_queries(
    host_client, user, count, django_assert_num_queries
):
    _open_all_day(user)
    booking_types = [
        make_type(user, title=f"Type {n}", slug=f"type-{n}", label=f"Label {n}")
        for n in range(min(count, 3))
    ]
    for n in range(count):
        # Booked first: the host's own meetings may overlap a booking, not the reverse.
        _book(
            booking_types[n % len(booking_types)],
            _next_half_hour(minutes=50 + 60 * n),
            email=f"booker{n}@example.org",
        )
    for n in range(count):
        hosted = MeetingFactory(host=user, starts_at=_soon(hours=n + 1))
        _invite(hosted, UserFactory(), f"guest{n}@example.org")
        invited = MeetingFactory(starts_at=_soon(hours=n + 1, minutes=30))
        _invite(invited, user)
    # session, user, the upcoming meetings with their count, the hosted ones' invitees
    # and booking types
    with django_assert_num_queries(4):
        response = host_client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["next_up"] is not None
    shown = [
        response.context["next_up"],
        *(r for _, rows in response.context["groups"] for r in rows),
    ]
    assert {row.label for row in shown if row.booking_type} == {
        booking_type.label for booking_type in booking_types
    }


def _rows_read_from(plan: dict, table: str) -> int:
    """Rows that the plan's scans of `table` read, kept or filtered out."""
    read = 0
    if plan.get("Relation Name") == table:
        read += plan["Actual Rows"] * plan["Actual Loops"]
        read += plan.get("Rows Removed by Filter", 0) * plan["Actual Loops"]
    return read + sum(_rows_read_from(child, table) for child in plan.get("Plans", []))


def test_the_invitees_read_are_those_of_the_meetings_shown(user):
    if connection.vendor != "postgresql":
        pytest.skip("reads the plan of PostgreSQL")
    others = MeetingFactory.build_batch(100, host=UserFactory())
    for meeting in others:
        meeting.ends_at = meeting.starts_at + timedelta(minutes=meeting.duration)
    Meeting.objects.bulk_create(others)
    Invitation.objects.bulk_create(
        Invitation(
            meeting=meeting, contact=ContactFactory(owner=meeting.host), email=f"{n}@example.org"
        )
        for meeting in others[:10]
        for n in range(10)
    )
    mine = [MeetingFactory(host=user, starts_at=_soon(hours=hours)) for hours in (1, 2)]
    firsts = [UserFactory() for _ in mine]
    for n, (meeting, first) in enumerate(zip(mine, firsts, strict=True)):
        _invite(meeting, first, f"guest{n}@example.org")
    with connection.cursor() as cursor:
        # As on a large table, where reading all of it would cost more than any index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as queries:
            rows, _ = selectors.upcoming_rows(user=user, now=timezone.now(), limit=11)
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {queries[-1]['sql']}")
        plan = cursor.fetchone()[0][0]["Plan"]
    assert [(row.other_party, row.others) for row in rows] == [
        (first.display_name, 1) for first in firsts
    ]
    # Each meeting's two invitations, read once for the first and once for the count.
    assert _rows_read_from(plan, "invitations_invitation") <= 2 * 2 * len(mine)


def test_visitors_keep_the_join_form(client):
    page = client.get(reverse("home")).text
    assert "Join a meeting" in page and 'name="meeting_id"' in page
    assert "Next up" not in page and reverse("meetings:start_now") not in page


def test_the_dashboard_keeps_a_join_by_id_form(host_client, user):
    page = _home(host_client).text
    assert f'action="{reverse("join:by_id")}"' in page
    assert f'value="{user.display_name}"' in page


# Start a meeting now


def test_start_now_creates_a_meeting_starting_now_and_opens_its_share_dialog(
    host_client, user, settings
):
    settings.SITE_URL = "https://meet.example.com"
    before = timezone.now()

    response = _start_now(host_client, title="")

    meeting = Meeting.objects.get()
    assert (meeting.host, meeting.title, meeting.duration) == (user, "Ada's meeting", 60)
    assert meeting.timezone == user.timezone and meeting.status == Meeting.Status.SCHEDULED
    assert meeting.provider == Meeting.Provider.JITSI
    assert before - timedelta(minutes=1) < meeting.starts_at <= timezone.now()
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url() + "?created=1"

    page = host_client.get(response["Location"]).text
    dialog = page.split('<dialog id="share-dialog"', 1)[1].split("</dialog>", 1)[0]
    assert "data-open-on-load" in dialog
    assert meeting.formatted_meeting_id in dialog and meeting.passcode in dialog
    assert f"https://meet.example.com/join/{meeting.invitation_token}/" in dialog
    assert "Copy link" in dialog and "data-share" in dialog
    assert f'action="{reverse("meetings:start", args=[meeting.meeting_id])}"' in dialog
    assert "Start meeting" in dialog


def test_start_now_takes_the_title_given(host_client):
    _start_now(host_client, title="  Quick design huddle ")
    assert Meeting.objects.get().title == "Quick design huddle"


def test_start_now_without_a_first_name_names_the_meeting_plainly(client):
    client.force_login(UserFactory(first_name="", last_name=""))
    _start_now(client)
    assert Meeting.objects.get().title == "Instant meeting"


def test_the_start_now_form_offers_the_default_title(host_client):
    page = _home(host_client).text
    assert f'action="{reverse("meetings:start_now")}"' in page
    assert 'placeholder="Ada&#x27;s meeting"' in page and 'maxlength="200"' in page


def test_start_now_with_too_long_a_title_is_refused_and_creates_nothing(host_client, user):
    MeetingFactory(host=user, title="Weekly sync", starts_at=_soon(hours=1))

    response = _start_now(host_client, title="x" * 201)

    assert response.status_code == 400
    assert "Keep the title to 200 characters or fewer." in response.text
    assert Meeting.objects.count() == 1
    # The dashboard around it is whole, and keeps what was typed.
    assert "Weekly sync" in response.text and "starts in 1 h" in response.text
    assert 'value="' + "x" * 201 + '"' in response.text


def test_start_now_holds_the_meeting_on_jitsi_when_the_default_needs_a_link(host_client, settings):
    settings.DEFAULT_MEETING_PROVIDER = "external"
    _start_now(host_client)
    assert Meeting.objects.get().provider == Meeting.Provider.JITSI


@pytest.mark.django_db(transaction=True)
def test_start_now_uses_google_meet_when_it_is_the_default_and_connected(
    host_client, user, settings, google_server
):
    settings.DEFAULT_MEETING_PROVIDER = "google_meet"
    google.connect_google(user)
    google_server.answer(google.event())

    _start_now(host_client)

    meeting = Meeting.objects.get()
    assert (meeting.provider, meeting.external_url) == ("google_meet", google.MEET_URL)


@pytest.mark.django_db(transaction=True)
def test_start_now_that_google_refuses_creates_nothing(host_client, user, settings, google_server):
    settings.DEFAULT_MEETING_PROVIDER = "google_meet"
    google.connect_google(user)
    google_server.answer(google.api_error(403, "forbidden", "Calendar usage limits exceeded."))

    response = _start_now(host_client)

    assert response.status_code == 502
    assert "Google" in response.text
    assert not Meeting.objects.exists()


def test_start_now_is_a_post(host_client):
    assert host_client.get(reverse("meetings:start_now")).status_code == 405
    assert not Meeting.objects.exists()


def test_start_now_needs_a_login(client):
    response = _start_now(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Meeting.objects.exists()
