"""The address book's endpoints: list, add, change, delete."""

import re
import unicodedata
from pathlib import Path

import pytest
from django.test import Client

from accounts import services as account_services
from contacts import services
from contacts.api import ARCHIVED, NOT_FOUND, ONE_LINE_PATTERN, ContactOut
from contacts.models import Contact
from invitations.models import Invitation
from meetings_site.api_common import NO_NUL
from tests.api.conftest import token_client
from tests.factories import ContactFactory, MeetingFactory, UserFactory

AUTH_REQUIRED = {"success": False, "error": "Authentication required"}
NOT_FOUND_BODY = {"success": False, "error": NOT_FOUND}
INVALID = "The request has invalid fields: see `fields`."


@pytest.fixture
def contact(user):
    return ContactFactory(
        owner=user,
        first_name="Grace",
        last_name="Hopper",
        email="grace@navy.example",
        company="US Navy",
        phone="+1 555 0100",
        notes="Met at the compiler meetup.",
    )


@pytest.fixture
def others_contact(other_host):
    return ContactFactory(owner=other_host, first_name="Alan", email="alan@example.org")


def _post(client, body):
    return client.post("/api/contacts", body, content_type="application/json")


def _patch(client, contact_id, body):
    return client.patch(f"/api/contacts/{contact_id}", body, content_type="application/json")


# GET /api/contacts


def test_the_list_has_the_documented_shape(api, contact):
    response = api.get("/api/contacts")
    assert response.status_code == 200
    body = response.json()
    assert (body["success"], body["count"], body["page"], body["pages"]) == (True, 1, 1, 1)
    [row] = body["contacts"]
    assert row == {
        "id": contact.pk,
        "email": "grace@navy.example",
        "name": "Grace Hopper",
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "US Navy",
        "phone": "+1 555 0100",
        "notes": "Met at the compiler meetup.",
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    assert row["created_at"].startswith(str(contact.created_at.year))


def test_the_list_holds_only_the_callers_active_contacts(api, user, contact, others_contact):
    archived = ContactFactory(owner=user, email="gone@example.org")
    Contact.objects.filter(pk=archived.pk).update(archived_at=contact.created_at)
    body = api.get("/api/contacts").json()
    assert [row["id"] for row in body["contacts"]] == [contact.pk]


def test_staff_see_their_own_address_book_only(staff_user, contact):
    body = token_client(staff_user).get("/api/contacts").json()
    assert (body["count"], body["contacts"]) == (0, [])


@pytest.mark.parametrize("query", ["grace", "HOPPER", "navy.example", "us navy", "Grace navy"])
def test_the_list_is_searched_as_the_page_searches(api, user, contact, query):
    ContactFactory(owner=user, first_name="Ada", last_name="Lovelace", email="ada@example.org")
    body = api.get("/api/contacts", {"q": query}).json()
    assert [row["id"] for row in body["contacts"]] == [contact.pk]


def test_a_search_without_results_is_an_empty_list(api, contact):
    body = api.get("/api/contacts", {"q": "nobody"}).json()
    assert (body["success"], body["count"], body["pages"], body["contacts"]) == (True, 0, 1, [])


def test_the_list_is_paginated_by_25_in_name_order(api, user):
    for n in range(30):
        ContactFactory(owner=user, last_name=f"Person{n:02}", email=f"p{n:02}@example.com")
    first = api.get("/api/contacts").json()
    assert (first["count"], first["page"], first["pages"]) == (30, 1, 2)
    assert [row["last_name"] for row in first["contacts"]][:2] == ["Person00", "Person01"]
    second = api.get("/api/contacts", {"page": 2}).json()
    assert len(second["contacts"]) == 5
    assert api.get("/api/contacts", {"page": 99}).json()["page"] == 2


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"page": "0"}, "page", "Enter 1 or more."),
        ({"page": "two"}, "page", "Enter a whole number."),
        ({"page": "99999999999999999999"}, "page", None),
        ({"q": "x" * 101}, "q", "Keep it to 100 characters or fewer."),
    ],
)
def test_a_bad_filter_is_400_with_the_field(api, query, field, message):
    response = api.get("/api/contacts", query)
    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, INVALID)
    assert list(body["fields"]) == [field]
    if message:
        assert body["fields"][field] == message


@pytest.mark.parametrize("query", ["", "example"])
def test_the_list_takes_the_same_queries_for_one_contact_and_many(
    user, query, django_assert_num_queries
):
    api = token_client(user)
    ContactFactory(owner=user)
    api.get("/api/contacts")  # writes the token's first use
    # The token, its two limits (the token's and the address's), the count, the page.
    with django_assert_num_queries(5) as one:
        assert api.get("/api/contacts", {"q": query}).status_code == 200
    ContactFactory.create_batch(40, owner=user)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get("/api/contacts", {"q": query}).json()["contacts"]) == 25


