import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings import attendance as attendance_services
from meetings import rooms, selectors, services, throttling
from meetings.access import (
    NO_PERMISSION,
    can_manage,
    get_manageable_meeting,
    get_meeting_or_404,
    grant_room,
    granted_attendance,
    live_invitation,
    member,
    participant_in,
)
from meetings.credentials import parse_meeting_id, secrets_match
from meetings.forms import JoinByIdForm, JoinNameForm, MeetingFilterForm, MeetingForm
from meetings.google_meet import MeetError
from meetings.models import Attendance, Meeting
from meetings_site.csvcells import safe_cell

MEETINGS_PER_PAGE = 20


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def home(request):
    context = {"join_form": _join_form(request)}
    if request.user.is_authenticated:
        context["upcoming"] = (
            Meeting.objects.for_participant(request.user)
            .upcoming()
            .select_related("host")
            .order_by("starts_at")[:5]
        )
    return render(request, "meetings/home.html", context)


# Hosts: list, create, detail, lifecycle.


@login_required
@require_GET
def meeting_list(request):
    params = _list_filters(request.GET)
    when = params.get("when") or "upcoming"
    status, search = params.get("status", ""), params.get("q", "")
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
        "status": status,
        "status_choices": MeetingFilterForm.base_fields["status"].choices,
        "q": search,
        "page": page,
        "query": query.urlencode(),
        "me": request.user.pk,
    }
    return render(request, "meetings/list.html", context)


def _list_filters(query) -> dict:
    """MeetingFilterForm's cleaned data, or nothing when any filter is invalid.

    Its fields clean the values without a form being built (and its fields copied)
    on every visit of the list.
    """
    fields = MeetingFilterForm.base_fields
    try:
        return {name: field.clean(query.get(name)) for name, field in fields.items()}
    except ValidationError:
        return {}


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                host=request.user,
                title=data["title"],
                description=data["description"],
                starts_at=data["starts_at"],
                duration=data["duration"],
                timezone_name=data["timezone"],
                passcode=data["passcode"] or None,
                room=form.room_settings(),
            )
        except MeetError as error:
            return _provider_failed(request, form, None, error)
        messages.success(request, "Your meeting is scheduled.")
        return redirect(reverse("meetings:detail", args=[meeting.meeting_id]) + "?created=1")
    return render(
        request, "meetings/form.html", {"form": form, "meeting": None}, status=_form_status(form)
    )


def _provider_failed(request, form, meeting: Meeting | None, error: MeetError):
    """The form again, with Google's refusal on the provider field: 502, nothing saved."""
    form.add_error("provider", str(error))
    return render(request, "meetings/form.html", {"form": form, "meeting": meeting}, status=502)


@login_required
@require_GET
def meeting_detail(request, meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if can_manage(request.user, meeting):
        return _host_detail(request, meeting)
    invitation = live_invitation(request.user, meeting)
    if invitation is None:
        raise PermissionDenied(NO_PERMISSION)
    return render(
        request, "meetings/detail_invitee.html", {"meeting": meeting, "invitation": invitation}
    )


def _host_detail(request, meeting: Meeting, *, status: int = 200):
    attendances = list(meeting.attendances.all())
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "invitations": list(meeting.invitations.all()),
            "attendances": attendances,
            "waiting": [entry for entry in attendances if entry.is_waiting],
            "present_count": sum(
                1 for entry in attendances if entry.admitted_at and not entry.left_at
            ),
            "open_share": request.GET.get("created") == "1",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id: int):
    meeting = get_manageable_meeting(request, meeting_id)
    if not meeting.is_editable:
        return _refuse(
            request,
            meeting,
            f"This meeting is {meeting.get_status_display().lower()} and can no longer be edited.",
        )
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                title=data["title"],
                description=data["description"],
                starts_at=data["starts_at"],
                duration=data["duration"],
                timezone_name=data["timezone"],
                passcode=data["passcode"],
                room=form.room_settings(),
            )
        except services.TransitionError as error:
            return _refuse(request, meeting, str(error))
        except MeetError as error:
            return _provider_failed(request, form, meeting, error)
        messages.success(request, "The meeting was updated.")
        return redirect(meeting)
    return render(
        request, "meetings/form.html", {"form": form, "meeting": meeting}, status=_form_status(form)
    )


