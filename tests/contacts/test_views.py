import csv
import io

import pytest
from django.urls import reverse

from contacts.models import Contact
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

DUPLICATE = "You already have a contact with this email address."


def _form(**overrides):
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "company": "Analytical Engines",
        "phone": "",
        "notes": "",
    } | overrides


# Access


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("list", []),
        ("create", []),
        ("edit", [1]),
        ("delete", [1]),
        ("import", []),
        ("export", []),
    ],
)
def test_pages_need_login(client, name, args):
    response = client.get(reverse(f"contacts:{name}", args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["edit", "delete"])
def test_someone_elses_contact_is_not_found(host_client, name):
    theirs = ContactFactory(email="secret@example.com")
    assert host_client.get(reverse(f"contacts:{name}", args=[theirs.pk])).status_code == 404
    response = host_client.post(reverse(f"contacts:{name}", args=[theirs.pk]), _form())
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.email == "secret@example.com" and theirs.archived_at is None


@pytest.mark.parametrize("name", ["edit", "delete"])
def test_an_archived_contact_is_not_found(host_client, contact, invite, name):
    invite(contact)
    host_client.post(reverse("contacts:delete", args=[contact.pk]))
    assert host_client.get(reverse(f"contacts:{name}", args=[contact.pk])).status_code == 404


def test_nav_links_to_contacts(host_client):
    assert reverse("contacts:list") in host_client.get(reverse("meetings:list")).text


# Listing and searching


def test_list_shows_only_the_hosts_contacts(host_client, contact):
    ContactFactory(first_name="Other", last_name="Person", email="theirs@example.org")
    page = host_client.get(reverse("contacts:list")).text
    assert "Grace Hopper" in page and "grace@navy.example" in page
    assert "theirs@example.org" not in page
    assert contact.get_absolute_url() in page
    assert reverse("contacts:delete", args=[contact.pk]) in page


@pytest.mark.parametrize("query", ["grace", "HOPPER", "navy.example", "us nav", "Grace Hop"])
def test_search_matches_name_email_and_company(host_client, user, contact, query):
    ContactFactory(owner=user, first_name="Alan", last_name="Turing", email="alan@bletchley.uk")
    page = host_client.get(reverse("contacts:list"), {"q": query}).text
    assert "grace@navy.example" in page
    assert "alan@bletchley.uk" not in page


def test_search_without_results_says_so(host_client, contact):
    page = host_client.get(reverse("contacts:list"), {"q": "nobody"}).text
    assert "No contacts match “nobody”" in page


def test_empty_address_book_offers_to_add_and_import(host_client):
    page = host_client.get(reverse("contacts:list")).text
    assert "Your address book is empty" in page
    assert reverse("contacts:import") in page


def test_list_pages_by_25_and_keeps_the_search(host_client, user):
    for n in range(30):
        ContactFactory(owner=user, last_name=f"Person{n:02}", email=f"p{n:02}@example.com")
    first = host_client.get(reverse("contacts:list"), {"q": "example"}).text
    assert first.count("data-contact-id=") == 25
    assert "Page 1 of 2" in first and "?q=example&amp;page=2" in first
    second = host_client.get(reverse("contacts:list"), {"q": "example", "page": 2}).text
    assert second.count("data-contact-id=") == 5


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize("query", ["", "example"])
def test_list_runs_a_constant_number_of_queries(
    host_client, user, count, query, django_assert_num_queries
):
    ContactFactory.create_batch(count, owner=user)
    # session, user, count, page
    with django_assert_num_queries(4):
        response = host_client.get(reverse("contacts:list"), {"q": query})
    assert response.status_code == 200


# Creating and editing


def test_create_adds_a_contact(host_client, user):
    response = host_client.post(reverse("contacts:create"), _form(email=" Ada@EXAMPLE.com "))
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:list")
    contact = Contact.objects.get()
    assert contact.owner == user and contact.email == "Ada@example.com"
    assert "Ada Lovelace was added" in host_client.get(response["Location"]).text


def test_create_with_a_taken_address_shows_a_clear_error(host_client, contact):
    response = host_client.post(reverse("contacts:create"), _form(email="GRACE@navy.example"))
    assert response.status_code == 400
    assert DUPLICATE in response.text
    assert Contact.objects.count() == 1


def test_create_with_bad_input_shows_errors_and_stores_nothing(host_client):
    response = host_client.post(
        reverse("contacts:create"), _form(email="not-an-address", first_name="x" * 151)
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert "Ensure this value has at most 150 characters" in response.text
    response = host_client.post(reverse("contacts:create"), _form(email=""))
    assert "Enter the email address invitations go to." in response.text
    assert not Contact.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "last_name", "company", "phone"])
def test_a_name_over_two_lines_is_refused(host_client, field):
    """A line break in a name is a mail header injection, never a person's name."""
    response = host_client.post(
        reverse("contacts:create"), _form(**{field: "Ada\r\nBcc: x@evil.example"})
    )
    assert response.status_code == 400
    assert "Write this on one line." in response.text
    assert not Contact.objects.exists()


