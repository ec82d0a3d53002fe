"""Ratings after the call: the request email, the rating page, and what the host sees."""

import re
import secrets
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import ratings, services
from bookings.models import FEEDBACK_MAX, Rating
from invitations.models import Invitation
from invitations.tasks import run_sweep
from meetings.models import Attendance, Meeting
from tests.bookings.conftest import make_rating, make_type, next_weekday
from tests.factories import ContactFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://meet\.example\.com/ratings/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://meet.example.com"


def ended_meeting(host, *, ended_ago=timedelta(hours=1, minutes=5), title="Design review"):
    """A one-hour meeting whose scheduled end was `ended_ago`, ended by its host."""
    ends_at = timezone.now() - ended_ago
    return MeetingFactory(
        host=host,
        title=title,
        starts_at=ends_at - timedelta(hours=1),
        duration=60,
        status=Meeting.Status.ENDED,
        started_at=ends_at - timedelta(hours=1),
        ended_at=ends_at,
    )


def invite(meeting, *, user=None, role=Invitation.Role.ATTENDEE) -> Invitation:
    if user is not None:
        return Invitation.objects.create(
            meeting=meeting, user=user, email=user.email, name=user.display_name, role=role
        )
    contact = ContactFactory(owner=meeting.host)
    return Invitation.objects.create(
        meeting=meeting, contact=contact, email=contact.email, name=contact.display_name, role=role
    )


def attend(meeting, *, user=None, invitation=None, name="Grace Hopper", **fields) -> Attendance:
    values = {
        "way": Attendance.Way.PERSONAL_LINK if invitation else Attendance.Way.MEETINGS_PAGE,
        "admitted_at": meeting.starts_at,
        "left_at": meeting.ends_at,
    } | fields
    return Attendance.objects.create(
        meeting=meeting, user=user, invitation=invitation, display_name=name, **values
    )


# Sending the requests.


def test_the_request_goes_an_hour_after_the_end_and_not_before(user, smtp_server):
    meeting = ended_meeting(user, ended_ago=timedelta(minutes=50))
    attend(meeting, invitation=invite(meeting), name="Grace Hopper")

    assert ratings.send_rating_requests(timezone.now()) == {"rating_requests": 0}
    assert smtp_server.messages == []
    assert not Rating.objects.exists()

    later = timezone.now() + timedelta(minutes=11)
    assert ratings.send_rating_requests(later) == {"rating_requests": 1}
    [message] = smtp_server.messages
    invitation = meeting.invitations.get()
    assert message["To"].addresses[0].addr_spec == invitation.email
    assert str(message["Subject"]) == "How was Design review?"
    assert message["Reply-To"].addresses[0].addr_spec == user.email
    text = message.get_body(("plain",)).get_content()
    token = LINK.search(text).group(1)
    assert len(token) >= 43  # 256 bits
    assert LINK.search(message.get_body(("html",)).get_content()).group(1) == token
    rating = Rating.objects.get()
    # Only the digest is kept.
    assert rating.digest == ratings.digest(token) and token not in rating.digest
    assert rating.sent_at is not None and rating.score is None
    assert ratings.rating_for_token(token=token) == rating


def test_a_meeting_that_has_not_ended_gets_no_requests(user, smtp_server):
    meeting = ended_meeting(user, ended_ago=timedelta(hours=3))
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ACTIVE)
    attend(meeting, invitation=invite(meeting))
    assert ratings.send_rating_requests() == {"rating_requests": 0}
    assert smtp_server.messages == []


def test_no_request_once_rating_has_closed(user, smtp_server):
    meeting = ended_meeting(user, ended_ago=timedelta(days=7, minutes=1))
    attend(meeting, invitation=invite(meeting))
    assert ratings.send_rating_requests() == {"rating_requests": 0}


def test_each_attendee_is_asked_once_however_often_the_sweep_runs(user, smtp_server):
    meeting = ended_meeting(user)
    invitation = invite(meeting)
    # Joined twice (a dropped connection): still one person.
    attend(meeting, invitation=invitation)
    attend(meeting, invitation=invitation)

    assert ratings.send_rating_requests() == {"rating_requests": 1}
    assert ratings.send_rating_requests() == {"rating_requests": 0}
    assert run_sweep(timezone.now())["rating_requests"] == 0
    assert len(smtp_server.messages) == 1
    assert Rating.objects.count() == 1


def test_a_claim_taken_by_another_run_is_not_sent_again(user, smtp_server):
    meeting = ended_meeting(user)
    invitation = invite(meeting)
    attend(meeting, invitation=invitation)
    due = ratings.due_requests(timezone.now(), limit=10)
    # Another sweep claims the same attendee between this one's read and its claim.
    make_rating(meeting, email=invitation.email)
    assert ratings._claim(due) == []


