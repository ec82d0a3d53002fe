"""Ways into a meeting: the home page's form, meeting ID and passcode, the share link,
and the JSON link of a logged-in participant."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from meetings import joining, selectors, throttling
from meetings.access import NO_PERMISSION, meeting_for, member
from meetings.credentials import parse_meeting_id
from meetings.forms import JoinByIdForm, JoinNameForm
from meetings.joining import Outcome
from meetings.links import link_fields
from meetings.responses import entry_response, json_error, not_found_response
from meetings.views import dashboard
from meetings_site.limits import client_address


@require_GET
def home(request):
    if request.user.is_authenticated:
        return dashboard.dashboard(request)
    return render(request, "meetings/home.html", {"join_form": _join_form(request)})


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
    result = joining.passcode_join(
        meeting_id=form.cleaned_data["meeting_id"],
        passcode=form.cleaned_data["passcode"],
        display_name=form.cleaned_data["name"],
        user=request.user,
        address=client_address(request),
        session=request.session,
    )
    if result.outcome == Outcome.THROTTLED:
        response = render(
            request, "meetings/join.html", {"form": form, "throttled": True}, status=429
        )
        response["Retry-After"] = str(result.retry_after)
        return response
    if result.outcome == Outcome.NOT_FOUND:
        form.add_error("meeting_id", "Meeting room not found.")
        return render(request, "meetings/join.html", {"form": form}, status=404)
    if result.outcome == Outcome.WRONG_PASSCODE:
        form.add_error("passcode", "Incorrect meeting password.")
        return render(request, "meetings/join.html", {"form": form}, status=403)
    return entry_response(request, result)


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
    refused = joining.refusal(meeting)
    if refused is not None:
        return entry_response(request, refused, by_link=True)

    initial = {"name": request.user.display_name} if request.user.is_authenticated else {}
    form = JoinNameForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        result = joining.share_link_join(
            meeting=meeting,
            display_name=form.cleaned_data["name"],
            user=request.user,
            session=request.session,
        )
        return entry_response(request, result, by_link=True)
    status = 400 if request.method == "POST" else 200
    context = {"meeting": meeting, "form": form}
    return render(request, "meetings/share_link.html", context, status=status)


@never_cache
@require_GET
def meeting_link(request, raw_id: str):
    """The logged-in user's own way into a meeting, for apps and the site's Join buttons.

    This is the apps' "join" call, so unlike other GETs it records the entry,
    under the same rules as the join pages (member_join): it needs a logged-in
    session and no email links to it, so mail scanners that open links never
    reach it. Someone who must wait gets the waiting page as meeting_url, where
    the page flow would have sent them. It answers the API's link fields
    (meetings.links): seed 002's names beside the ones this endpoint always had.
    """
    if not request.user.is_authenticated:
        return json_error(401, "Log in to get your link to this meeting.")
    meeting_id = parse_meeting_id(raw_id)
    if meeting_id is None:
        return json_error(400, "A meeting ID is 9 digits, like 123-456-789.")
    try:
        meeting = meeting_for(request, meeting_id, allowed=member)
    except Http404:
        return json_error(404, "Meeting room not found.")
    except PermissionDenied:
        return json_error(403, NO_PERMISSION + ".")
    except throttling.Throttled as error:
        response = json_error(429, "Too many meetings not found. Try again later.")
        response["Retry-After"] = str(error.retry_after)
        return response
    if joining.refusal(meeting) is None and not meeting.room_is_ready:
        return json_error(404, joining.NO_ROOM_YET)
    result = joining.member_join(meeting=meeting, user=request.user, session=request.session)
    if not result.entered:
        status = 410 if result.outcome == Outcome.EXPIRED else 404
        return json_error(status, f"Meeting link not available. {result.message}")
    return JsonResponse(link_fields(result))
