"""Writes to a host's address book: one verb each."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from contacts import selectors
from contacts.csvfiles import ParsedRow
from contacts.models import Contact
from contacts.normalization import normalize_email, split_name

DUPLICATE_EMAIL = "You already have a contact with this email address."
INVALID_EMAIL = "Enter a valid email address."
# What an import fills in; the email is the key.
IMPORTED_FIELDS = ("first_name", "last_name", "company", "phone", "notes")


class ImportConflict(Exception):
    """Contacts changed between the preview and the confirmation of an import."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _validated_email(email: str) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": INVALID_EMAIL}, code="invalid") from None
    return email


def _duplicate_error() -> ValidationError:
    # The code sits on the field's error, where a dict's own code would not reach.
    return ValidationError({"email": ValidationError(DUPLICATE_EMAIL, code="unique")})


@transaction.atomic
def contact_create(*, owner: User, email: str, **fields: str) -> Contact:
    """Add someone to the owner's address book; the address must be new to it."""
    return contact_update(contact=Contact(owner=owner), email=email, **fields)


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    company: str | None = None,
    phone: str | None = None,
    notes: str | None = None,
) -> Contact:
    """Change the given fields of a contact; the ones left out (None) stay as they are."""
    changes = {
        "first_name": first_name,
        "last_name": last_name,
        "company": company,
        "phone": phone,
        "notes": notes,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(contact, field, value.strip())
    if email is not None:
        contact.email = _validated_email(email)
    # A taken address is a form error, never a 500.
    contact.full_clean(exclude=["owner"], validate_constraints=False)
    duplicate = selectors.contact_with_email(owner=contact.owner, email=contact.email)
    if duplicate is not None and duplicate.pk != contact.pk:
        raise _duplicate_error()
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        # Another request took the address between the check and the write.
        if selectors.contact_with_email(owner=contact.owner, email=contact.email) is not None:
            raise _duplicate_error() from None
        raise
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> bool:
    """Remove a contact from the address book; True if deleted, False if archived.

    A contact that was invited is archived instead, so that its invitations keep
    pointing at it and the meetings' history stays whole.
    """
    # The row lock makes a concurrent invitation (which references the row) wait for this.
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.invitations.exists():
        contact.archived_at = timezone.now()
        contact.save(update_fields=["archived_at", "updated_at"])
        return False
    contact.delete()
    return True


@transaction.atomic
def contacts_get_or_create_for_emails(
    *, owner: User, people: Sequence[tuple[str, str]]
) -> dict[str, Contact]:
    """The owner's active contacts for (name, email) pairs, keyed by lowercased email.

    One query for those that exist, one insert for the rest, whatever the number of people.
    """
    wanted = {}
    for name, email in people:
        email = _validated_email(email)
        wanted.setdefault(email.lower(), (name, email))
    contacts = Contact.objects.owned_by(owner).alias(key=Lower("email")).filter(key__in=wanted)
    found = {contact.email.lower(): contact for contact in contacts}
    new = []
    for key, (name, email) in wanted.items():
        if key not in found:
            first_name, last_name = split_name(name)
            new.append(
                Contact(owner=owner, email=email, first_name=first_name, last_name=last_name)
            )
    if new:
        # A concurrent request may add the same address: keep theirs, then read all back.
        Contact.objects.bulk_create(new, ignore_conflicts=True)
        found = {contact.email.lower(): contact for contact in contacts.all()}
    return found


@transaction.atomic
def contacts_import(*, owner: User, rows: Sequence[Mapping[str, str]]) -> ImportResult:
    """Create the rows' new contacts and fill in the existing ones (matched by email).

    Rows come validated from the CSV parser. Each is planned again here, against
    the address book as it is now: it may have changed since the preview.
    """
    parsed = [ParsedRow(number, dict(values)) for number, values in enumerate(rows, start=1)]
    plan = selectors.import_plan(owner=owner, rows=parsed, lock=True)
    now = timezone.now()
    new = [
        Contact(owner=owner, **row.values) for row in plan if row.status == selectors.PlannedRow.NEW
    ]
    updated = []
    for row in plan:
        if row.status == selectors.PlannedRow.UPDATE:
            for field, _old, value in row.changes:
                setattr(row.contact, field, value)
            row.contact.updated_at = now
            updated.append(row.contact)
    try:
        Contact.objects.bulk_create(new)
    except IntegrityError:
        raise ImportConflict(
            "Some of these addresses were added to your contacts meanwhile."
        ) from None
    Contact.objects.bulk_update(updated, [*IMPORTED_FIELDS, "updated_at"])
    return ImportResult(created=len(new), updated=len(updated))