def _form_status(form) -> int:
    """400 for a form sent back with errors, 200 for a fresh one."""
    return 400 if form.is_bound else 200


def _refuse(request, meeting: Meeting, message: str):
    """The detail page with the reason a change was refused, as 409 Conflict."""
    meeting.refresh_from_db()
    messages.error(request, message)
    return _host_detail(request, meeting, status=409)


def _lifecycle_view(action, done_message: str):
    @login_required
    @require_POST
    def view(request, meeting_id: int):
        meeting = get_manageable_meeting(request, meeting_id)
        try:
            meeting = action(meeting=meeting)
        except services.TransitionError as error:
            return _refuse(request, meeting, str(error))
        messages.success(request, done_message)
        return redirect(meeting)

    view.__name__ = action.__name__
    return view


@login_required
@require_POST
def meeting_start(request, meeting_id: int):
    """The host opens the meeting and goes in; people waiting only for the host follow."""
    meeting = get_manageable_meeting(request, meeting_id)
    try:
        meeting = services.meeting_start(meeting=meeting)
    except services.TransitionError as error:
        return _refuse(request, meeting, str(error))
    attendance_services.attendance_admit_on_start(meeting=meeting)
    return enter_meeting(request, meeting, request.user.display_name, way=Attendance.Way.HOST)


meeting_end = _lifecycle_view(services.meeting_end, "The meeting has ended.")
meeting_regenerate_link = _lifecycle_view(
    services.meeting_regenerate_invitation_link,
    "The invitation link was replaced. The old link no longer works.",
)
meeting_rotate_room = _lifecycle_view(
    services.meeting_rotate_access_token,
    "The meeting moved to a new video room. Everyone rejoins through a link or the passcode.",
)
_meeting_cancel = _lifecycle_view(services.meeting_cancel, "The meeting was cancelled.")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, meeting_id: int):
    """GET asks for confirmation; only the POST cancels."""
    if request.method == "POST":
        return _meeting_cancel(request, meeting_id)
    meeting = get_manageable_meeting(request, meeting_id)
    return render(request, "meetings/cancel.html", {"meeting": meeting})


# Joining.


def enter_meeting(request, meeting: Meeting, display_name: str, *, way: str, invitation=None):
    """Record the entry, then the room, or the waiting page while the host holds people back.

    Every join flow ends here, so that each entry is recorded with its way in.
    """
    user = request.user
    if invitation is None:
        invitation = live_invitation(user, meeting)
    is_moderator = can_manage(user, meeting) or bool(invitation and invitation.is_moderator)
    try:
        attendance = attendance_services.attendance_join(
            meeting=meeting,
            display_name=display_name,
            way=way,
            is_moderator=is_moderator,
            user=user,
            invitation=invitation,
            previous=granted_attendance(request, meeting),
        )
    except attendance_services.MeetingFull as error:
        return render(
            request, "meetings/full.html", {"meeting": meeting, "message": str(error)}, status=409
        )
    grant_room(request, meeting, display_name, invitation=invitation, attendance=attendance)
    if attendance.is_waiting:
        return redirect("meetings:waiting", meeting_id=meeting.meeting_id)
    return redirect("meetings:room", meeting_id=meeting.meeting_id)


def _join_form(request, data=None, **initial):
    if request.user.is_authenticated:
        initial.setdefault("name", request.user.display_name)
    return JoinByIdForm(data, initial=initial)


