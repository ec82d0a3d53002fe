import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from invitations.models import Invitation
from meetings.models import Meeting
from tests.factories import ContactFactory, MeetingFactory

NUL_TEXT = "a\x00b"
NUL_MESSAGE = "NUL character"

# One primary key for the meeting, the contact and the invitation, so that any numeric
# parameter of any route names a row the host owns.
KEY = 4242

# The tables a refused request must leave as they were.
CHECKED_APPS = ("accounts", "contacts", "meetings", "invitations", "admin")


@pytest.fixture
def browser(client):
    """A test client that sees a server error as its status code, as a browser would."""
    client.raise_request_exception = False
    return client


@pytest.fixture
def host_with_meeting(user):
    meeting = MeetingFactory(pk=KEY, host=user, title="Weekly sync")
    contact = ContactFactory(pk=KEY, owner=user, email="bob@example.org")
    Invitation.objects.create(
        pk=KEY, meeting=meeting, contact=contact, email=contact.email, name="Bob"
    )
    return meeting


def _snapshot() -> dict:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in CHECKED_APPS
        for model in apps.get_app_config(label).get_models()
    }


def test_nul_in_a_share_link_token_is_not_found(browser, host_with_meeting):
    response = browser.get("/join/%00/")

    assert response.status_code == 404


def test_nul_in_a_path_token_of_a_post_is_not_found_and_changes_nothing(browser, host_with_meeting):
    before = _snapshot()

    response = browser.post("/join/abc%00/", {"name": "Eve", "passcode": "012345"})

    assert response.status_code == 404
    assert _snapshot() == before


def test_nul_in_the_contact_search_is_a_bad_request(host_client, host_with_meeting):
    host_client.raise_request_exception = False

    response = host_client.get("/contacts/search/", {"q": "\x00"})

    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_nul_inside_a_contact_list_query_is_a_bad_request(host_client, host_with_meeting):
    host_client.raise_request_exception = False

    response = host_client.get("/contacts/?q=a%00b")

    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_nul_in_a_form_field_is_refused_and_nothing_is_stored(host_client, host_with_meeting):
    host_client.raise_request_exception = False
    before = _snapshot()

    response = host_client.post(
        "/contacts/new/", {"first_name": NUL_TEXT, "email": "carol@example.org"}
    )

    assert response.status_code == 400
    assert NUL_MESSAGE in response.text
    assert _snapshot() == before


