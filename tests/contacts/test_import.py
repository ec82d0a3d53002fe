import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts import csvfiles
from contacts.models import Contact
from contacts.views import IMPORT_SESSION_KEY
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("contacts:import")
CONFIRM_URL = reverse("contacts:import_confirm")
EXPIRED = "This import preview has expired. Upload the file again."

SAMPLE = (
    "Email,First Name,Last Name,Company\n"
    "ada@example.com,Ada,Lovelace,Analytical Engines\n"
    "GRACE@navy.example,,,Yale\n"
    "not-an-address,Bob,,\n"
    ",Carol,,\n"
    "Ada@EXAMPLE.com,Ada,Again,\n"
)


def _upload(client, content, name="contacts.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def _import_id(client):
    return client.session[IMPORT_SESSION_KEY]["id"]


def _snapshot():
    return sorted(Contact.objects.values_list("email", "first_name", "company", "archived_at"))


def test_import_page_explains_the_columns(host_client):
    page = host_client.get(IMPORT_URL).text
    assert 'enctype="multipart/form-data"' in page
    assert "email" in page and "first_name" in page


def test_preview_shows_new_updated_and_rejected_rows_and_writes_nothing(host_client, contact):
    before = _snapshot()
    response = _upload(host_client, SAMPLE)
    assert response.status_code == 200
    page = response.text
    plan = {row.number: row for row in response.context["plan"]}
    assert {n: row.status for n, row in plan.items()} == {
        2: "new",
        3: "update",
        4: "rejected",
        5: "rejected",
        6: "rejected",
    }
    assert plan[3].change_labels == [("Company", "US Navy", "Yale")]
    for text in [
        "1 new",
        "1 to update",
        "3 rejected",
        "Company: <del>US Navy</del> → <ins>Yale</ins>",
        "Invalid email address",
        "Missing email address",
        "Duplicate of row 2 in this file",
        "Import 2 contacts",
    ]:
        assert text in page
    assert _snapshot() == before


def test_confirm_imports_what_the_preview_showed(host_client, user, contact):
    _upload(host_client, SAMPLE)
    response = host_client.post(CONFIRM_URL, {"import_id": _import_id(host_client)})
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:list")
    assert (
        "Imported: 1 new contact, 1 contact updated."
        in host_client.get(reverse("contacts:list")).text
    )

    contacts = {c.email: c for c in Contact.objects.owned_by(user)}
    assert set(contacts) == {"ada@example.com", "grace@navy.example"}
    assert contacts["ada@example.com"].full_name == "Ada Lovelace"
    grace = contacts["grace@navy.example"]
    assert (grace.full_name, grace.company) == ("Grace Hopper", "Yale")
    assert IMPORT_SESSION_KEY not in host_client.session


def test_confirming_twice_imports_once(host_client):
    _upload(host_client, SAMPLE)
    import_id = _import_id(host_client)
    host_client.post(CONFIRM_URL, {"import_id": import_id})
    response = host_client.post(CONFIRM_URL, {"import_id": import_id})
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert Contact.objects.count() == 2


def test_confirm_writes_the_servers_copy_not_what_the_client_sends(host_client):
    _upload(host_client, "email\nada@example.com\n")
    response = host_client.post(
        CONFIRM_URL,
        {
            "import_id": _import_id(host_client),
            "rows": "evil@example.com",
            "email": "evil@example.com",
        },
    )
    assert response.status_code == 302
    assert list(Contact.objects.values_list("email", flat=True)) == ["ada@example.com"]


@pytest.mark.parametrize("import_id", ["", "forged", None])
def test_confirm_without_a_matching_preview_writes_nothing(host_client, import_id):
    if import_id is not None:
        _upload(host_client, "email\nada@example.com\n")
    response = host_client.post(CONFIRM_URL, {"import_id": import_id or ""})
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert not Contact.objects.exists()


def test_confirm_needs_a_post(host_client):
    _upload(host_client, "email\nada@example.com\n")
    assert host_client.get(CONFIRM_URL).status_code == 405
    assert not Contact.objects.exists()


def test_confirm_plans_again_against_the_address_book_of_now(host_client, user):
    _upload(host_client, "email,company\nada@example.com,Acme\n")
    ContactFactory(owner=user, email="ADA@example.com", first_name="Ada", company="")
    host_client.post(CONFIRM_URL, {"import_id": _import_id(host_client)})
    contact = Contact.objects.get()
    assert (contact.first_name, contact.company) == ("Ada", "Acme")


def test_another_hosts_contacts_are_neither_matched_nor_changed(host_client, user):
    theirs = ContactFactory(email="ada@example.com", company="Theirs")
    response = _upload(host_client, "email,company\nada@example.com,Mine\n")
    assert [row.status for row in response.context["plan"]] == ["new"]
    host_client.post(CONFIRM_URL, {"import_id": _import_id(host_client)})
    theirs.refresh_from_db()
    assert theirs.company == "Theirs"
    assert Contact.objects.owned_by(user).get().company == "Mine"


def test_a_file_with_nothing_to_import_offers_no_confirm(host_client, contact):
    response = _upload(host_client, "email,company\ngrace@navy.example,US Navy\nbad,\n")
    assert response.status_code == 200
    assert "There is nothing to import in this file." in response.text
    assert CONFIRM_URL not in response.text
    assert "1 unchanged" in response.text


def test_a_utf8_file_with_a_byte_order_mark_is_imported(host_client):
    _upload(host_client, codecs.BOM_UTF8 + "Email,Name\nzoe@example.com,Zoë Ørsted\n".encode())
    host_client.post(CONFIRM_URL, {"import_id": _import_id(host_client)})
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.last_name) == (
        "zoe@example.com",
        "Zoë",
        "Ørsted",
    )