@never_cache
@require_http_methods(["GET", "POST"])
def join_by_id(request):
    if request.method == "GET":
        form = _join_form(request, meeting_id=request.GET.get("meeting_id", "")[:20])
        return render(request, "meetings/join.html", {"form": form})

    form = _join_form(request, request.POST)
    if not form.is_valid():
        return render(request, "meetings/join.html", {"form": form}, status=400)

    meeting = selectors.meeting_for_passcode(form.cleaned_data["meeting_id"])
    reservation = throttling.attempt_reserve(
        meeting=meeting, address=throttling.client_address(request)
    )
    if not reservation.granted:
        return render(request, "meetings/join.html", {"form": form, "throttled": True}, status=429)
    if meeting is None:
        form.add_error("meeting_id", "Meeting room not found.")
        return render(request, "meetings/join.html", {"form": form}, status=404)
    if not secrets_match(form.cleaned_data["passcode"], meeting.passcode):
        form.add_error("passcode", "Incorrect meeting password.")
        return render(request, "meetings/join.html", {"form": form}, status=403)

    throttling.attempt_refund(reservation=reservation)
    meeting = get_meeting_or_404(meeting.meeting_id)
    if not meeting.is_joinable:
        return closed_response(request, meeting)
    return enter_meeting(request, meeting, form.cleaned_data["name"], way=Attendance.Way.MEETING_ID)


@never_cache
@require_http_methods(["GET", "POST"])
def join_share_link(request, token: str):
    meeting = selectors.meeting_for_share_link(token)
    if meeting is None:
        return not_found_response(
            request,
            "Invitation link not found",
            "The link may be mistyped, or the host replaced it with a new one.",
        )
    if not meeting.is_joinable:
        return closed_response(request, meeting)

    initial = {"name": request.user.display_name} if request.user.is_authenticated else {}
    form = JoinNameForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            return enter_meeting(
                request, meeting, form.cleaned_data["name"], way=Attendance.Way.SHARE_LINK
            )
        return render(
            request, "meetings/share_link.html", {"meeting": meeting, "form": form}, status=400
        )
    return render(request, "meetings/share_link.html", {"meeting": meeting, "form": form})


def not_found_response(request, title: str, detail: str):
    return render(
        request, "meetings/not_found.html", {"title": title, "detail": detail}, status=404
    )


def closed_response(request, meeting: Meeting):
    return render(request, "meetings/closed.html", {"meeting": meeting}, status=410)


def _json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@never_cache
@require_GET
def meeting_link(request, raw_id: str):
    """The logged-in user's personal way into a meeting, for apps and the site's Join buttons."""
    if not request.user.is_authenticated:
        return _json_error(401, "Log in to get your link to this meeting.")
    meeting_id = parse_meeting_id(raw_id)
    if meeting_id is None:
        return _json_error(400, "A meeting ID is 9 digits, like 123-456-789.")
    meeting = Meeting.objects.select_related("host").filter(meeting_id=meeting_id).first()
    if meeting is None:
        return _json_error(404, "Meeting room not found.")
    participant = member(request.user, meeting)
    if participant is None:
        return _json_error(403, NO_PERMISSION + ".")
    if not meeting.room_is_ready:
        return _json_error(404, "The meeting has no room yet: Google is still setting up its Meet.")
    return JsonResponse(
        {
            "meeting_id": meeting.formatted_meeting_id,
            "meeting_url": rooms.room_url(meeting, participant),
            "display_name": participant.display_name,
            "is_moderator": participant.is_moderator,
            "starts_at": meeting.starts_at.isoformat(),
            "duration": meeting.duration,
            "status": meeting.status,
        }
    )


@never_cache
@require_GET
def room(request, meeting_id: int):
    meeting = Meeting.objects.select_related("host").filter(meeting_id=meeting_id).first()
    if meeting is None:
        return not_found_response(
            request,
            "Meeting room not found",
            "Check the meeting ID with the person who invited you.",
        )
    participant = participant_in(request, meeting)
    attendance = granted_attendance(request, meeting)
    if participant is None or (attendance is None and not can_manage(request.user, meeting)):
        return redirect(reverse("join:by_id") + f"?meeting_id={meeting.formatted_meeting_id}")
    if not meeting.is_joinable:
        return closed_response(request, meeting)
    if attendance is not None and attendance.is_waiting:
        # Nobody skips the wait by opening the room's address.
        return redirect("meetings:waiting", meeting_id=meeting.meeting_id)
    session_key = request.session.session_key or ""
    return render(
        request,
        "meetings/room.html",
        {
            "meeting": meeting,
            "moderator": participant.is_moderator,
            "can_end": can_manage(request.user, meeting),
            "display_name": participant.display_name,
            "jitsi_url": rooms.room_url(meeting, participant, session_key),
            "jitsi_base_url": settings.JITSI_BASE_URL,
            "jitsi_embed": settings.JITSI_EMBED and meeting.provider == Meeting.Provider.JITSI,
            "room_config": rooms.embed_config(meeting, participant, session_key),
        },
    )


