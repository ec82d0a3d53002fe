from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invitations import services, tokens
from invitations.calendar import build_calendar
from invitations.forms import InvitationForm
from invitations.models import Invitation
from meetings import joining
from meetings.access import get_manageable_meeting, live_invitation, meeting_for, member
from meetings.forms import JoinNameForm
from meetings.responses import entry_response, not_found_response
from meetings.services import TransitionError

# More than the host's page shows at once (see meetings.views.hosts.INVITATIONS_PER_PAGE).
STATUS_ROWS_MAX = 100
LINK_NOT_FOUND = (
    "Invitation link not found",
    "The link may be mistyped, replaced by a newer invitation, or withdrawn by the host.",
)


# The host


@login_required
@require_http_methods(["GET", "POST"])
def send(request, meeting_id: int):
    meeting = get_manageable_meeting(request, meeting_id)
    if not meeting.is_joinable:
        messages.error(request, "This meeting is over; invitations can no longer be sent.")
        return redirect(meeting)
    form = InvitationForm(request.POST or None, owner=meeting.host)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invitations_send(
                meeting=meeting,
                recipients=form.cleaned_data["recipients"],
                personal_message=form.cleaned_data["personal_message"],
                role=form.cleaned_data["role"],
            )
        except TransitionError as error:
            messages.error(request, str(error))
            return redirect(meeting)
        if result.invited:
            count = len(result.invited)
            messages.success(request, f"{count} invitation{'s' if count != 1 else ''} on the way.")
        if result.already_invited:
            messages.info(request, "Already invited, skipped: " + ", ".join(result.already_invited))
        if result.skipped_host:
            messages.info(request, "You host this meeting, so you were not invited to it.")
        return redirect(meeting.get_absolute_url() + "#invitations")
    return render(
        request,
        "invitations/send.html",
        {
            "meeting": meeting,
            "form": form,
            "selected_contacts": form.cleaned_data.get("contacts", []) if form.is_bound else [],
        },
        status=400 if form.is_bound else 200,
    )


def _host_invitation(request, meeting_id: int, pk: int) -> Invitation:
    return get_object_or_404(get_manageable_meeting(request, meeting_id).invitations, pk=pk)


@login_required
@require_POST
def resend(request, meeting_id: int, pk: int):
    invitation = _host_invitation(request, meeting_id, pk)
    try:
        services.invitation_resend(invitation=invitation)
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"A new invitation is on its way to {invitation.email}. "
            "The links in earlier emails no longer work.",
        )
    return redirect(invitation.meeting.get_absolute_url() + "#invitations")


@login_required
@require_POST
def revoke(request, meeting_id: int, pk: int):
    invitation = _host_invitation(request, meeting_id, pk)
    notify = request.POST.get("notify") == "on"
    services.invitation_revoke(invitation=invitation, notify=notify)
    messages.success(
        request,
        f"{invitation.email} can no longer join with their link"
        + (" and will be told." if notify else "."),
    )
    return redirect(invitation.meeting.get_absolute_url() + "#invitations")


@login_required
@require_POST
def remove(request, meeting_id: int, pk: int):
    invitation = _host_invitation(request, meeting_id, pk)
    services.invitation_remove(invitation=invitation)
    messages.success(request, f"{invitation.email} was removed from the meeting.")
    return redirect(invitation.meeting.get_absolute_url() + "#invitations")


@login_required
@require_GET
@never_cache
def status(request, meeting_id: int):
    """Delivery and RSVP states of the rows the host's page shows (`ids`), to refresh them.

    Only the rows asked for: a meeting may invite thousands, the page shows one page.
    """
    meeting = get_manageable_meeting(request, meeting_id)
    try:
        ids = [int(part) for part in request.GET.get("ids", "").split(",") if part]
    except ValueError:
        return JsonResponse({"error": "ids lists invitation numbers, like ids=12,13."}, status=400)
    if len(ids) > STATUS_ROWS_MAX:
        return JsonResponse(
            {"error": f"Ask for at most {STATUS_ROWS_MAX} invitations at a time."}, status=400
        )
    rows = [
        {
            "id": invitation.pk,
            "delivery_state": invitation.delivery_state,
            "delivery_label": invitation.get_delivery_state_display(),
            "last_error": invitation.last_error,
            "attempts": invitation.attempts,
            "rsvp": invitation.rsvp,
            "rsvp_label": invitation.get_rsvp_display(),
            "revoked": invitation.is_revoked,
        }
        for invitation in meeting.invitations.filter(pk__in=ids)
    ]
    return JsonResponse({"invitations": rows})


