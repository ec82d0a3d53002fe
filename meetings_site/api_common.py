"""What every router of the JSON API shares: its error shape, its body parser, its limits.

Errors have one shape, `{"success": false, "error": "…", "fields": {…}}`.

django-ninja answers its own errors as `{"detail": …}` (with 422 for invalid
input); the handlers here replace every one of them, so a client reads one
shape whatever went wrong. Input that does not validate is 400, as on the
site's pages. The apps' routers raise ApiError; meetings_site/api.py installs
the handlers.
"""

import json
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import Http404, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from meetings_site.limits import Limit, address_key, attempt_reserve, client_address

AUTHENTICATION_REQUIRED = "Authentication required"
# A schema pattern for text that is not blank once a form strips it (Python's whitespace
# includes \x1c-\x1f, which a regular expression's \s does not).
NOT_BLANK = r"[^\s\x1c-\x1f]"
INVALID_INPUT = "The request has invalid fields: see `fields`."
# Patterns the schema declares for text that the forms check in their own words. No field
# takes a NUL (meetings_site.middleware refuses it in any request). A required text is not
# blank once stripped: it holds a character that is not Python's whitespace, spelled out
# since \s means other sets in JSON Schema's regular expressions and in Python's.
NO_NUL = r"^[^\x00]*$"
_WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK_TEXT = rf"^[^\x00]*[^\x00{_WHITESPACE}][^\x00]*$"
# A required one-line text (contacts.models.validate_one_line, checked once stripped): blank
# ends around something that is not blank and holds no control character nor line break.
_NOT_ONE_LINE = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
ONE_LINE_NOT_BLANK = (
    rf"^[{_WHITESPACE}]*[^{_NOT_ONE_LINE}{_WHITESPACE}]"
    rf"(?:[^{_NOT_ONE_LINE}]*[^{_NOT_ONE_LINE}{_WHITESPACE}])?[{_WHITESPACE}]*$"
)


class ErrorOut(Schema):
    """Every error's body."""

    success: bool = False
    error: str
    fields: dict[str, str] | None = None