def test_the_session_serves_the_sites_own_pages(host_client, contact):
    assert host_client.get("/api/contacts").json()["count"] == 1


# POST /api/contacts


def test_create_adds_a_contact(api, user):
    response = _post(
        api,
        {"email": " Ada@EXAMPLE.com ", "first_name": " Ada ", "last_name": "Lovelace"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    contact = user.contacts.get()
    assert (body["success"], body["message"]) == (True, "Contact created")
    assert body["contact"]["id"] == contact.pk
    assert body["contact"]["name"] == "Ada Lovelace"
    # Tidied as the page tidies it: stripped, the domain lowercased.
    assert (contact.email, contact.first_name, contact.company) == ("Ada@example.com", "Ada", "")


def test_an_email_alone_is_a_contact(api, user):
    response = _post(api, {"email": "kim@example.org"})
    assert response.status_code == 201
    assert response.json()["contact"]["name"] == "kim@example.org"


@pytest.mark.parametrize(
    "email", ["grace@navy.example", "GRACE@Navy.Example", " grace@navy.example"]
)
def test_a_taken_address_is_409_as_the_page_refuses_it(api, user, contact, email):
    response = _post(api, {"email": email, "first_name": "Other"})
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": services.DUPLICATE_EMAIL,
        "fields": {"email": services.DUPLICATE_EMAIL},
    }
    assert user.contacts.count() == 1


def test_another_owners_address_is_not_taken(api, user, others_contact):
    assert _post(api, {"email": others_contact.email}).status_code == 201


def test_an_archived_contacts_address_may_be_added_again(api, user, contact):
    Contact.objects.filter(pk=contact.pk).update(archived_at=contact.created_at)
    assert _post(api, {"email": contact.email}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "email", "This field is required."),
        ({"email": ""}, "email", "Enter the email address invitations go to."),
        ({"email": "   "}, "email", "Enter the email address invitations go to."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": "a@b@example.org"}, "email", "Enter a valid email address."),
        ({"email": "ann@example.org\r\nBcc: x@evil.example"}, "email", None),
        ({"email": 123}, "email", "Enter text."),
        ({"email": None}, "email", "Enter text."),
        ({"email": ["a@example.org"]}, "email", "Enter text."),
        ({"email": "a@example.org", "first_name": 1}, "first_name", "Enter text."),
        ({"email": "a@example.org", "notes": {"x": 1}}, "notes", "Enter text."),
        ({"email": "a@example.org", "first_name": "x" * 151}, "first_name", None),
        ({"email": "a@example.org", "notes": "x" * 5001}, "notes", None),
        ({"email": "a" * 250 + "@example.org"}, "email", None),
        ({"email": "a@example.org", "owner": 1}, "owner", "Unknown field."),
        ({"email": "a@example.org", "id": 5}, "id", "Unknown field."),
        ({"email": "a@example.org", "name": "Ann"}, "name", "Unknown field."),
    ],
)
def test_bad_input_is_400_with_the_field_and_adds_nothing(api, user, body, field, message):
    response = _post(api, body)
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["success"] is False
    assert field in error["fields"], error
    if message:
        assert error["fields"][field] == message
    assert not Contact.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "last_name", "company", "phone"])
@pytest.mark.parametrize("value", ["Ann\r\nBcc: x@evil.example", "Ann\nX", "Ann\u2028X", "A\tB"])
def test_a_line_break_in_a_name_is_400_and_adds_nothing(api, field, value):
    """Names reach mail headers: one split over lines is an injection, refused as the page
    refuses it."""
    response = _post(api, {"email": "ann@example.org", field: value})
    assert response.status_code == 400
    assert response.json()["fields"] == {field: "Write this on one line."}
    assert not Contact.objects.exists()