def test_the_sweep_sends_the_requests(user, smtp_server):
    meeting = ended_meeting(user)
    attend(meeting, invitation=invite(meeting))
    assert run_sweep(timezone.now())["rating_requests"] == 1
    assert len(smtp_server.messages) == 1


def test_only_attendees_with_an_address_are_asked(user, smtp_server, staff_user):
    meeting = ended_meeting(user)
    guest = UserFactory(email="grace@example.org", timezone="America/New_York")
    attend(meeting, user=user, name="Host", is_moderator=True, way=Attendance.Way.HOST)
    attend(meeting, user=guest, invitation=invite(meeting, user=guest))
    attend(meeting, invitation=invite(meeting), name="A contact")
    # Came in through the share link: no account, no invitation, no address.
    attend(meeting, name="Anonymous", way=Attendance.Way.SHARE_LINK)
    # Waited and was never let in.
    attend(meeting, invitation=invite(meeting), name="Left waiting", admitted_at=None)
    # Co-host and staff ran the meeting with the host.
    cohost = UserFactory()
    attend(
        meeting,
        user=cohost,
        invitation=invite(meeting, user=cohost, role=Invitation.Role.MODERATOR),
        is_moderator=True,
    )
    attend(meeting, user=staff_user, is_moderator=True)

    assert ratings.send_rating_requests() == {"rating_requests": 2}
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages)
    contact = Attendance.objects.get(meeting=meeting, display_name="A contact").invitation
    assert recipients == sorted(["grace@example.org", contact.email])
    assert Rating.objects.get(email="grace@example.org").user == guest


def test_an_attendee_with_an_account_and_no_invitation_is_asked(user, smtp_server):
    meeting = ended_meeting(user)
    guest = UserFactory(email="grace@example.org")
    attend(meeting, user=guest)
    assert ratings.send_rating_requests() == {"rating_requests": 1}
    assert smtp_server.messages[0]["To"].addresses[0].addr_spec == "grace@example.org"


def test_an_address_in_capitals_is_asked_once(user, smtp_server):
    meeting = ended_meeting(user)
    guest = UserFactory(email="Grace.Hopper@Example.org")
    attend(meeting, user=guest)
    assert ratings.send_rating_requests() == {"rating_requests": 1}
    assert ratings.send_rating_requests() == {"rating_requests": 0}
    assert smtp_server.messages[0]["To"].addresses[0].addr_spec == "Grace.Hopper@Example.org"
    assert Rating.objects.get().email == "grace.hopper@example.org"


def test_a_batch_leaves_the_rest_for_the_next_run(user, smtp_server, monkeypatch):
    monkeypatch.setattr(ratings, "BATCH_SIZE", 2)
    meeting = ended_meeting(user)
    for number in range(3):
        attend(meeting, invitation=invite(meeting), name=f"Person {number}")
    assert ratings.send_rating_requests(timezone.now()) == {"rating_requests": 2}
    assert ratings.send_rating_requests(timezone.now()) == {"rating_requests": 1}
    assert ratings.send_rating_requests(timezone.now()) == {"rating_requests": 0}
    assert len(smtp_server.messages) == 3


def _queries_to_send(host, attendees: int) -> int:
    meeting = ended_meeting(host, title=f"Review {attendees}")
    for number in range(attendees):
        attend(meeting, invitation=invite(meeting), name=f"Person {number}")
        attend(meeting, user=UserFactory(), name=f"User {number}")
    with CaptureQueriesContext(connection) as queries:
        assert ratings.send_rating_requests() == {"rating_requests": 2 * attendees}
    return len(queries)


def test_sending_takes_as_many_queries_for_one_attendee_as_for_many(user, smtp_server):
    one = _queries_to_send(user, 1)
    many = _queries_to_send(user, 12)
    assert one == many
    assert len(smtp_server.messages) == 26
    # One connection for each batch.
    assert smtp_server.handler.sessions == 2


def test_a_refused_request_is_released_for_the_next_run(user, smtp_server):
    meeting = ended_meeting(user)
    attend(meeting, invitation=invite(meeting))
    smtp_server.refuse(1, "451 4.3.0 Try again later")
    assert ratings.send_rating_requests() == {"rating_requests": 0}
    assert not Rating.objects.exists()
    assert ratings.send_rating_requests() == {"rating_requests": 1}
    assert Rating.objects.get().sent_at is not None


# The rating page.


def url(token: str) -> str:
    return f"/ratings/{token}/"


