"""The host's booking setup: their page's handle, availability, booking types."""

import copy
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import google
from bookings import ratings, selectors, setup
from bookings.forms import (
    BookingProfileForm,
    BookingTypeForm,
    DateOverrideForm,
    ScheduleForm,
    WeeklyHoursForm,
)
from bookings.models import Booking, BookingProfile, BookingType, Schedule


def public_path(handle: str, slug: str = "") -> str:
    """The guest's page of a handle, or of one of its types: /book/<handle>/<slug>/."""
    return f"/book/{handle}/{slug}/" if slug else f"/book/{handle}/"


def refused(form, error: ValidationError, *, field_map: dict | None = None) -> None:
    """A service's reasons on the form's fields (or above the form)."""
    reasons = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, texts in reasons.items():
        field = (field_map or {}).get(field, field)
        form.add_error(field if field in form.fields else None, texts)


# ---------------------------------------------------------------------------
# The overview and the booking page's handle


@login_required
@require_GET
def overview(request):
    profile = BookingProfile.objects.filter(user=request.user).first()
    now = timezone.now()
    confirmed = Q(bookings__status=Booking.Status.CONFIRMED)
    types = (
        BookingType.objects.filter(host=request.user)
        .select_related("schedule")
        .annotate(
            upcoming_count=Count("bookings", filter=confirmed & Q(bookings__ends_at__gte=now)),
        )
        .order_by("title", "pk")
    )
    summary = ratings.rating_summary(host=request.user)  # one query for every type
    rows = [
        (
            booking_type,
            public_path(profile.handle, booking_type.slug) if profile else "",
            summary.get(booking_type.pk),
        )
        for booking_type in types
    ]
    return render(
        request,
        "bookings/host/overview.html",
        {
            "profile": profile,
            "page_path": public_path(profile.handle) if profile else "",
            "site_url": settings.SITE_URL,
            "rows": rows,
            "google_reconnect": _google_reconnect(request.user),
        },
    )


def _google_reconnect(user):
    """The host's Google account when it must be connected again for busy times to be read."""
    if not google.is_configured():
        return None  # no query: nothing could be reconnected
    account = google.connected_account(user)
    return account if google.needs_reconnect_for_busy_times(account) else None


