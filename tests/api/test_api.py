"""The API as a whole: its schema and docs page, authentication, errors, limits and CORS."""

import re
import unicodedata

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from accounts import services
from meetings_site.api_common import NO_NUL, NOT_BLANK_TEXT, ONE_LINE_NOT_BLANK
from tests.api.conftest import token_client

AUTH_REQUIRED = {"success": False, "error": "Authentication required"}


# Schema and documentation.


def test_the_schema_is_openapi_3_1_and_declares_both_ways_in(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
    assert schemes["SessionAuth"]["in"] == "cookie"
    assert "/api/meetings" in schema["paths"]


def test_every_operation_has_an_operation_id_of_its_own(client, db):
    # OpenAPI requires it, and links name the operation they lead to by it.
    schema = client.get("/api/openapi.json").json()
    ids = [
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    ]
    assert len(ids) == len(set(ids))


def test_the_declared_text_patterns_are_the_forms_rules():
    """Not blank once stripped (Python's whitespace), on one line (validate_one_line, checked
    once stripped), and never a NUL, character for character."""
    for code in range(0x3100):
        character = chr(code)
        kept = f" {character} ".strip()
        not_blank = bool(kept) and character != "\x00"
        one_line = bool(kept) and unicodedata.category(character) not in ("Cc", "Zl", "Zp")
        assert bool(re.search(NOT_BLANK_TEXT, f" {character} ")) is not_blank, hex(code)
        assert bool(re.search(ONE_LINE_NOT_BLANK, f" {character} ")) is one_line, hex(code)
        assert bool(re.search(NO_NUL, f"a{character}b")) is (character != "\x00"), hex(code)


def test_a_new_meeting_needs_a_title_or_a_subject_in_the_schema(client, db):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    branches = schemas["MeetingNew"]["anyOf"]
    assert [branch["required"] for branch in branches] == [["title"], ["subject"]]
    assert schemas["MeetingNew"]["properties"]["title"]["pattern"] == NOT_BLANK_TEXT


def test_the_docs_page_loads_only_our_own_static_files_within_the_csp(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(url.startswith("/static/ninja/") for url in urls), urls
    assert "<script>" not in html  # no inline script: the CSP allows none
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    # Each is one of our static files (ninja's, collected with the rest).
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), url


# Authentication.


def test_a_request_without_credentials_is_401(client, db):
    response = client.get("/api/meetings")
    assert response.status_code == 401
    assert response.json() == AUTH_REQUIRED


@pytest.mark.parametrize(
    "header",
    [
        "Bearer mtg_unknown",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token mtg_x",
        "mtg_x",
    ],
)
def test_a_wrong_or_unknown_token_is_the_same_401(client, user, header):
    response = client.get("/api/meetings", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == AUTH_REQUIRED


def test_a_revoked_token_is_the_same_401(user):
    api = token_client(user)
    assert api.get("/api/meetings").status_code == 200
    services.api_token_revoke(token=user.api_tokens.get())
    response = api.get("/api/meetings")
    assert response.status_code == 401
    assert response.json() == AUTH_REQUIRED


def test_a_token_request_never_uses_the_session(client, user, other_host):
    """A logged-in browser that sends a bad token is not let in by its cookie."""
    client.force_login(user)
    response = client.get("/api/meetings", HTTP_AUTHORIZATION="Bearer mtg_wrong")
    assert response.status_code == 401
    # With a good token, the token's user is the caller, whoever is logged in.
    api = token_client(other_host)
    api.force_login(user)
    response = api.get("/api/meetings/my-meetings")
    assert response.status_code == 200
    assert not response.cookies


def test_a_token_request_sets_no_cookie(api, meeting):
    response = api.get(f"/api/meetings/{meeting.meeting_id}")
    assert response.status_code == 200
    assert not response.cookies


def test_the_session_serves_the_sites_own_pages(host_client):
    assert host_client.get("/api/meetings").status_code == 200


def test_a_session_post_needs_the_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/api/meetings", {"title": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["success"] is False
    assert "CSRF" in response.json()["error"]
    assert not user.hosted_meetings.exists()
    browser.get("/accounts/profile/")  # sets the CSRF cookie, as any page does
    response = browser.post(
        "/api/meetings",
        {"title": "x"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 201


def test_a_token_post_needs_no_csrf_token(user):
    api = token_client(user)
    api.handler.enforce_csrf_checks = True
    response = api.post("/api/meetings", {"title": "x"}, content_type="application/json")
    assert response.status_code == 201


# Limits.


@pytest.fixture
def low_limits(settings):
    settings.API_REQUESTS_PER_CALLER = 3
    settings.API_REQUESTS_PER_ADDRESS = 5
    settings.API_REQUEST_WINDOW = 60


def _assert_429(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["success"] is False
    assert "Too many requests" in body["error"]


def test_a_token_is_limited_per_window(low_limits, user):
    api = token_client(user)
    for _ in range(3):
        assert api.get("/api/meetings").status_code == 200
    _assert_429(api.get("/api/meetings"))


def test_another_token_of_the_same_address_has_its_own_limit_up_to_the_address(low_limits, user):
    first, second = token_client(user), token_client(user)
    for _ in range(3):
        assert first.get("/api/meetings").status_code == 200
    for _ in range(2):
        assert second.get("/api/meetings").status_code == 200
    # The address made five requests: its limit.
    _assert_429(second.get("/api/meetings"))


def test_requests_without_a_valid_token_count_for_the_address(low_limits, client, user):
    for _ in range(5):
        assert client.get("/api/meetings", HTTP_AUTHORIZATION="Bearer mtg_x").status_code == 401
    _assert_429(client.get("/api/meetings", HTTP_AUTHORIZATION="Bearer mtg_x"))
    # Another address is not held back.
    api = token_client(user)
    assert api.get("/api/meetings", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_logged_in_user_is_limited_too(low_limits, host_client):
    for _ in range(3):
        assert host_client.get("/api/meetings").status_code == 200
    _assert_429(host_client.get("/api/meetings"))


# Errors in one shape.


def test_an_unknown_address_is_a_json_404(api):
    response = api.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": "Not found: no API endpoint has this address (see /api/docs).",
    }


def test_a_method_an_address_does_not_take_is_a_json_405(api):
    response = api.post("/api/meetings/my-meetings", {}, content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {
        "success": False,
        "error": "Method POST is not allowed here; this address takes GET.",
    }


def test_malformed_json_is_400(api, user):
    response = api.post("/api/meetings", "{title: 1", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"].startswith("Malformed JSON: ")
    assert not user.hosted_meetings.exists()


@pytest.mark.parametrize("document", ["[]", '"title"', "1", "null"])
def test_a_body_that_is_not_an_object_is_400(api, user, document):
    response = api.post("/api/meetings", document, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert not user.hosted_meetings.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("title=Standup", "application/x-www-form-urlencoded"),
        ('{"title": "Standup"}', "text/plain"),
        ("<title>Standup</title>", "application/xml"),
    ],
)
def test_a_body_that_is_not_json_is_415(api, user, body, content_type):
    response = api.post("/api/meetings", body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["error"].startswith("Send the body as JSON")
    assert not user.hosted_meetings.exists()


def test_a_form_upload_is_415(api, user):
    response = api.post("/api/meetings", {"title": "Standup"})  # multipart/form-data
    assert response.status_code == 415
    assert not user.hosted_meetings.exists()


def test_a_one_megabyte_body_is_413(api, user):
    body = '{"title": "Standup", "description": "' + "x" * (1024 * 1024) + '"}'
    response = api.post("/api/meetings", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "success": False,
        "error": "The request body is too large: at most 65,536 bytes are accepted.",
    }
    assert not user.hosted_meetings.exists()


def test_a_body_larger_than_django_reads_is_413_too(api, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.API_MAX_BODY_BYTES = 10**7
    body = '{"title": "' + "x" * 5000 + '"}'
    response = api.post("/api/meetings", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.json()["success"] is False
    assert not user.hosted_meetings.exists()


@pytest.mark.parametrize(
    "body",
    ['{"title": "Stand\\u0000up"}', '{"title\\u0000": "Standup"}'],
)
def test_a_nul_character_in_the_body_is_400(api, user, body):
    response = api.post("/api/meetings", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "NUL" in response.json()["error"]
    assert not user.hosted_meetings.exists()


def test_a_nul_character_in_the_query_is_400(api):
    response = api.get("/api/meetings", {"q": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "NUL" in response.json()["error"]


def test_a_server_error_is_json_too(api, user, monkeypatch):
    from meetings import selectors

    def fail(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "meeting_list_page", fail)
    api.raise_request_exception = False
    response = api.get("/api/meetings")
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "error": "Internal server error: the request failed on the server's side.",
    }


# Cross-origin calls.


def test_no_origin_is_allowed_by_default(api):
    response = api.get("/api/meetings", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_a_listed_origin_may_call_without_cookies(settings, user):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    preflight = Client().options(
        "/api/meetings",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight
    response = token_client(user).get("/api/meetings", HTTP_ORIGIN="https://app.example.com")
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    other = Client().options(
        "/api/meetings",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in other


def test_cors_headers_are_for_the_api_only(settings, client, db):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = client.get("/accounts/login/", HTTP_ORIGIN="https://app.example.com")
    assert "Access-Control-Allow-Origin" not in response