# Bad uploads: a clear message, 400, and nothing written


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("email,first name\nzoe@example.com,Zoë\n".encode("latin-1"), csvfiles.NOT_UTF8),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", csvfiles.NOT_CSV),
        (b"first name,last name\nAda,Lovelace\n", csvfiles.NO_EMAIL_COLUMN),
        (b"Just some notes about people I know.\n", csvfiles.NO_EMAIL_COLUMN),
        (b"email,first name\n", csvfiles.NO_ROWS),
        (b"email,e-mail\na@example.com,b@example.com\n", "The file has two email columns."),
    ],
    ids=["latin-1", "binary", "no-email-column", "prose", "header-only", "two-email-columns"],
)
def test_a_bad_file_is_refused_with_a_clear_message(host_client, contact, content, message):
    before = _snapshot()
    response = _upload(host_client, content)
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.text
    assert IMPORT_SESSION_KEY not in host_client.session
    assert _snapshot() == before


def test_an_empty_file_is_refused(host_client):
    response = _upload(host_client, b"")
    assert response.status_code == 400
    assert "The file is empty." in response.text
    assert not Contact.objects.exists()


def test_a_missing_file_is_refused(host_client):
    response = host_client.post(IMPORT_URL, {})
    assert response.status_code == 400
    assert "Choose a CSV file to import." in response.text


def test_a_file_over_1_mb_is_refused(host_client):
    rows = "".join(f"person{n}@example.com,{'x' * 40}\n" for n in range(20_000))
    content = f"email,notes\n{rows}"
    assert len(content) > csvfiles.MAX_IMPORT_BYTES
    response = _upload(host_client, content)
    assert response.status_code == 400
    assert "The file is larger than 1 MB." in response.text
    assert not Contact.objects.exists()


def test_a_file_over_5000_rows_is_refused(host_client):
    rows = "".join(f"p{n}@example.com\n" for n in range(5001))
    response = _upload(host_client, f"email\n{rows}")
    assert response.status_code == 400
    assert "The file has more than 5,000 rows." in response.text
    assert not Contact.objects.exists()


def test_a_file_of_5000_rows_is_imported(host_client, user):
    rows = "".join(f"p{n}@example.com,Person {n}\n" for n in range(5000))
    response = _upload(host_client, f"email,name\n{rows}")
    assert "Import 5000 contacts" in response.text
    host_client.post(CONFIRM_URL, {"import_id": _import_id(host_client)})
    assert Contact.objects.owned_by(user).count() == 5000


def test_import_needs_login(client):
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("c.csv", b"email\na@b.co\n")})
    assert response.status_code == 302
    assert client.post(CONFIRM_URL).status_code == 302
    assert not Contact.objects.exists()
