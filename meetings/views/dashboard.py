"""A logged-in user's home page: what is next, what comes later, and a meeting started now."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import google
from meetings import selectors, services
from meetings.forms import DEFAULT_DURATION, InstantMeetingForm, JoinByIdForm
from meetings.google_meet import MeetError
from meetings.models import Meeting
from meetings.services import RoomSettings

# Rows below the Next up card; the meetings list has the rest.
UPCOMING_ROWS = 10


def dashboard(request, *, start_form: InstantMeetingForm | None = None, status: int = 200):
    """The dashboard; `start_form` is "Start a meeting now" sent back with its errors."""
    now = timezone.now()
    rows, total = selectors.upcoming_rows(user=request.user, now=now, limit=1 + UPCOMING_ROWS)
    next_up, later = (rows[0], rows[1:]) if rows else (None, [])
    context = {
        "next_up": next_up,
        "now": now,
        "groups": day_groups(later, today=timezone.localdate(now)),
        "not_shown": total - len(rows),
        "start_form": start_form or InstantMeetingForm(user=request.user),
        "join_form": JoinByIdForm(initial={"name": request.user.display_name}),
    }
    return render(request, "meetings/dashboard.html", context, status=status)


def day_groups(rows: list, *, today) -> list[tuple[str, list]]:
    """Rows under Today, Tomorrow and Later, by the day they start in the viewer's time zone.

    A meeting under way since an earlier day is today's.
    """
    names = {today: "Today", today + timedelta(days=1): "Tomorrow"}
    groups = {"Today": [], "Tomorrow": [], "Later": []}
    for row in rows:
        day = max(timezone.localdate(row.meeting.starts_at), today)
        groups[names.get(day, "Later")].append(row)
    return [(name, group) for name, group in groups.items() if group]


@login_required
@require_POST
def start_now(request):
    """An instant meeting, starting now, that opens on its share dialog."""
    form = InstantMeetingForm(request.POST, user=request.user)
    if not form.is_valid():
        return dashboard(request, start_form=form, status=400)
    try:
        meeting = services.meeting_create(
            host=request.user,
            title=form.cleaned_data["title"],
            starts_at=timezone.now().replace(second=0, microsecond=0),
            duration=DEFAULT_DURATION,
            timezone_name=request.user.timezone,
            room=RoomSettings(provider=_instant_provider(request.user)),
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return dashboard(request, start_form=form, status=400)
    except MeetError as error:
        form.add_error(None, str(error))
        return dashboard(request, start_form=form, status=502)
    messages.success(request, "Your meeting is ready. Share it, then start it.")
    return redirect(reverse("meetings:detail", args=[meeting.meeting_id]) + "?created=1")


def _instant_provider(user) -> str:
    """The site's default video service when it needs nothing more from the host, else Jitsi.

    Google Meet needs the host's connected Google account; another service, a pasted link.
    """
    if (
        settings.DEFAULT_MEETING_PROVIDER == Meeting.Provider.GOOGLE_MEET
        and google.is_configured()
        and google.connected_account(user) is not None
    ):
        return Meeting.Provider.GOOGLE_MEET
    return Meeting.Provider.JITSI