def test_the_page_shows_the_form_and_changes_nothing(client, meeting):
    meeting = ended_meeting(meeting.host)
    rating, token = make_rating(meeting)
    response = client.get(url(token))
    assert response.status_code == 200
    assert "How was Design review?" in response.text
    assert 'name="score"' in response.text
    rating.refresh_from_db()
    assert rating.score is None and rating.rated_at is None


def test_a_rating_is_saved_and_replaced_within_seven_days(client, user):
    meeting = ended_meeting(user)
    rating, token = make_rating(meeting)
    response = client.post(url(token), {"score": "4", "feedback": "Useful."}, follow=True)
    assert response.status_code == 200
    assert "Thank you for your rating." in response.text
    rating.refresh_from_db()
    assert (rating.score, rating.feedback) == (4, "Useful.")

    response = client.post(url(token), {"score": "2", "feedback": ""}, follow=True)
    assert "Your rating was updated." in response.text
    rating.refresh_from_db()
    assert (rating.score, rating.feedback) == (2, "")
    assert Rating.objects.count() == 1


@pytest.mark.parametrize("score", ["0", "6", "-1", "4.5", "five", ""])
def test_a_rating_outside_one_to_five_is_refused(client, user, score):
    meeting = ended_meeting(user)
    rating, token = make_rating(meeting, score=3, feedback="Fine.", rated_at=timezone.now())
    response = client.post(url(token), {"score": score, "feedback": "Changed"})
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in response.text
    rating.refresh_from_db()
    assert (rating.score, rating.feedback) == (3, "Fine.")


def test_feedback_too_long_is_refused(client, user):
    meeting = ended_meeting(user)
    rating, token = make_rating(meeting)
    response = client.post(url(token), {"score": "5", "feedback": "x" * (FEEDBACK_MAX + 1)})
    assert response.status_code == 400
    assert f"at most {FEEDBACK_MAX} characters" in response.text
    rating.refresh_from_db()
    assert rating.score is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_wrong_token_finds_nothing(client, user, method):
    meeting = ended_meeting(user)
    rating, token = make_rating(meeting)
    for wrong in [token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 80, "short"]:
        response = getattr(client, method)(url(wrong), {"score": "5"})
        assert response.status_code == 404
        assert "Rating link not found" in response.text
    rating.refresh_from_db()
    assert rating.score is None


def test_a_logged_in_user_who_did_not_attend_cannot_rate(client, user):
    meeting = ended_meeting(user)
    attendee = UserFactory(email="grace@example.org")
    rating, token = make_rating(meeting, user=attendee)
    outsider = UserFactory()
    client.force_login(outsider)
    # Without a link of their own there is nothing to open.
    assert client.post(url(secrets.token_urlsafe(32)), {"score": "1"}).status_code == 404
    # With the attendee's forwarded link: not theirs.
    response = client.post(url(token), {"score": "1"})
    assert response.status_code == 403
    assert "not yours" in response.text
    assert client.get(url(token)).status_code == 403
    rating.refresh_from_db()
    assert rating.score is None

    client.force_login(attendee)
    assert client.post(url(token), {"score": "5"}).status_code == 302
    rating.refresh_from_db()
    assert rating.score == 5


@pytest.mark.parametrize("method", ["get", "post"])
def test_rating_closes_seven_days_after_the_end(client, user, method):
    meeting = ended_meeting(user, ended_ago=timedelta(days=7, seconds=1))
    rating, token = make_rating(meeting, score=4, feedback="Good.", rated_at=meeting.ends_at)
    response = getattr(client, method)(url(token), {"score": "1", "feedback": "Changed"})
    assert response.status_code == 410
    assert "Rating is closed" in response.text
    rating.refresh_from_db()
    assert (rating.score, rating.feedback) == (4, "Good.")


def test_a_post_that_arrives_after_the_close_changes_nothing(user):
    meeting = ended_meeting(user, ended_ago=timedelta(days=6))
    rating, _ = make_rating(meeting)
    with pytest.raises(ratings.RatingClosed):
        ratings.rating_give(
            rating=rating, score=5, feedback="", now=meeting.ends_at + timedelta(days=7)
        )
    rating.refresh_from_db()
    assert rating.score is None


# What hosts see.


def test_the_host_sees_each_rating_and_its_feedback(host_client, user):
    meeting = ended_meeting(user)
    make_rating(meeting, score=5, feedback="Clear & useful", rated_at=timezone.now())
    make_rating(
        meeting, email="alan@example.org", name="Alan Turing", score=3, rated_at=timezone.now()
    )
    make_rating(meeting, email="quiet@example.org", name="Not rated yet")
    response = host_client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="ratings"' in response.text
    assert "Grace Hopper" in response.text and "Clear &amp; useful" in response.text
    assert "Alan Turing" in response.text and "3/5" in response.text
    assert "4.0 of 5 from 2" in response.text
    assert "Not rated yet" not in response.text