def test_a_line_break_in_a_name_is_refused_on_patch_too(api, contact):
    response = _patch(api, contact.pk, {"last_name": "Hopper\r\nBcc: x@evil.example"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"last_name": "Write this on one line."}
    contact.refresh_from_db()
    assert contact.last_name == "Hopper"


def test_the_schemas_one_line_pattern_is_the_models_rule():
    """The schema declares the rule that validate_one_line holds, character for character."""
    pattern = re.compile(ONE_LINE_PATTERN)
    for code in range(0x3000):
        character = chr(code)
        refused = unicodedata.category(character) in ("Cc", "Zl", "Zp")
        assert (pattern.match(f"A{character}B") is None) is refused, hex(code)


def test_the_schema_says_what_a_contact_may_hold(client, db):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    new = schemas["ContactNew"]
    assert new["required"] == ["email"]
    assert new["additionalProperties"] is False
    assert new["properties"]["email"]["format"] == "email"
    assert new["properties"]["first_name"]["pattern"] == ONE_LINE_PATTERN
    # Notes take several lines, and no NUL, as no field does.
    assert new["properties"]["notes"]["pattern"] == NO_NUL


def test_notes_may_hold_several_lines(api, user):
    response = _post(api, {"email": "ann@example.org", "notes": "Line one\r\nLine two"})
    assert response.status_code == 201
    assert "\n" in user.contacts.get().notes


@pytest.mark.parametrize(
    "body",
    ['{"email": "a@example.org", "first_name": "A\\u0000"}', '{"email\\u0000": "a@example.org"}'],
)
def test_a_nul_character_is_400_and_adds_nothing(api, body):
    response = api.post("/api/contacts", body, content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert not Contact.objects.exists()


def test_a_one_megabyte_body_is_413_and_adds_nothing(api):
    body = '{"email": "a@example.org", "notes": "' + "x" * (1024 * 1024) + '"}'
    response = api.post("/api/contacts", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["success"] is False
    assert "too large" in response.json()["error"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{email: 1", "application/json", 400),
        ("[]", "application/json", 400),
        ("", "application/json", 400),
        ("email=a@example.org", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_body_that_is_not_a_json_object_adds_nothing(api, body, content_type, status):
    response = api.post("/api/contacts", body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["success"] is False
    assert not Contact.objects.exists()


# PATCH /api/contacts/{id}


def test_patch_changes_the_fields_sent_and_keeps_the_others(api, contact):
    response = _patch(api, contact.pk, {"company": "Remington Rand", "phone": None})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["success"], body["message"]) == (True, "Contact updated")
    assert body["contact"]["company"] == "Remington Rand"
    contact.refresh_from_db()
    assert (contact.company, contact.first_name, contact.email, contact.phone) == (
        "Remington Rand",
        "Grace",
        "grace@navy.example",
        "+1 555 0100",
    )


def test_patch_empties_a_field_sent_empty(api, contact):
    assert _patch(api, contact.pk, {"notes": ""}).status_code == 200
    contact.refresh_from_db()
    assert contact.notes == ""


def test_patch_may_change_the_case_of_its_own_address(api, contact):
    response = _patch(api, contact.pk, {"email": "Grace@navy.example"})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.email == "Grace@navy.example"


def test_patch_to_a_taken_address_is_409_and_changes_nothing(api, user, contact):
    other = ContactFactory(owner=user, email="ada@example.org")
    response = _patch(api, other.pk, {"email": "GRACE@navy.example", "first_name": "Changed"})
    assert response.status_code == 409
    assert response.json()["fields"] == {"email": services.DUPLICATE_EMAIL}
    other.refresh_from_db()
    assert (other.email, other.first_name) != ("GRACE@navy.example", "Changed")
    assert other.email == "ada@example.org"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"email": ""}, "email"),
        ({"first_name": 7}, "first_name"),
        ({"last_name": "x" * 151}, "last_name"),
        ({"archived_at": None}, "archived_at"),
    ],
)
def test_a_bad_change_is_400_and_changes_nothing(api, contact, body, field):
    before = Contact.objects.get(pk=contact.pk)
    response = _patch(api, contact.pk, body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    contact.refresh_from_db()
    for name in ("email", "first_name", "last_name", "updated_at", "archived_at"):
        assert getattr(contact, name) == getattr(before, name)


# DELETE /api/contacts/{id}


def test_delete_removes_a_contact(api, contact):
    response = api.delete(f"/api/contacts/{contact.pk}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Contact deleted", "archived": False}
    assert not Contact.objects.exists()


def test_deleting_an_invited_contact_archives_it_as_the_page_does(api, contact):
    Invitation.objects.create(
        meeting=MeetingFactory(host=contact.owner), contact=contact, email=contact.email
    )
    response = api.delete(f"/api/contacts/{contact.pk}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": ARCHIVED, "archived": True}
    contact.refresh_from_db()
    assert contact.archived_at is not None
    # Gone from the address book: deleting it again finds nothing.
    assert api.delete(f"/api/contacts/{contact.pk}").json() == NOT_FOUND_BODY


# Whose contact: owner, another user, staff, anonymous.


def _call(client, method, contact_id):
    if method == "patch":
        return _patch(client, contact_id, {"first_name": "Mine now"})
    return client.delete(f"/api/contacts/{contact_id}")


@pytest.mark.parametrize("method", ["patch", "delete"])
@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_another_users_contact_is_404_and_unchanged(method, who, contact, other_host, staff_user):
    caller = token_client({"stranger": other_host, "staff": staff_user}[who])
    response = _call(caller, method, contact.pk)
    assert response.status_code == 404
    # The same answer as for a contact that does not exist: nothing says it does.
    assert response.json() == NOT_FOUND_BODY
    assert _call(caller, method, contact.pk + 1000).json() == NOT_FOUND_BODY
    contact.refresh_from_db()
    assert contact.first_name == "Grace"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_an_archived_contact_is_404(api, contact, method):
    Contact.objects.filter(pk=contact.pk).update(archived_at=contact.created_at)
    assert _call(api, method, contact.pk).json() == NOT_FOUND_BODY


@pytest.mark.parametrize("method", ["patch", "delete"])
@pytest.mark.parametrize("raw", ["abc", "1.5", "-1", "0", "99999999999999999999"])
def test_a_malformed_id_is_400_with_the_field(api, contact, method, raw):
    response = _call(api, method, raw)
    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, INVALID)
    assert list(body["fields"]) == ["contact_id"]
    contact.refresh_from_db()
    assert contact.first_name == "Grace"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/contacts"),
        ("post", "/api/contacts"),
        ("patch", "/api/contacts/{id}"),
        ("delete", "/api/contacts/{id}"),
    ],
)
def test_anonymous_callers_get_401_and_change_nothing(client, contact, method, path):
    path = path.format(id=contact.pk)
    kwargs = {} if method in ("get", "delete") else {"data": {"email": "x@example.org"}}
    response = getattr(client, method)(path, content_type="application/json", **kwargs)
    assert response.status_code == 401
    assert response.json() == AUTH_REQUIRED
    assert list(Contact.objects.values_list("first_name", flat=True)) == ["Grace"]


