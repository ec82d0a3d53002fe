"""Checks that every request passes before any view sees it."""

import json

from django.conf import settings
from django.shortcuts import render

from meetings_site.api_common import error_response

NUL = "\x00"
NUL_REFUSED = (
    "The request contains a NUL character (\\0), which no address, search or form field "
    "of this site accepts. Remove it and try again."
)
NUL_NOT_FOUND = "No page has an address with a NUL character (\\0) in it."
# The bodies Django parses into request.POST and request.FILES.
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}
API_PREFIX = "/api/"
# What an API error says when no handler of the API answered it (an unknown
# address, a method the address does not take, a server error).
API_MESSAGES = {
    404: "Not found: no API endpoint has this address (see /api/docs).",
    500: "Internal server error: the request failed on the server's side.",
}


class ApiErrorsMiddleware:
    """Everything under /api/ answers in JSON, in the API's error shape.

    Before the view: a body larger than API_MAX_BODY_BYTES is refused (413)
    without being read, and one that is not JSON (415), before the NUL check
    parses it. After: an error that Django or the router answered as a page (a
    path no endpoint has, a method an endpoint does not take, a server error)
    is answered again in the API's shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        # A path with a NUL names no endpoint: RejectNulMiddleware answers 404 first.
        refusal = None if NUL in request.path else _api_body_refusal(request)
        if refusal is not None:
            return refusal
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return _api_error(request, response)
        return response


def _api_body_refusal(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return error_response(400, "The Content-Length header is not a number.")
    limit = settings.API_MAX_BODY_BYTES
    if length > limit:
        return error_response(
            413, f"The request body is too large: at most {limit:,} bytes are accepted."
        )
    if length and not _is_json(request.content_type):
        return error_response(
            415,
            f"Send the body as JSON (Content-Type: application/json), "
            f"not {request.content_type or 'without a content type'}.",
        )
    return None


def _api_error(request, response):
    status = response.status_code
    headers = {}
    if status == 405:
        allowed = response.get("Allow", "")
        headers["Allow"] = allowed
        message = f"Method {request.method} is not allowed here; this address takes {allowed}."
    else:
        message = API_MESSAGES.get(status) or response.reason_phrase
    return error_response(status, message, headers=headers)


class RejectNulMiddleware:
    """Refuse a request with a NUL character in its path, query, headers, cookies or fields.

    No field of the site accepts one, and PostgreSQL refuses it in text with an
    error that would reach the visitor as a server error. One check here covers
    every view, including the ones written later. A path with a NUL names no
    page (404); anywhere else it is a bad request (400). Uploaded files' contents
    are left alone: binary files hold NUL bytes as a matter of course.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path:
            return _refusal(request, 404, NUL_NOT_FOUND)
        if _has_nul(request):
            return _refusal(request, 400, NUL_REFUSED)
        return self.get_response(request)


def _has_nul(request) -> bool:
    texts = [*_items(request.GET), *request.headers.values()]
    # The cookie header may carry a NUL as an octal escape ("\\000"), which parsing decodes.
    texts += [*request.COOKIES.keys(), *request.COOKIES.values()]
    content_type = request.content_type
    if request.method == "POST" and content_type in FORM_TYPES:
        # Uploaded files' names need no check: Django drops unprintable characters from them.
        texts += [*_items(request.POST), *request.FILES.keys()]
    elif _is_json(content_type):
        texts += _json_texts(request.body)
    elif content_type.startswith("text/"):
        texts.append(request.body.decode(errors="replace"))
    return any(NUL in text for text in texts)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _items(query_dict) -> list[str]:
    """A QueryDict's keys and values."""
    return [text for key, values in query_dict.lists() for text in (key, *values)]


def _json_texts(body: bytes) -> list[str]:
    """Every string in a JSON document, keys included; none when it does not parse."""
    try:
        document = json.loads(body)
    except ValueError:  # the view answers a body it cannot read as it sees fit
        return []
    texts, pending = [], [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            texts += value.keys()
            pending += value.values()
        elif isinstance(value, list):
            pending += value
    return texts


def _refusal(request, status: int, message: str):
    """The refusal in the form the client reads: JSON for a script or the API, a page for a
    browser."""
    if (
        _is_json(request.content_type)
        or request.path.startswith(API_PREFIX)
        or (request.accepts("application/json") and not request.accepts("text/html"))
    ):
        return error_response(status, message)
    # 404.html says plainly that the page does not exist; 400.html shows the reason.
    return render(request, f"{status}.html", {"message": message}, status=status)
