import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from contacts import selectors, services
from contacts.models import Contact
from contacts.normalization import normalize_email, split_name
from invitations.models import Invitation
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

DUPLICATE = "You already have a contact with this email address."


# Normalizing


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("  Ada@Example.COM ", "Ada@example.com"),
        ("ada@example.com", "ada@example.com"),
        ("no-at-sign", "no-at-sign"),
        ("", ""),
    ],
)
def test_email_is_stripped_and_its_domain_lowercased(raw, normalized):
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ada Lovelace", ("Ada", "Lovelace")),
        ("Augusta Ada  King ", ("Augusta Ada", "King")),
        ("Cher", ("Cher", "")),
        ("", ("", "")),
    ],
)
def test_a_name_splits_on_its_last_space(name, parts):
    assert split_name(name) == parts


# Creating


def test_create_stores_a_normalized_contact(user):
    contact = services.contact_create(
        owner=user, email=" Grace@Navy.EXAMPLE ", first_name=" Grace ", last_name="Hopper"
    )
    contact.refresh_from_db()
    assert contact.owner == user
    assert contact.email == "Grace@navy.example"
    assert contact.full_name == "Grace Hopper"
    assert contact.archived_at is None


def test_create_refuses_an_address_the_owner_has_in_another_case(user, contact):
    with pytest.raises(ValidationError) as error:
        services.contact_create(owner=user, email="GRACE@navy.example")
    assert error.value.message_dict == {"email": [DUPLICATE]}
    assert Contact.objects.count() == 1


def test_create_refuses_an_invalid_address(user):
    with pytest.raises(ValidationError) as error:
        services.contact_create(owner=user, email="not an address")
    assert "email" in error.value.message_dict
    assert not Contact.objects.exists()


def test_create_allows_an_address_another_host_has(user, contact):
    other = services.contact_create(owner=UserFactory(), email="grace@navy.example")
    assert other.pk != contact.pk


def test_create_allows_the_address_of_an_archived_contact(user, contact, invite):
    invite(contact)
    services.contact_delete(contact=contact)
    again = services.contact_create(owner=user, email="grace@navy.example")
    assert again.pk != contact.pk
    assert list(Contact.objects.owned_by(user)) == [again]


