"""The guest's pages: a host's booking page, a type's calendar of free times, the booking
form, and the guest's own booking (success page, calendar file, reschedule, cancel).

Every page works without JavaScript: the month, the day's times and the zone are
query parameters (`month`, `date`, `duration`, `tz`), and a time is a link to a
form that books it with a POST. Bad parameters answer 400 with what is wrong.
"""

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bookings import forms, selectors, services, tokens
from bookings.models import Booking, BookingType
from bookings.throttling import booking_limits
from bookings.views import guest_calendar
from invitations.calendar import build_calendar
from invitations.emails import google_calendar_url
from meetings.throttling import too_many_response
from meetings_site.limits import attempt_reserve, client_address


def _bad_request(request, message: str, back_url: str = ""):
    context = {"message": message, "back_url": back_url}
    return render(request, "bookings/bad_request.html", context, status=400)


def _reserve(request):
    """Count a booking POST before any work; a response (429) when over the limit."""
    reservation = attempt_reserve(limits=booking_limits(address=client_address(request)))
    if not reservation.granted:
        return too_many_response(request, "bookings/too_many.html", reservation.retry_after)
    return None


# Pages before a booking ------------------------------------------------------------------


def host_page(request, handle: str):
    """/book/<handle>/: the host and their active booking types."""
    profile = selectors.profile_for_handle(handle=handle)
    if profile is None:
        raise Http404("No booking page has this address.")
    context = {
        "profile": profile,
        "host": profile.user,
        "booking_types": selectors.bookable_types(host=profile.user).order_by("title", "pk"),
    }
    return render(request, "bookings/host_page.html", context)


def _bookable(handle: str, slug: str) -> BookingType:
    booking_type = selectors.bookable_type(handle=handle, slug=slug)
    if booking_type is None:
        raise Http404("No booking type has this address.")
    return booking_type


def type_page(request, handle: str, slug: str):
    """/book/<handle>/<slug>/: the month of free days and, for a chosen day, its times."""
    booking_type = _bookable(handle, slug)
    page_url = reverse("bookings:type", args=[handle.lower(), slug])
    try:
        query = guest_calendar.slot_query(request, booking_type)
    except guest_calendar.BadQuery as error:
        return _bad_request(request, str(error), page_url)
    context = guest_calendar.calendar_context(
        booking_type,
        query,
        page_url=page_url,
        time_url=reverse("bookings:book", args=[handle.lower(), slug]),
    )
    context["handle"] = handle.lower()
    return render(request, "bookings/type_page.html", context)


def _errors_on_form(form, error: ValidationError) -> None:
    """The service's refusals, keyed by its arguments, on the fields that ask for them."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(
            field if field in form.fields and field not in ("start", "duration", "tz") else None,
            errors,
        )


@require_http_methods(["GET", "POST"])
def book(request, handle: str, slug: str):
    """The booking form for one time: GET shows it, POST books and leads to the success page."""
    booking_type = _bookable(handle, slug)
    type_url = reverse("bookings:type", args=[handle.lower(), slug])
    book_url = reverse("bookings:book", args=[handle.lower(), slug])
    if request.method == "POST":
        if refused := _reserve(request):
            return refused
        form = forms.GuestBookingForm(request.POST, booking_type=booking_type)
        status = 400
        fresh = []
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.booking_create(
                    **form.booking(),
                    guest_user=request.user if request.user.is_authenticated else None,
                )
            except services.SlotTaken as error:
                _errors_on_form(form, error)
                status = 409
                fresh = guest_calendar.fresh_times(
                    booking_type, data["start"], data["duration"], data["tz"], book_url
                )
            except ValidationError as error:
                _errors_on_form(form, error)
            else:
                return _see_other(reverse("bookings:booking", args=[made.token]))
        slot = _posted_slot(form)
        context = {
            "booking_type": booking_type,
            "host": booking_type.host,
            "form": form,
            "slot": slot,
            "type_url": type_url,
            "fresh_times": fresh,
            "taken": status == 409,
        }
        return render(request, "bookings/book.html", context, status=status)
    try:
        start, duration, zone = guest_calendar.slot_from_query(request, booking_type)
    except guest_calendar.BadQuery as error:
        return _bad_request(request, str(error), type_url)
    initial = {"start": start.isoformat(), "duration": duration, "tz": zone}
    if request.user.is_authenticated:
        initial |= {"guest_name": request.user.display_name, "guest_email": request.user.email}
    form = forms.GuestBookingForm(initial=initial, booking_type=booking_type)
    context = {
        "booking_type": booking_type,
        "host": booking_type.host,
        "form": form,
        "slot": {"start": start, "duration": duration, "zone": zone},
        "type_url": type_url,
    }
    return render(request, "bookings/book.html", context)


def _posted_slot(form) -> dict | None:
    """The slot a refused form was for, when its hidden fields were sound."""
    data = form.cleaned_data
    if not all(name in data for name in ("start", "duration", "tz")):
        return None
    return {
        "start": data["start"].astimezone(ZoneInfo(data["tz"])),
        "duration": data["duration"],
        "zone": data["tz"],
    }


def _see_other(url: str) -> HttpResponse:
    """303: the POST is done; the browser GETs the page it leads to."""
    response = redirect(url)
    response.status_code = 303
    return response


# The guest's own booking -----------------------------------------------------------------


def _booking(token: str) -> Booking:
    booking = tokens.booking_for_token(token=token)
    if booking is None:
        raise Http404("This booking link is not valid.")
    return booking


def booking_page(request, token: str):
    """/bookings/<token>/: what, when, with whom, the join link and the calendar links."""
    booking = _booking(token)
    meeting = booking.meeting
    join_url = meeting.share_url
    context = {
        "booking": booking,
        "host": booking.host,
        "meeting": meeting,
        "zone": booking.guest_timezone,
        "join_url": join_url,
        "google_url": google_calendar_url(meeting, join_url),
        "token": token,
        "closed_reason": booking.guest_change_closed_reason(),
    }
    return render(request, "bookings/booking.html", context)


def booking_calendar(request, token: str):
    """The booking as a calendar file to import (METHOD:PUBLISH: no reply is expected)."""
    booking = _booking(token)
    ics = build_calendar(booking.meeting, method="PUBLISH", join_url=booking.meeting.share_url)
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="booking.ics"'
    return response


def _closed(request, booking: Booking, reason: str):
    """The guest may no longer change the booking. 410 Gone rather than 409 Conflict: no
    other request makes it possible again, as the site's closed meetings answer too."""
    context = {"booking": booking, "host": booking.host, "reason": reason}
    return render(request, "bookings/closed.html", context, status=410)


