"""A logged-in user's home page: what is next, and what comes later."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from meetings import selectors
from meetings.forms import JoinByIdForm

# Rows under "Next up"; the list links to the rest.
UPCOMING_ROWS = 10


def dashboard(request):
    now = timezone.now()
    rows, total = selectors.upcoming_rows(user=request.user, now=now, limit=1 + UPCOMING_ROWS)
    next_up, later = (rows[0], rows[1:]) if rows else (None, [])
    context = {
        "next_up": next_up,
        "now": now,
        "groups": day_groups(later, today=timezone.localdate(now)),
        "not_shown": total - len(rows),
        "join_form": JoinByIdForm(initial={"name": request.user.display_name}),
    }
    return render(request, "meetings/dashboard.html", context)


def day_groups(rows: list, *, today) -> list[tuple[str, list]]:
    """Rows under Today, Tomorrow and Later, by the day they start in the viewer's time zone.

    A meeting under way since an earlier day is today's.
    """
    groups = {"Today": [], "Tomorrow": [], "Later": []}
    for row in rows:
        day = max(timezone.localdate(row.meeting.starts_at), today)
        if day == today:
            groups["Today"].append(row)
        elif day == today + timedelta(days=1):
            groups["Tomorrow"].append(row)
        else:
            groups["Later"].append(row)
    return [(name, group) for name, group in groups.items() if group]
