"""The host's pages: the list, scheduling and editing, the meeting page, the lifecycle."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings import joining, selectors, services
from meetings.access import (
    BOOKED,
    booked,
    can_keep_notes,
    can_manage,
    get_manageable_meeting,
    live_invitation,
    meeting_for,
    member,
)
from meetings.forms import (
    InvitationSearchForm,
    MeetingFilterForm,
    MeetingForm,
    MeetingNotesForm,
)
from meetings.google_meet import MeetError
from meetings.models import Meeting
from meetings.responses import entry_response

MEETINGS_PER_PAGE = 20
INVITATIONS_PER_PAGE = 25


@login_required
@require_GET
def meeting_list(request):
    form = MeetingFilterForm(request.GET)
    if form.is_valid():
        when, status, search = (form.cleaned_data[name] for name in ("when", "status", "q"))
    else:
        # A filter that does not clean (a hand-edited address) shows the default list.
        form = MeetingFilterForm()
        when, status, search = "upcoming", "", ""
    page = selectors.meeting_list_page(
        user=request.user,
        when=when,
        status=status,
        search=search,
        number=request.GET.get("page"),
        per_page=MEETINGS_PER_PAGE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    query["when"] = when
    context = {
        "when": when,
        "when_choices": MeetingFilterForm.WHEN_CHOICES,
        "filter_form": form,
        "status": status,
        "q": search,
        "page": page,
        "query": query.urlencode(),
        "me": request.user.pk,
    }
    return render(request, "meetings/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    return _meeting_form(request, None)


@login_required
@require_GET
def meeting_detail(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id, allowed=member)
    return _detail(request, meeting)


def _detail(request, meeting: Meeting, *, status: int = 200, notes_form=None):
    """The host's page for whoever manages the meeting, else the invitee's (a co-host's
    with the private notes)."""
    if can_manage(request.user, meeting):
        return _host_detail(request, meeting, status=status, notes_form=notes_form)
    invitation = live_invitation(request.user, meeting)
    context = {"meeting": meeting, "invitation": invitation}
    if invitation.is_moderator:
        context["notes_form"] = notes_form or _notes_form(meeting)
    return render(request, "meetings/detail_invitee.html", context, status=status)


def _notes_form(meeting: Meeting) -> MeetingNotesForm:
    return MeetingNotesForm(initial={"notes": meeting.host_notes})


def _host_detail(request, meeting: Meeting, *, status: int = 200, notes_form=None):
    search_form = InvitationSearchForm(request.GET)
    if search_form.is_valid():
        search = search_form.cleaned_data["q"]
    else:
        # The whole list, with the search box saying what was wrong.
        search = ""
        status = 400 if status == 200 else status
    summary = selectors.invitation_summary(meeting=meeting, search=search)
    # Everyone on one page would not scale: a meeting may invite thousands.
    invitation_page = selectors.invitation_page(
        meeting=meeting,
        search=search,
        number=request.GET.get("page"),
        per_page=INVITATIONS_PER_PAGE,
        count=summary["matching"],
    )
    attendances = list(meeting.attendances.all())
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "invitation_summary": summary,
            "invitation_page": invitation_page,
            "invitation_search": search_form,
            "invitation_query": urlencode({"q": search}) if search else "",
            "attendances": attendances,
            "waiting": [entry for entry in attendances if entry.is_waiting and not entry.left_at],
            "present_count": sum(
                1 for entry in attendances if entry.admitted_at and not entry.left_at
            ),
            "open_share": request.GET.get("created") == "1",
            "notes_form": notes_form or _notes_form(meeting),
        },
        status=status,
    )


@login_required
@require_POST
def meeting_notes(request, meeting_id: int):
    """The host or a co-host keeps private notes on the meeting, before or after it."""
    meeting = meeting_for(request, meeting_id, allowed=can_keep_notes)
    form = MeetingNotesForm(request.POST)
    if not form.is_valid():
        return _detail(request, meeting, status=400, notes_form=form)
    services.meeting_notes_update(meeting=meeting, notes=form.cleaned_data["notes"])
    messages.success(request, "Your notes are saved.")
    return redirect(meeting.get_absolute_url() + "#notes")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id: int):
    meeting = get_manageable_meeting(request, meeting_id)
    if booked(meeting):
        return _refuse(request, meeting, BOOKED)
    try:
        services.check_editable(meeting)
    except services.TransitionError as error:
        return _refuse(request, meeting, str(error))
    return _meeting_form(request, meeting)


def _meeting_form(request, meeting: Meeting | None):
    """The form of a new meeting or of `meeting`, saved by the service or shown with the reasons.

    A service's refusal shows on the form (a start on the date field) with 400;
    Google's on the provider field with 502. Nothing is saved either way.
    """
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        names = ("title", "description", "starts_at", "duration", "passcode")
        values = {name: data[name] for name in names}
        values.update(timezone_name=data["timezone"], room=form.room_settings())
        try:
            if meeting is None:
                saved = services.meeting_create(host=request.user, **values)
            else:
                saved = services.meeting_update(meeting=meeting, notify=data["notify"], **values)
        except services.TransitionError as error:
            return _refuse(request, meeting, str(error))
        except ValidationError as error:
            reasons = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, messages_ in reasons.items():
                field = "date" if field == "starts_at" else field
                form.add_error(field if field in form.fields else None, messages_)
        except MeetError as error:
            form.add_error("provider", str(error))
            status = 502
        else:
            if meeting is not None:
                messages.success(request, "The meeting was updated.")
                return redirect(saved)
            messages.success(request, "Your meeting is scheduled.")
            return redirect(saved.get_absolute_url() + "?created=1")
    return render(request, "meetings/form.html", {"form": form, "meeting": meeting}, status=status)


def _refuse(request, meeting: Meeting, message: str):
    """The detail page with the reason a change was refused, as 409 Conflict."""
    meeting.refresh_from_db()
    messages.error(request, message)
    return _host_detail(request, meeting, status=409)


@login_required
@require_POST
def meeting_start(request, meeting_id: int):
    """The host opens the meeting and goes in; people waiting only for the host follow."""
    meeting = get_manageable_meeting(request, meeting_id)
    result = joining.host_start(meeting=meeting, user=request.user, session=request.session)
    if result.outcome in (joining.Outcome.CLOSED, joining.Outcome.EXPIRED):
        return _refuse(request, meeting, result.message)
    return entry_response(request, result)


@login_required
@require_POST
def meeting_end(request, meeting_id: int):
    return _lifecycle(request, meeting_id, services.meeting_end, "The meeting has ended.")


@login_required
@require_POST
def meeting_regenerate_link(request, meeting_id: int):
    return _lifecycle(
        request,
        meeting_id,
        services.meeting_regenerate_invitation_link,
        "The invitation link was replaced. The old link no longer works.",
    )


@login_required
@require_POST
def meeting_rotate_room(request, meeting_id: int):
    return _lifecycle(
        request,
        meeting_id,
        services.meeting_rotate_access_token,
        "The meeting moved to a new video room. Everyone rejoins through a link or the passcode.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, meeting_id: int):
    """GET asks for confirmation; only the POST cancels."""
    meeting = get_manageable_meeting(request, meeting_id)
    if booked(meeting):
        return _refuse(request, meeting, BOOKED)
    if request.method == "POST":
        return _lifecycle(
            request, meeting_id, services.meeting_cancel, "The meeting was cancelled."
        )
    return render(request, "meetings/cancel.html", {"meeting": meeting})


def _lifecycle(request, meeting_id: int, action, done_message: str):
    """Run one lifecycle service on the host's meeting, then back to its page."""
    meeting = get_manageable_meeting(request, meeting_id)
    try:
        meeting = action(meeting=meeting)
    except services.TransitionError as error:
        return _refuse(request, meeting, str(error))
    messages.success(request, done_message)
    return redirect(meeting)