# Invitees


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, meeting_id: int, token: str):
    """The personal link: confirm a name, then the room; no account, no passcode."""
    invitation = tokens.find_invitation(meeting_id, token)
    if invitation is None:
        return not_found_response(request, *LINK_NOT_FOUND)
    refused = joining.refusal(invitation.meeting)
    if refused is not None:
        return entry_response(request, refused, by_link=True)
    form = JoinNameForm(request.POST or None, initial={"name": invitation.display_name})
    if request.method == "POST" and form.is_valid():
        result = joining.personal_link_join(
            invitation=invitation,
            display_name=form.cleaned_data["name"],
            user=request.user,
            session=request.session,
        )
        return entry_response(request, result, by_link=True)
    return render(
        request,
        "invitations/join.html",
        {"meeting": invitation.meeting, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _invitation_of(request, meeting_id: int) -> Invitation:
    """The user's own live invitation: 404 for no such meeting, 403 for someone else's."""
    meeting = meeting_for(request, meeting_id, allowed=live_invitation)
    return live_invitation(request.user, meeting)


@login_required
@require_POST
def join_as_invitee(request, meeting_id: int):
    """An invited user joins from their meetings page, under their own name."""
    invitation = _invitation_of(request, meeting_id)
    result = joining.member_join(
        meeting=invitation.meeting,
        user=request.user,
        session=request.session,
        invitation=invitation,
    )
    return entry_response(request, result)


ANSWERS = {
    Invitation.Rsvp.ACCEPTED: "Yes, I'll attend",
    Invitation.Rsvp.TENTATIVE: "Maybe",
    Invitation.Rsvp.DECLINED: "No, I can't attend",
}


@never_cache
@require_http_methods(["GET", "POST"])
def rsvp(request, meeting_id: int, token: str):
    """The RSVP links of the email open this page; only its POST records the answer,
    because some mail servers open links to scan them."""
    invitation = tokens.find_invitation(meeting_id, token)
    if invitation is None:
        return not_found_response(request, *LINK_NOT_FOUND)
    if closed := services.rsvp_closed_reason(invitation.meeting):
        return _rsvp_closed(request, invitation, closed)
    posted = request.method == "POST"
    answer = (request.POST if posted else request.GET).get("answer", "")
    if posted and answer in ANSWERS:
        services.invitation_rsvp(invitation=invitation, answer=answer)
        return redirect(reverse("invitations:rsvp", args=[meeting_id, token]) + "?saved=1")
    return render(
        request,
        "invitations/rsvp.html",
        {
            "invitation": invitation,
            "meeting": invitation.meeting,
            "answers": ANSWERS.items(),
            "proposed": answer if answer in ANSWERS else "",
            "saved": request.GET.get("saved") == "1",
            "error": posted,  # a POST that gets here had no valid answer
            "join_url": reverse("invitations:join", args=[meeting_id, token]),
        },
        status=400 if posted else 200,
    )


def _rsvp_closed(request, invitation: Invitation, closed: str):
    """A cancelled or past meeting takes no answers: 410, and nothing changes."""
    context = {"invitation": invitation, "meeting": invitation.meeting, "closed": closed}
    return render(request, "invitations/rsvp.html", context, status=410)


@login_required
@require_POST
def rsvp_as_invitee(request, meeting_id: int):
    invitation = _invitation_of(request, meeting_id)
    if closed := services.rsvp_closed_reason(invitation.meeting):
        return _rsvp_closed(request, invitation, closed)
    answer = request.POST.get("answer", "")
    if answer not in ANSWERS:
        messages.error(request, "Choose yes, maybe or no.")
    else:
        services.invitation_rsvp(invitation=invitation, answer=answer)
        messages.success(request, f"Your answer is saved: {ANSWERS[answer]}.")
    return redirect(invitation.meeting)


@login_required
@require_GET
def calendar_file(request, meeting_id: int):
    """The current calendar file for the host and invited users (no personal link in it)."""
    meeting = meeting_for(request, meeting_id, allowed=member)
    ics = build_calendar(
        meeting, method="PUBLISH", join_url=settings.SITE_URL + meeting.get_absolute_url()
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.meeting_id}.ics"'
    return response