@login_required
@require_http_methods(["GET", "POST"])
def page_settings(request):
    profile = BookingProfile.objects.filter(user=request.user).first()
    initial = (
        {"handle": profile.handle, "introduction": profile.introduction}
        if profile
        else {"handle": selectors.suggested_handle(user=request.user)}
    )
    form = BookingProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            setup.booking_profile_save(
                user=request.user,
                handle=form.cleaned_data["handle"],
                introduction=form.cleaned_data["introduction"],
            )
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, "Your booking page is saved.")
            return redirect("bookings:host_overview")
    return render(
        request,
        "bookings/host/page_settings.html",
        {
            "form": form,
            "profile": profile,
            "site_url": settings.SITE_URL,
            "google_reconnect": _google_reconnect(request.user),
        },
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------------------
# Availability


def _own_schedule(request, pk: int) -> Schedule:
    return get_object_or_404(Schedule, pk=pk, host=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_list(request):
    form = ScheduleForm(request.POST or None, initial={"timezone": request.user.timezone})
    if request.method == "POST" and form.is_valid():
        try:
            schedule = setup.schedule_create(
                host=request.user,
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, "Schedule added: now set its hours.")
            return redirect("bookings:host_schedule", pk=schedule.pk)
    schedules = Schedule.objects.filter(host=request.user).prefetch_related("weekly")
    return render(
        request,
        "bookings/host/schedules.html",
        {"schedules": schedules, "form": form},
        status=400 if form.is_bound else 200,
    )


def _schedule_page(request, schedule, *, form=None, hours=None, override=None, status=200):
    form = form or ScheduleForm(initial={"name": schedule.name, "timezone": schedule.timezone})
    hours = hours or WeeklyHoursForm(schedule=schedule)
    override = override or DateOverrideForm()
    overrides: dict[date, list] = {}
    for row in schedule.overrides.filter(date__gte=timezone.localdate(timezone=schedule.zone)):
        overrides.setdefault(row.date, []).append(row)
    context = {
        "schedule": schedule,
        "form": form,
        "hours_form": hours,
        "override_form": override,
        "overrides": sorted(overrides.items()),
    }
    return render(request, "bookings/host/schedule.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_detail(request, pk: int):
    schedule = _own_schedule(request, pk)
    if request.method == "GET":
        return _schedule_page(request, schedule)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            setup.schedule_update(
                schedule=schedule,
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, "Schedule saved.")
            return redirect("bookings:host_schedule", pk=schedule.pk)
    schedule.refresh_from_db()
    return _schedule_page(request, schedule, form=form, status=400)


@login_required
@require_POST
def schedule_hours(request, pk: int):
    schedule = _own_schedule(request, pk)
    form = WeeklyHoursForm(request.POST)
    if form.is_valid():
        try:
            setup.schedule_set_weekly(schedule=schedule, intervals=form.intervals())
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, "Weekly hours saved.")
            return redirect("bookings:host_schedule", pk=schedule.pk)
    return _schedule_page(request, schedule, hours=form, status=400)


@login_required
@require_POST
def schedule_override(request, pk: int):
    schedule = _own_schedule(request, pk)
    form = DateOverrideForm(request.POST, today=timezone.localdate(timezone=schedule.zone))
    if form.is_valid():
        day, spans = form.cleaned_data["day"], form.cleaned_data["hours"]
        try:
            setup.schedule_set_override(schedule=schedule, day=day, intervals=spans)
        except ValidationError as error:
            refused(form, error)
        else:
            what = "other hours" if spans else "a day off"
            messages.success(request, f"{day:%d %b %Y} is now {what}.")
            return redirect("bookings:host_schedule", pk=schedule.pk)
    return _schedule_page(request, schedule, override=form, status=400)


@login_required
@require_POST
def schedule_override_remove(request, pk: int, day: str):
    schedule = _own_schedule(request, pk)
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return redirect("bookings:host_schedule", pk=schedule.pk)
    setup.schedule_clear_override(schedule=schedule, day=parsed)
    messages.success(request, f"{parsed:%d %b %Y} follows the weekly hours again.")
    return redirect("bookings:host_schedule", pk=schedule.pk)


@login_required
@require_POST
def schedule_default(request, pk: int):
    schedule = _own_schedule(request, pk)
    setup.schedule_make_default(schedule=schedule)
    messages.success(request, f"“{schedule.name}” is now your default schedule.")
    return redirect("bookings:host_schedules")


@login_required
@require_POST
def schedule_delete(request, pk: int):
    schedule = _own_schedule(request, pk)
    try:
        setup.schedule_delete(schedule=schedule)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("bookings:host_schedules")
    messages.success(request, f"“{schedule.name}” was deleted.")
    return redirect("bookings:host_schedules")


# ---------------------------------------------------------------------------
# Booking types


@login_required
@require_http_methods(["GET", "POST"])
def type_create(request):
    form = BookingTypeForm(request.POST or None, host=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.settings()
        try:
            setup.booking_type_create(host=request.user, **data)
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, "Booking type added.")
            return redirect("bookings:host_overview")
    return _type_form(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request, pk: int):
    booking_type = get_object_or_404(BookingType, pk=pk, host=request.user)
    # The form fills its instance in while validating; the service gets an untouched one.
    form = BookingTypeForm(
        request.POST or None, instance=copy.copy(booking_type), host=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            setup.booking_type_update(booking_type=booking_type, **form.settings())
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, "Booking type saved.")
            return redirect("bookings:host_overview")
    return _type_form(request, form, booking_type)


def _type_form(request, form, booking_type):
    profile = BookingProfile.objects.filter(user=request.user).first()
    preview = public_path(profile.handle, booking_type.slug) if profile and booking_type else ""
    return render(
        request,
        "bookings/host/type_form.html",
        {"form": form, "booking_type": booking_type, "preview": preview},
        status=400 if form.is_bound else 200,
    )
