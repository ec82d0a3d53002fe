"""Answers shared by the pages that open a meeting: not found, closed, a JSON error."""

from django.http import JsonResponse
from django.shortcuts import render

from meetings.models import Meeting


def not_found_response(request, title: str, detail: str):
    return render(
        request, "meetings/not_found.html", {"title": title, "detail": detail}, status=404
    )


def closed_response(request, meeting: Meeting):
    return render(request, "meetings/closed.html", {"meeting": meeting}, status=410)


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)