def _change_refused(request, booking: Booking, error: ValidationError):
    if getattr(error, "code", None) in ("used", "too_late"):
        return _closed(request, booking, " ".join(error.messages))
    return None


@require_http_methods(["GET", "POST"])
def reschedule(request, token: str):
    """/bookings/<token>/reschedule/: the calendar again; a chosen time is confirmed by a POST."""
    booking = _booking(token)
    if reason := booking.guest_change_closed_reason():
        return _closed(request, booking, reason)
    page_url = reverse("bookings:reschedule", args=[token])
    if request.method == "POST":
        return _reschedule_post(request, booking, token, page_url)
    booking_type = booking.booking_type
    try:
        if "start" in request.GET:
            start, duration, zone = guest_calendar.slot_from_query(
                request, booking_type, also=booking.duration
            )
        else:
            query = guest_calendar.slot_query(
                request, booking_type, duration=booking.duration, zone=booking.guest_timezone
            )
    except guest_calendar.BadQuery as error:
        return _bad_request(request, str(error), page_url)
    if "start" in request.GET:
        slot = {"start": start, "duration": duration, "zone": zone}
        context = {"booking": booking, "host": booking.host, "slot": slot, "page_url": page_url}
        return render(request, "bookings/reschedule_confirm.html", context)
    context = guest_calendar.calendar_context(
        booking_type, query, page_url=page_url, time_url=page_url, exclude_booking=booking
    )
    context |= {"booking": booking, "rescheduling": True}
    return render(request, "bookings/type_page.html", context)


def _reschedule_post(request, booking: Booking, token: str, page_url: str):
    if refused := _reserve(request):
        return refused
    booking_type = booking.booking_type
    try:
        start = forms.clean_start(request.POST.get("start", ""))
        duration = forms.clean_duration(
            request.POST.get("duration", ""), booking_type, also=booking.duration
        )
        zone = forms.clean_zone(request.POST.get("tz", ""))
    except ValidationError as error:
        return _bad_request(request, " ".join(error.messages), page_url)
    try:
        services.booking_reschedule(
            booking=booking, starts_at=start, duration=duration, by=Booking.Party.GUEST
        )
    except ValidationError as error:
        if response := _change_refused(request, booking, error):
            return response
        taken = isinstance(error, services.SlotTaken)
        fresh = []
        if taken:
            fresh = guest_calendar.fresh_times(
                booking_type, start, duration, zone, page_url, exclude_booking=booking
            )
        context = {
            "booking": booking,
            "host": booking.host,
            "slot": {"start": start.astimezone(ZoneInfo(zone)), "duration": duration, "zone": zone},
            "errors": error.messages,
            "taken": taken,
            "page_url": page_url,
            "fresh_times": fresh,
        }
        status = 409 if taken else 400
        return render(request, "bookings/reschedule_confirm.html", context, status=status)
    return _see_other(reverse("bookings:booking", args=[token]))


@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    """/bookings/<token>/cancel/: an optional reason; the POST calls the booking off."""
    booking = _booking(token)
    if reason := booking.guest_change_closed_reason():
        return _closed(request, booking, reason)
    form = forms.GuestCancelForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.booking_cancel(
                    booking=booking, by=Booking.Party.GUEST, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                if response := _change_refused(request, booking, error):
                    return response
                _errors_on_form(form, error)
            else:
                return _see_other(reverse("bookings:booking", args=[token]))
    slot = {
        "start": booking.starts_at,
        "duration": booking.duration,
        "zone": booking.guest_timezone,
    }
    context = {"booking": booking, "host": booking.host, "form": form, "token": token, "slot": slot}
    return render(request, "bookings/cancel.html", context, status=status)