# The waiting room and attendance.


def _own_attendance(request, meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    return meeting, granted_attendance(request, meeting)


@never_cache
@require_GET
def waiting(request, meeting_id: int):
    """Where attendees wait for the host; it moves on by itself once they may enter."""
    meeting, attendance = _own_attendance(request, meeting_id)
    if attendance is None:
        return redirect(reverse("join:by_id") + f"?meeting_id={meeting.formatted_meeting_id}")
    if not meeting.is_joinable:
        return closed_response(request, meeting)
    if not attendance.is_waiting:
        return redirect("meetings:room", meeting_id=meeting.meeting_id)
    return render(request, "meetings/waiting.html", {"meeting": meeting, "attendance": attendance})


@never_cache
@require_GET
def waiting_status(request, meeting_id: int):
    meeting, attendance = _own_attendance(request, meeting_id)
    if attendance is None:
        return _json_error(403, NO_PERMISSION + ".")
    return JsonResponse(
        {
            "admitted": not attendance.is_waiting,
            "closed": not meeting.is_joinable,
            "room_url": reverse("meetings:room", args=[meeting.meeting_id]),
        }
    )


@login_required
@never_cache
@require_GET
def attendance_status(request, meeting_id: int):
    """Who waits and who is in, for the host's room and meeting page to refresh."""
    meeting = get_manageable_meeting(request, meeting_id)
    rows = list(meeting.attendances.all())
    return JsonResponse(
        {
            "waiting": [
                {"id": a.pk, "name": a.display_name, "way": a.get_way_display()}
                for a in rows
                if a.is_waiting
            ],
            "present": sum(1 for a in rows if a.admitted_at and not a.left_at),
            "limit": meeting.participant_limit,
        }
    )


@login_required
@require_POST
def attendance_admit(request, meeting_id: int):
    """Admit one waiting person (`attendance`) or everyone (`all`)."""
    meeting = get_manageable_meeting(request, meeting_id)
    ids = None
    if request.POST.get("all") != "1":
        try:
            ids = [int(request.POST.get("attendance", ""))]
        except ValueError:
            return _json_error(400, "Say whom to admit.")
    try:
        count = attendance_services.attendance_admit(meeting=meeting, attendance_ids=ids)
    except attendance_services.MeetingFull as error:
        if request.headers.get("Accept") == "application/json":
            return _json_error(409, str(error))
        messages.error(request, str(error))
        return redirect(meeting)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"admitted": count})
    messages.success(request, f"{count} admitted." if count != 1 else "1 person admitted.")
    return redirect(meeting)


@require_POST
def attendance_left(request, meeting_id: int):
    """The embedded room reports that this visitor left; only their own record is touched."""
    _, attendance = _own_attendance(request, meeting_id)
    if attendance is None:
        return _json_error(403, NO_PERMISSION + ".")
    attendance_services.attendance_leave(attendance=attendance)
    return JsonResponse({"left": True})


@login_required
@require_GET
def attendance_csv(request, meeting_id: int):
    meeting = get_manageable_meeting(request, meeting_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{meeting.meeting_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(["name", "email", "way", "role", "joined_at", "left_at", "minutes"])
    for row in meeting.attendances.select_related("user", "invitation"):
        email = row.invitation.email if row.invitation else (row.user.email if row.user else "")
        writer.writerow(
            [
                safe_cell(row.display_name),
                safe_cell(email),
                row.get_way_display(),
                "moderator" if row.is_moderator else "attendee",
                row.admitted_at.isoformat() if row.admitted_at else "",
                row.left_at.isoformat() if row.left_at else "",
                round(row.duration.total_seconds() / 60) if row.duration else "",
            ]
        )
    return response