class ApiError(Exception):
    """An answer other than success: its status, a clear message, and the fields at fault."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def error_response(
    status: int,
    message: str,
    *,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    body = {"success": False, "error": message}
    if fields:
        body["fields"] = dict(fields)
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def form_error(form, names: Mapping[str, str] | None = None) -> ApiError:
    """A bound form's refusal as a 400: its general error (else INVALID_INPUT) as the message,
    and each field's first reason under the API's name for the field (`names`)."""
    names = names or {}
    general = form.non_field_errors()
    fields = {
        names.get(name, name): errors[0]
        for name, errors in form.errors.items()
        if name != NON_FIELD_ERRORS
    }
    return ApiError(400, general[0] if general else INVALID_INPUT, fields=fields)


def link(
    operation_id: str,
    description: str,
    *,
    parameters: Mapping[str, str] | None = None,
    body: Mapping[str, str] | None = None,
) -> dict:
    """An OpenAPI link: the operation a response leads to, and where that operation's path
    parameters (`parameters`) and body fields (`body`) come from, as runtime expressions
    such as `$response.body#/meeting_id` (embedded in braces in a body's fields)."""
    definition = {"operationId": operation_id, "description": description}
    if parameters:
        definition["parameters"] = dict(parameters)
    if body:
        definition["requestBody"] = dict(body)
    return definition


def response_links(status: int, links: Mapping[str, dict]) -> dict:
    """An operation's `openapi_extra` declaring the links of its `status` response."""
    return {"responses": {status: {"links": dict(links)}}}


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too many requests: try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def request_reserve(request, *, scope: str = "", key: str = "") -> None:
    """Count one API request against its address's limit and, given `scope` and `key`,
    its caller's (a token, a user); ApiError 429 past either."""
    window = timedelta(seconds=settings.API_REQUEST_WINDOW)
    address = address_key(client_address(request))
    limits = [Limit("api-address", address, settings.API_REQUESTS_PER_ADDRESS, window)]
    if scope:
        limits.insert(0, Limit(scope, key, settings.API_REQUESTS_PER_CALLER, window))
    reservation = attempt_reserve(limits=limits)
    if not reservation.granted:
        raise too_many_requests(reservation.retry_after)


class JsonParser(Parser):
    """Bodies are JSON objects; anything else says what is wrong with it."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except UnicodeDecodeError as error:
            raise ApiError(400, "Malformed JSON: the body is not UTF-8.") from error
        except ValueError as error:
            raise ApiError(400, f"Malformed JSON: {error}.") from error
        if not isinstance(data, dict):
            raise ApiError(400, 'The body must be a JSON object, like {"title": "…"}.')
        return data


# Pydantic's words for the commonest mistakes, in the site's voice.
_MESSAGES = {
    "missing": "This field is required.",
    "extra_forbidden": "Unknown field.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "bool_parsing": "Enter true or false.",
    "bool_type": "Enter true or false.",
    "string_type": "Enter text.",
    "list_type": 'Send a JSON list, like ["…"].',
    "datetime_parsing": "Enter a date and time in ISO 8601, like 2025-12-01T10:00:00Z.",
    "datetime_from_date_parsing": "Enter a date and time in ISO 8601, like 2025-12-01T10:00:00Z.",
    "datetime_type": "Enter a date and time in ISO 8601, like 2025-12-01T10:00:00Z.",
    "timezone_aware": "Give the time with its UTC offset, like 2025-12-01T10:00:00Z.",
}
# Where ninja puts what it read: a field's name follows these in an error's location.
_UNION_TAGS = {"str", "int", "float", "bool", "none"}
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _message(error: dict) -> str:
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"Enter {context['ge']} or more."
    if kind == "less_than_equal":
        return f"Enter {context['le']} or less."
    if kind == "string_too_long":
        return f"Keep it to {context['max_length']} characters or fewer."
    if kind == "string_pattern_mismatch":
        if context.get("pattern") == NOT_BLANK:
            return "This field cannot be blank."
        return f"Enter a value that matches {context.get('pattern')}."
    if kind == "literal_error":
        return f"Choose one of {context['expected']}."
    return _MESSAGES.get(kind, error.get("msg", "Invalid value."))


def validation_fields(errors: list[dict]) -> dict[str, str]:
    """Ninja's list of pydantic errors as {field: message}, the first message of each field."""
    fields: dict[str, str] = {}
    for error in errors:
        source, *location = [str(part) for part in error.get("loc", ())] or ["body"]
        if source == "body":
            # Ninja puts the body under the handler's argument: (body, payload, title).
            if len(location) <= 1:
                fields.setdefault("body", "Send the fields as a JSON object, e.g. {}.")
                continue
            location = location[1:]
        # A field of several types (str | int) names the type that failed last: not the field's.
        if len(location) > 1 and (
            location[-1] in _UNION_TAGS or location[-1].startswith("constrained-")
        ):
            location = location[:-1]
        name = ".".join(location) if source in _SOURCES else ".".join([source, *location])
        fields.setdefault(name or source, _message(error).removeprefix("Value error, "))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's `{"detail": …}` answers with the API's error shape."""

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return error_response(exc.status, exc.message, fields=exc.fields, headers=exc.headers)

    @api.exception_handler(ValidationError)
    def _invalid(request, exc: ValidationError):
        return error_response(400, INVALID_INPUT, fields=validation_fields(exc.errors))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc: AuthenticationError):
        # Requests without a valid token count against their address too.
        try:
            request_reserve(request)
        except ApiError as refused:
            return _api_error(request, refused)
        return error_response(401, AUTHENTICATION_REQUIRED)

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        # The body parser's own error carries ours (malformed JSON) as its cause.
        if isinstance(exc.__cause__, ApiError):
            return _api_error(request, exc.__cause__)
        return error_response(exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request, exc: Http404):
        return error_response(404, str(exc) or "Not found")

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc: PermissionDenied):
        return error_response(403, str(exc) or "Permission denied")