def test_create_reports_a_concurrent_duplicate_as_a_form_error(user, contact, monkeypatch):
    # The check finds nothing, as if the other request had not committed yet;
    # the database constraint catches it and the service says so clearly.
    real = selectors.contact_with_email
    calls = []

    def late(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(selectors, "contact_with_email", late)
    with pytest.raises(ValidationError) as error:
        services.contact_create(owner=user, email="grace@navy.example")
    assert error.value.message_dict == {"email": [DUPLICATE]}
    assert Contact.objects.count() == 1


# Updating


def test_update_changes_only_the_given_fields(contact):
    services.contact_update(contact=contact, company="Yale", phone="+1 555 0100")
    contact.refresh_from_db()
    assert (contact.company, contact.phone) == ("Yale", "+1 555 0100")
    assert contact.full_name == "Grace Hopper"


def test_update_may_change_the_case_of_the_own_address(contact):
    services.contact_update(contact=contact, email="Grace@navy.example")
    contact.refresh_from_db()
    assert contact.email == "Grace@navy.example"


def test_update_refuses_an_address_of_another_contact_and_keeps_the_row(user, contact):
    other = ContactFactory(owner=user, email="ada@example.com")
    with pytest.raises(ValidationError) as error:
        services.contact_update(contact=other, email="GRACE@navy.example", first_name="X")
    assert error.value.message_dict == {"email": [DUPLICATE]}
    other.refresh_from_db()
    assert other.email == "ada@example.com" and other.first_name != "X"


# Deleting


def test_delete_without_invitations_removes_the_row(contact):
    assert services.contact_delete(contact=contact) is True
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_contact_with_invitations_is_archived_not_deleted(user, contact, invite):
    invitation = invite(contact)
    assert services.contact_delete(contact=contact) is False

    contact.refresh_from_db()
    assert contact.archived_at is not None
    assert not Contact.objects.owned_by(user).exists()
    invitation.refresh_from_db()
    assert invitation.contact_id == contact.pk
    assert Invitation.objects.filter(contact=contact).count() == 1


# Get or create, for invitations


def get_or_create(owner, email, name=""):
    return services.contacts_get_or_create_for_emails(owner=owner, people=[(name, email)])


def test_get_or_create_returns_the_existing_contact_whatever_the_case(user, contact):
    found = get_or_create(user, " GRACE@Navy.Example ", "Someone Else")
    assert found == {"grace@navy.example": contact}
    assert Contact.objects.count() == 1
    assert found["grace@navy.example"].full_name == "Grace Hopper"


def test_get_or_create_creates_a_named_contact(user):
    (contact,) = get_or_create(user, "alan@Bletchley.example", "Alan Mathison Turing").values()
    assert contact.owner == user
    assert contact.email == "alan@bletchley.example"
    assert (contact.first_name, contact.last_name) == ("Alan Mathison", "Turing")


def test_get_or_create_ignores_other_hosts_and_archived_contacts(user, contact, invite):
    theirs = ContactFactory(email="linus@example.org")
    invite(contact)
    services.contact_delete(contact=contact)

    (mine,) = get_or_create(user, "linus@example.org").values()
    (again,) = get_or_create(user, "grace@navy.example").values()
    assert mine.pk != theirs.pk and mine.owner == user
    assert again.pk != contact.pk and again.archived_at is None


def test_get_or_create_uses_the_contact_a_concurrent_request_created(user, monkeypatch):
    real = Contact.objects.bulk_create
    theirs = []

    def after_a_concurrent_insert(objs, **kwargs):
        theirs.append(ContactFactory(owner=user, email="grace@navy.example"))
        return real(objs, **kwargs)

    monkeypatch.setattr(Contact.objects, "bulk_create", after_a_concurrent_insert)
    found = get_or_create(user, "grace@navy.example", "Someone Else")
    assert found == {"grace@navy.example": theirs[0]}
    assert Contact.objects.count() == 1


def test_get_or_create_refuses_an_invalid_address(user):
    with pytest.raises(ValidationError):
        get_or_create(user, "nobody")
    assert not Contact.objects.exists()


# Importing


def test_import_creates_new_contacts_and_fills_in_existing_ones(user, contact):
    result = services.contacts_import(
        owner=user,
        rows=[
            {"email": "ada@example.com", "first_name": "Ada", "last_name": "", "company": ""},
            {"email": "GRACE@navy.example", "first_name": "", "company": "Yale", "phone": "1"},
        ],
    )
    assert (result.created, result.updated) == (1, 1)
    contact.refresh_from_db()
    # Empty cells keep what the contact had.
    assert (contact.first_name, contact.company, contact.phone) == ("Grace", "Yale", "1")
    assert Contact.objects.owned_by(user).get(email="ada@example.com").first_name == "Ada"


def test_import_of_rows_already_in_the_address_book_changes_nothing(user, contact):
    before = contact.updated_at
    result = services.contacts_import(
        owner=user, rows=[{"email": "grace@navy.example", "company": "US Navy"}]
    )
    assert (result.created, result.updated) == (0, 0)
    contact.refresh_from_db()
    assert contact.updated_at == before


def test_import_refuses_as_a_whole_when_an_address_was_added_meanwhile(user, monkeypatch):
    # The plan misses a contact that a concurrent request has just created.
    ContactFactory(owner=user, email="ada@example.com")
    monkeypatch.setattr(selectors.Contact.objects, "owned_by", lambda owner: Contact.objects.none())
    with pytest.raises(services.ImportConflict):
        services.contacts_import(
            owner=user,
            rows=[{"email": "new@example.com"}, {"email": "ada@example.com"}],
        )
    assert Contact.objects.count() == 1


def test_the_unique_constraint_backs_the_service(user, contact):
    with pytest.raises(IntegrityError):
        Contact.objects.create(owner=user, email="GRACE@NAVY.EXAMPLE")
