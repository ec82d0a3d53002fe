"""The attendee's rating page, opened from the "How was <title>?" email."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bookings import ratings
from bookings.forms import RatingForm
from meetings.responses import not_found_response


@require_http_methods(["GET", "POST"])
def rating_page(request, token: str):
    """GET shows the form (mail scanners open links); POST saves or replaces the rating."""
    rating = ratings.rating_for_token(token=token)
    if rating is None:
        return not_found_response(
            request,
            "Rating link not found",
            "Check that the whole link from your email was opened.",
        )
    meeting = rating.meeting
    user = request.user
    if user.is_authenticated and rating.user_id and rating.user_id != user.pk:
        # Someone else's link, opened while logged in to another account.
        return render(
            request,
            "bookings/ratings/closed.html",
            {
                "meeting": meeting,
                "title": "This rating link is not yours",
                "detail": "It was sent to someone who attended the meeting. "
                "Log out, or open the link from your own email.",
            },
            status=403,
        )
    if not ratings.is_open(rating):
        return _closed(request, meeting)
    if request.method == "POST":
        form = RatingForm(request.POST)
        if not form.is_valid():
            return _form_page(request, rating, form, status=400)
        replacing = rating.score is not None
        try:
            ratings.rating_give(
                rating=rating,
                score=form.cleaned_data["score"],
                feedback=form.cleaned_data["feedback"],
            )
        except ratings.RatingClosed:
            return _closed(request, meeting)
        messages.success(
            request, "Your rating was updated." if replacing else "Thank you for your rating."
        )
        return redirect(request.path)
    initial = {"score": rating.score, "feedback": rating.feedback} if rating.score else {}
    return _form_page(request, rating, RatingForm(initial=initial))


def _form_page(request, rating, form, *, status: int = 200):
    context = {"rating": rating, "meeting": rating.meeting, "form": form}
    context["closes_at"] = ratings.closes_at(rating.meeting)
    return render(request, "bookings/ratings/rate.html", context, status=status)


def _closed(request, meeting):
    context = {"meeting": meeting, "title": "Rating is closed", "detail": ratings.CLOSED_MESSAGE}
    return render(request, "bookings/ratings/closed.html", context, status=410)