def _host_page_queries(client, meeting, ratings_count: int) -> int:
    for number in range(ratings_count):
        make_rating(
            meeting,
            email=f"p{number}@example.org",
            name=f"P{number}",
            score=4,
            rated_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as queries:
        assert client.get(meeting.get_absolute_url()).status_code == 200
    return len(queries)


def test_the_ratings_take_as_many_queries_for_one_as_for_many(host_client, user):
    one = _host_page_queries(host_client, ended_meeting(user), 1)
    many = _host_page_queries(host_client, ended_meeting(user), 20)
    assert one == many


def test_a_meeting_that_has_not_ended_shows_no_ratings(host_client, meeting):
    response = host_client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="ratings"' not in response.text


def test_staff_and_cohosts_see_the_ratings(client, user, staff_user):
    meeting = ended_meeting(user)
    make_rating(meeting, score=5, feedback="Secret praise", rated_at=timezone.now())
    client.force_login(staff_user)
    assert "Secret praise" in client.get(meeting.get_absolute_url()).text
    cohost = UserFactory()
    invite(meeting, user=cohost, role=Invitation.Role.MODERATOR)
    client.force_login(cohost)
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    assert "Secret praise" in response.text


def test_invitees_do_not_see_the_ratings(client, user):
    meeting = ended_meeting(user)
    make_rating(meeting, score=1, feedback="Secret complaint", rated_at=timezone.now())
    invitee = UserFactory()
    invite(meeting, user=invitee)
    client.force_login(invitee)
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    assert "Secret complaint" not in response.text
    assert 'data-testid="ratings"' not in response.text


def _booked_meeting(booking_type, schedule, *, day: int, email: str) -> Meeting:
    booking = services.booking_create(
        booking_type=booking_type,
        starts_at=datetime.combine(next_weekday(day), time(10), schedule.zone),
        duration=30,
        guest_name="Guest",
        guest_email=email,
        guest_timezone="Europe/Berlin",
    ).booking
    Meeting.objects.filter(pk=booking.meeting_id).update(status=Meeting.Status.ENDED)
    return booking.meeting


def test_the_summary_gives_the_average_and_count_per_booking_type(host, booking_type, schedule):
    other_type = make_type(host, title="Deep dive", slug="deep-dive")
    unrated_type = make_type(host, title="Quiet", slug="quiet")
    first = _booked_meeting(booking_type, schedule, day=0, email="a@example.org")
    second = _booked_meeting(booking_type, schedule, day=1, email="b@example.org")
    third = _booked_meeting(other_type, schedule, day=2, email="c@example.org")
    _booked_meeting(unrated_type, schedule, day=3, email="d@example.org")
    now = timezone.now()
    make_rating(first, email="a@example.org", score=5, rated_at=now)
    make_rating(first, email="x@example.org", score=4, rated_at=now)
    make_rating(second, email="b@example.org", score=2, rated_at=now)
    make_rating(second, email="y@example.org")  # asked, not rated
    make_rating(third, email="c@example.org", score=3, rated_at=now)
    # A meeting of the host that nobody booked counts for no type.
    make_rating(ended_meeting(host), email="z@example.org", score=1, rated_at=now)

    with CaptureQueriesContext(connection) as queries:
        summary = ratings.rating_summary(host=host)
    assert len(queries) == 1
    assert summary == {booking_type.pk: (3.67, 3), other_type.pk: (3.0, 1)}
    assert ratings.rating_summary(host=UserFactory()) == {}

    html = render_to_string("bookings/ratings/_summary.html", {"summary": summary[booking_type.pk]})
    assert "3.7" in html and "(3 ratings)" in html
    assert "No ratings yet" in render_to_string("bookings/ratings/_summary.html", {})


def test_staff_look_at_the_ratings_in_the_admin(client, staff_user, user):
    meeting = ended_meeting(user)
    rating, _ = make_rating(meeting, score=4, feedback="Good.", rated_at=timezone.now())
    client.force_login(staff_user)
    changelist = client.get(reverse("admin:bookings_rating_changelist"))
    change = client.get(reverse("admin:bookings_rating_change", args=[rating.pk]))
    assert changelist.status_code == 200 and "Grace Hopper" in changelist.text
    assert change.status_code == 200 and "Good." in change.text
    assert client.get(reverse("admin:bookings_rating_add")).status_code == 403