def test_nul_in_a_url_encoded_body_is_refused(host_client, host_with_meeting):
    host_client.raise_request_exception = False
    before = _snapshot()

    response = host_client.post(
        f"/contacts/{KEY}/edit/",
        "first_name=a%00b&email=bob%40example.org",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert _snapshot() == before


def test_nul_in_a_form_field_name_is_refused(host_client, host_with_meeting):
    host_client.raise_request_exception = False

    response = host_client.post("/contacts/new/", {"email\x00": "carol@example.org"})

    assert response.status_code == 400


def test_a_form_body_that_cannot_be_parsed_stays_a_bad_request(browser, db):
    # The check reads the form before any view does; a broken body must not become a 500.
    response = browser.generic(
        "POST",
        "/join/",
        b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb',
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400


def test_nul_in_a_json_body_is_answered_in_json(host_client, host_with_meeting):
    host_client.raise_request_exception = False
    before = _snapshot()

    response = host_client.post(
        f"/meetings/{host_with_meeting.meeting_id}/attendance/left/",
        {"name": {"first": ["ok", NUL_TEXT]}},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert NUL_MESSAGE in response.json()["error"]
    assert _snapshot() == before


def test_a_json_body_without_nul_passes_through(host_client, host_with_meeting):
    response = host_client.post(
        f"/meetings/{host_with_meeting.meeting_id}/attendance/left/",
        json.dumps({"name": "Ada"}),
        content_type="application/json",
    )

    assert response.status_code != 400


def test_nul_in_a_plain_text_body_is_refused(host_client, host_with_meeting):
    host_client.raise_request_exception = False

    response = host_client.post(
        f"/meetings/{host_with_meeting.meeting_id}/attendance/left/",
        b"left\x00",
        content_type="text/plain",
    )

    assert response.status_code == 400


def test_a_client_that_asks_for_json_gets_the_refusal_in_json(host_client, host_with_meeting):
    host_client.raise_request_exception = False

    response = host_client.get(
        "/contacts/search/", {"q": NUL_TEXT}, headers={"accept": "application/json"}
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert NUL_MESSAGE in response.json()["error"]


def test_nul_in_the_session_cookie_is_a_bad_request(browser, host_with_meeting):
    browser.cookies["sessionid"] = "abcdefgh\x00ijkl"

    response = browser.get("/meetings/")

    assert response.status_code == 400


def test_nul_in_a_forwarded_address_is_a_bad_request(browser, host_with_meeting, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    before = _snapshot()

    response = browser.post(
        "/join/",
        {"meeting_id": str(host_with_meeting.meeting_id), "passcode": "999999"},
        headers={"x-forwarded-for": "203.0.113.7\x00"},
    )

    assert response.status_code == 400
    assert _snapshot() == before


def test_the_refusal_page_carries_the_security_headers(browser, host_with_meeting):
    response = browser.get("/contacts/?q=a%00b")

    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


def test_text_without_nul_still_reaches_the_view(host_client, host_with_meeting):
    response = host_client.get("/contacts/search/", {"q": "bob"})

    assert response.status_code == 200
    assert response.json()["results"][0]["email"] == "bob@example.org"


# Every route of the project, walked with a NUL in each place a visitor controls.

_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP_START = re.compile(r"\(\?P<(?P<name>\w+)>")


def _routes() -> list[tuple]:
    """Every URL pattern of the project, as the chain of patterns that leads to it."""

    def walk(entries, chain):
        for entry in entries:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, (*chain, entry.pattern))
            else:
                yield (*chain, entry.pattern)

    return list(walk(get_resolver().url_patterns, ()))


def _route_name(chain: tuple) -> str:
    return "/" + "".join(str(pattern) for pattern in chain)


def _regex_groups(regex: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of each named group of a regular expression, parentheses balanced."""
    groups = []
    for match in _GROUP_START.finditer(regex):
        depth, position = 1, match.end()
        while depth:
            if regex[position] == "\\":
                position += 1
            elif regex[position] == "(":
                depth += 1
            elif regex[position] == ")":
                depth -= 1
            position += 1
        groups.append((match["name"], match.start(), position))
    return groups


def _parameters(chain: tuple) -> list[tuple[str, str]]:
    """(name, regex) of every parameter along a route."""
    found = []
    for pattern in chain:
        if isinstance(pattern, RoutePattern):
            found += [(name, converter.regex) for name, converter in pattern.converters.items()]
        else:
            regex = str(pattern)
            found += [(name, regex[start:end]) for name, start, end in _regex_groups(regex)]
    return found


def _path(chain: tuple, value_of) -> str:
    """The URL path of a route, each parameter set to value_of(name) and percent-encoded."""
    parts = []
    for pattern in chain:
        if isinstance(pattern, RoutePattern):
            part = _PARAMETER.sub(
                lambda match: quote(value_of(match["name"]), safe=""), str(pattern)
            )
        else:
            regex, part, last = str(pattern), "", 0
            for name, start, end in _regex_groups(regex):
                part += regex[last:start] + quote(value_of(name), safe="")
                last = end
            part = re.sub(
                r"\\(.)", r"\1", (part + regex[last:]).removeprefix("^").removesuffix("$")
            )
        parts.append(part)
    return "/" + "".join(parts)


def _real_value(name: str, regex: str, meeting: Meeting) -> str:
    """A value that the route accepts, naming the host's own rows where it can."""
    by_name = {
        "meeting_id": str(meeting.meeting_id),
        "raw_id": str(meeting.meeting_id),
        "token": meeting.invitation_token,
        "app_label": "meetings",
    }
    for candidate in (by_name.get(name), str(KEY), "x"):
        if candidate is not None and re.fullmatch(regex, candidate):
            return candidate
    raise AssertionError(f"no value fits the parameter {name} ({regex})")


class _FieldNames(HTMLParser):
    """The names of a page's form fields."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in {"input", "select", "textarea", "button"} and name:
            self.names.add(name)


def _field_names(response) -> set[str]:
    parser = _FieldNames()
    if "html" in response.get("Content-Type", ""):
        parser.feed(response.content.decode(errors="replace"))
    return parser.names


ROUTES = _routes()
VISITORS = ("host", "staff", "anonymous")


@pytest.mark.parametrize("chain", ROUTES, ids=_route_name)
def test_every_route_refuses_nul_in_the_path_query_and_form_without_a_change(
    host_with_meeting, staff_user, chain
):
    visitors = {name: Client(raise_request_exception=False) for name in VISITORS}
    visitors["host"].force_login(host_with_meeting.host)
    visitors["staff"].force_login(staff_user)
    parameters = _parameters(chain)
    real = {name: _real_value(name, regex, host_with_meeting) for name, regex in parameters}
    page = _path(chain, real.__getitem__)
    assert resolve(page)  # the walk reaches the route itself, not a 404 beside it
    with_nul = [
        _path(chain, lambda other, name=name: NUL_TEXT if other == name else real[other])
        for name, _regex in parameters
    ]
    # Each visitor's form fields on the page, so that every one of them is sent a NUL below.
    fields = {
        visitor: _field_names(client.get(page)) | {"q", "name", "email", "passcode"}
        for visitor, client in visitors.items()
    }
    before = _snapshot()

    expected, answered = {}, {}
    for visitor, client in visitors.items():
        for method in ("get", "post"):
            send = getattr(client, method)
            for path in with_nul:
                expected[visitor, method, path] = 404
                answered[visitor, method, path] = send(path).status_code
            data = {field: NUL_TEXT for field in fields[visitor]}
            # The API refuses a form body as not JSON (415) before anything reads it.
            api_form = method == "post" and page.startswith("/api/")
            expected[visitor, method, page, "fields"] = 415 if api_form else 400
            answered[visitor, method, page, "fields"] = send(page, data).status_code

    assert answered == expected
    assert _snapshot() == before


def test_the_walk_covers_the_routes_that_take_text_from_the_path():
    names = {_route_name(chain) for chain in ROUTES}

    assert "/join/<str:token>/" in names
    assert "/meetings/^(?P<raw_id>[^/]+)/link$" in names
    assert len(ROUTES) > 50
