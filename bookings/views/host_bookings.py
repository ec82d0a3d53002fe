"""The host's bookings: the list (all, or one type's), cancelling and moving one."""

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from bookings import selectors, services
from bookings.forms import BookingCancelForm, BookingMoveForm
from bookings.models import Booking, BookingType
from bookings.views.host import refused

BOOKINGS_PER_PAGE = 25


@login_required
@require_GET
def booking_list(request, pk: int | None = None):
    booking_type = None
    if pk is not None:
        booking_type = get_object_or_404(BookingType, pk=pk, host=request.user)
    past = request.GET.get("when") == "past"
    now = timezone.now()
    bookings = selectors.host_bookings(host=request.user, booking_type=booking_type)
    if past:
        bookings = bookings.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        bookings = bookings.filter(ends_at__gte=now)
    page = Paginator(bookings, BOOKINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "bookings/host/bookings.html",
        {
            "booking_type": booking_type,
            "page": page,
            "past": past,
            "query": "when=past" if past else "",
        },
    )


def _own_booking(request, pk: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("booking_type", "meeting"), pk=pk, host=request.user
    )


def _back_to_list(booking: Booking) -> str:
    return reverse("bookings:host_type_bookings", args=[booking.booking_type_id])


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request, pk: int):
    booking = _own_booking(request, pk)
    form = BookingCancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if booking.is_cancelled:
            form.add_error(None, "This booking was already cancelled.")
            status = 409
        elif form.is_valid():
            try:
                services.booking_cancel(
                    booking=booking, by=Booking.Party.HOST, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                refused(form, error)
                status = 409
            else:
                messages.success(request, f"Cancelled; {booking.guest_name} is told by email.")
                return redirect(_back_to_list(booking))
    return render(
        request,
        "bookings/host/booking_cancel.html",
        {"booking": booking, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def booking_move(request, pk: int):
    booking = _own_booking(request, pk)
    zone = booking.meeting.zone
    local = timezone.localtime(booking.starts_at, zone)
    form = BookingMoveForm(
        request.POST or None,
        durations=sorted({*booking.booking_type.durations, booking.duration}),
        initial={"date": local.date(), "time": local.time(), "duration": booking.duration},
    )
    status = 200
    if booking.is_cancelled:
        form.add_error(None, "This booking was cancelled and can no longer be moved.")
        status = 409
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            starts_at = datetime.combine(data["date"], data["time"], zone)
            try:
                services.booking_reschedule(
                    booking=booking,
                    starts_at=starts_at,
                    duration=data["duration"],
                    by=Booking.Party.HOST,
                )
            except services.SlotTaken as error:
                refused(form, error, field_map={"starts_at": None})
                status = 409
            except ValidationError as error:
                refused(form, error, field_map={"starts_at": None})
            else:
                messages.success(request, f"Moved; {booking.guest_name} is told by email.")
                return redirect(_back_to_list(booking))
    # The free times of one day (the booking's own, or the one asked for), to pick from.
    source = request.POST if request.method == "POST" else request.GET
    day = _date_or(source.get("date", ""), local.date())
    duration = source.get("duration", "")
    duration = int(duration) if duration.isdigit() else booking.duration
    return render(
        request,
        "bookings/host/booking_move.html",
        {
            "booking": booking,
            "form": form,
            "zone": booking.meeting.timezone,
            "free_day": day,
            "free_duration": str(duration),
            "free_times": [] if booking.is_cancelled else _free_times(booking, day, duration),
        },
        status=status,
    )


def _date_or(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return default


def _free_times(booking: Booking, day: date, duration: int) -> list[str]:
    """The day's free starts on the clock of the meeting's zone, its own time counted free."""
    try:
        found = selectors.day_slots(
            booking_type=booking.booking_type,
            duration=duration,
            guest_timezone=booking.meeting.timezone,
            day=day,
            exclude_booking=booking,
        )
    except (ValidationError, OverflowError):
        return []
    return [slot.strftime("%H:%M") for slot in found.slots]