def test_edit_shows_and_saves_the_contact(host_client, contact):
    url = reverse("contacts:edit", args=[contact.pk])
    page = host_client.get(url).text
    assert 'value="grace@navy.example"' in page and 'value="US Navy"' in page
    response = host_client.post(url, _form(email="grace@yale.example", company="Yale"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.email, contact.company, contact.first_name) == (
        "grace@yale.example",
        "Yale",
        "Ada",
    )


def test_edit_to_a_taken_address_shows_a_clear_error_and_changes_nothing(
    host_client, user, contact
):
    other = ContactFactory(owner=user, first_name="Alan", email="alan@example.com")
    response = host_client.post(
        reverse("contacts:edit", args=[other.pk]),
        _form(first_name="Renamed", email="Grace@Navy.example"),
    )
    assert response.status_code == 400
    assert DUPLICATE in response.text
    other.refresh_from_db()
    assert (other.first_name, other.email) == ("Alan", "alan@example.com")


# Deleting


def test_delete_asks_for_confirmation_first(host_client, contact):
    response = host_client.get(reverse("contacts:delete", args=[contact.pk]))
    assert response.status_code == 200
    assert "Delete “Grace Hopper”?" in response.text
    assert Contact.objects.filter(pk=contact.pk, archived_at=None).exists()


def test_delete_removes_a_contact_without_invitations(host_client, contact):
    response = host_client.post(reverse("contacts:delete", args=[contact.pk]))
    assert response.status_code == 302
    assert not Contact.objects.exists()
    assert "Grace Hopper was deleted." in host_client.get(response["Location"]).text


def test_deleting_a_contact_with_invitations_archives_it(host_client, contact, invite):
    invitation = invite(contact)
    page = host_client.get(reverse("contacts:delete", args=[contact.pk])).text
    assert "invited to 1 meeting." in page

    response = host_client.post(reverse("contacts:delete", args=[contact.pk]))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.archived_at is not None
    invitation.refresh_from_db()
    assert invitation.contact_id == contact.pk
    page = host_client.get(response["Location"]).text
    assert "keep their history" in page
    assert "grace@navy.example" not in host_client.get(reverse("contacts:list")).text
    found = host_client.get(reverse("contacts:search"), {"q": "grace"}).json()
    assert found == {"results": []}


# Export


def test_export_is_a_csv_of_the_hosts_active_contacts(host_client, user, contact, invite):
    ContactFactory(owner=user, first_name="Alan", last_name="Turing", email="alan@example.com")
    archived = ContactFactory(owner=user, email="archived@example.com")
    invite(archived)
    host_client.post(reverse("contacts:delete", args=[archived.pk]))
    ContactFactory(email="theirs@example.com")

    response = host_client.get(reverse("contacts:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["first_name", "last_name", "email", "company", "phone", "notes"],
        ["Grace", "Hopper", "grace@navy.example", "US Navy", "", ""],
        ["Alan", "Turing", "alan@example.com", "", "", ""],
    ]


def test_export_quotes_cells_that_spreadsheets_would_run(host_client, user):
    ContactFactory(
        owner=user,
        first_name='=HYPERLINK("http://evil.example")',
        last_name="@SUM(1)",
        email="x@example.com",
        company="-2+3",
        phone="+1 555 0100",
    )
    response = host_client.get(reverse("contacts:export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][:5] == [
        '\'=HYPERLINK("http://evil.example")',
        "'@SUM(1)",
        "x@example.com",
        "'-2+3",
        "'+1 555 0100",
    ]


# JSON search for the invitation form


def test_search_endpoint_returns_matching_contacts(host_client, user, contact):
    ContactFactory(owner=user, first_name="Alan", last_name="Turing", email="alan@example.com")
    ContactFactory(first_name="Grace", email="grace@theirs.example")
    response = host_client.get(reverse("contacts:search"), {"q": "gra"})
    assert response.status_code == 200
    assert response.json() == {
        "results": [{"id": contact.pk, "name": "Grace Hopper", "email": "grace@navy.example"}]
    }


def test_search_endpoint_matches_company_and_returns_at_most_ten(host_client, user):
    ContactFactory.create_batch(12, owner=user, company="Initech")
    results = host_client.get(reverse("contacts:search"), {"q": "initech"}).json()["results"]
    assert len(results) == 10


def test_search_endpoint_with_an_empty_query_returns_nothing(host_client, contact):
    assert host_client.get(reverse("contacts:search"), {"q": " "}).json() == {"results": []}


def test_search_endpoint_answers_401_json_to_anonymous_callers(client, contact):
    response = client.get(reverse("contacts:search"), {"q": "grace"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "results" not in response.json()


@pytest.mark.parametrize("count", [1, 50])
def test_search_endpoint_runs_a_constant_number_of_queries(
    host_client, user, count, django_assert_num_queries
):
    ContactFactory.create_batch(count, owner=user, company="Initech")
    # session, user, contacts
    with django_assert_num_queries(3):
        response = host_client.get(reverse("contacts:search"), {"q": "initech"})
    assert len(response.json()["results"]) == min(count, 10)


def test_another_host_sees_none_of_these_contacts(client, contact):
    client.force_login(UserFactory())
    assert "grace@navy.example" not in client.get(reverse("contacts:list")).text
    assert client.get(reverse("contacts:search"), {"q": "grace"}).json() == {"results": []}
    exported = b"".join(client.get(reverse("contacts:export")).streaming_content).decode()
    assert "grace" not in exported
