"""Reads of a host's address book that take more than one line."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import User
from contacts.csvfiles import FIELD_LABELS, ParsedRow
from contacts.models import Contact

SEARCH_TERMS_MAX = 5
CONTACTS_PER_PAGE = 25
QUERY_MAX_LENGTH = 100
PAGE_NUMBER_MAX = 10**9


def contact_with_email(*, owner: User, email: str) -> Contact | None:
    """The owner's active contact with this address, whatever its case."""
    return Contact.objects.owned_by(owner).filter(email__iexact=email).first()


def contacts_search(queryset: QuerySet[Contact], query: str) -> QuerySet[Contact]:
    """Contacts matching every word of the query in their name, email or company."""
    for term in query.split()[:SEARCH_TERMS_MAX]:
        queryset = queryset.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(company__icontains=term)
        )
    return queryset


def contact_list_page(*, owner: User, query: str = "", number: int | str | None = 1) -> Page:
    """One page of the owner's active contacts matching the query, 25 a page; as
    Paginator.get_page(), a page past the end is the last and anything else the first."""
    contacts = contacts_search(Contact.objects.owned_by(owner), query)
    return Paginator(contacts, CONTACTS_PER_PAGE).get_page(number)


@dataclass
class PlannedRow:
    """What importing one row would do to the address book."""

    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"

    number: int
    values: dict[str, str]
    status: str
    reason: str = ""
    contact: Contact | None = None
    # (field, current value, imported value) for an update.
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()

    @property
    def change_labels(self) -> list[tuple[str, str, str]]:
        return [(FIELD_LABELS[name], old, new) for name, old, new in self.changes]


def import_plan(*, owner: User, rows: Sequence[ParsedRow], lock: bool = False) -> list[PlannedRow]:
    """For each parsed row: new contact, update of an existing one, nothing to do, or rejected.

    An existing contact is matched by email, case-insensitively; a non-empty cell
    replaces its value, an empty cell keeps it. One query, whatever the number of rows.
    """
    emails = {row.values["email"].lower() for row in rows if not row.error}
    existing = Contact.objects.owned_by(owner).alias(email_key=Lower("email"))
    if lock:
        existing = existing.select_for_update()
    # No address to look up makes no query: Django answers an empty __in itself.
    by_email = {contact.email.lower(): contact for contact in existing.filter(email_key__in=emails)}
    plan = []
    for row in rows:
        if row.error:
            plan.append(PlannedRow(row.number, row.values, PlannedRow.REJECTED, reason=row.error))
            continue
        contact = by_email.get(row.values["email"].lower())
        if contact is None:
            plan.append(PlannedRow(row.number, row.values, PlannedRow.NEW))
            continue
        changes = [
            (name, getattr(contact, name), value)
            for name, value in row.values.items()
            if name != "email" and value and value != getattr(contact, name)
        ]
        status = PlannedRow.UPDATE if changes else PlannedRow.UNCHANGED
        plan.append(PlannedRow(row.number, row.values, status, contact=contact, changes=changes))
    return plan