def test_a_revoked_token_is_401(user, contact):
    api = token_client(user)
    account_services.api_token_revoke(token=user.api_tokens.get())
    assert api.get("/api/contacts").json() == AUTH_REQUIRED


def test_a_session_write_needs_the_csrf_token(user, contact):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    for response in (
        _post(browser, {"email": "kim@example.org"}),
        _patch(browser, contact.pk, {"first_name": "Changed"}),
        browser.delete(f"/api/contacts/{contact.pk}"),
    ):
        assert response.status_code == 403
        assert "CSRF" in response.json()["error"]
    contact.refresh_from_db()
    assert (user.contacts.count(), contact.first_name) == (1, "Grace")
    browser.get("/accounts/profile/")  # sets the CSRF cookie, as any page does
    csrf = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value}
    response = browser.post(
        "/api/contacts", {"email": "kim@example.org"}, content_type="application/json", **csrf
    )
    assert response.status_code == 201
    response = browser.patch(
        f"/api/contacts/{contact.pk}",
        {"first_name": "Changed"},
        content_type="application/json",
        **csrf,
    )
    assert response.status_code == 200
    assert browser.delete(f"/api/contacts/{contact.pk}", **csrf).status_code == 200


def test_a_token_write_needs_no_csrf_token(user):
    api = token_client(user)
    api.handler.enforce_csrf_checks = True
    assert _post(api, {"email": "kim@example.org"}).status_code == 201


def test_a_token_is_its_owners_whoever_is_logged_in(user, other_host, contact):
    api = token_client(other_host)
    api.force_login(user)
    assert api.get("/api/contacts").json()["count"] == 0
    assert _patch(api, contact.pk, {"first_name": "x"}).status_code == 404


def test_the_schema_documents_the_contacts_endpoints(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/contacts"]) == {"get", "post"}
    assert set(paths["/api/contacts/{contact_id}"]) == {"patch", "delete"}


def test_many_users_each_see_their_own(db):
    users = UserFactory.create_batch(3)
    for owner in users:
        ContactFactory(owner=owner, email="same@example.org")
    for owner in users:
        [row] = token_client(owner).get("/api/contacts").json()["contacts"]
        assert row["id"] == owner.contacts.get().pk


def test_the_doc_names_every_field_of_a_contact():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    section = doc.split("## Contacts\n", 1)[1].split("\n## ", 1)[0]
    table = section.split("| field | meaning |", 1)[1].split("\n\n", 1)[0]
    assert {name for name in ContactOut.model_fields if f"`{name}`" not in table} == set()


def test_contacts_calls_count_against_the_callers_limit(settings, user, contact):
    settings.API_REQUESTS_PER_CALLER = 2
    api = token_client(user)
    assert api.get("/api/contacts").status_code == 200
    assert _patch(api, contact.pk, {"company": "A"}).status_code == 200
    response = _patch(api, contact.pk, {"company": "B"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"].startswith("Too many requests")
    contact.refresh_from_db()
    assert contact.company == "A"


def test_a_method_a_contact_does_not_take_is_405(api, contact):
    response = api.get(f"/api/contacts/{contact.pk}")
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"PATCH", "DELETE"}
    assert response.json()["success"] is False
