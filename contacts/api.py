"""The address book's JSON API, mounted at /api/contacts by meetings_site/api.py.

Thin handlers over what the address-book pages use: a body is bound to
ContactForm as the page's form would post it, then written by the same
services (which refuse a taken address), and the list is the page's
selector. A contact is only ever its owner's: anyone else's, staff's
included, is 404, as on the pages.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from contacts import selectors, services
from contacts.forms import ContactForm
from contacts.models import Contact, validate_one_line
from meetings_site.api_common import (
    INVALID_INPUT,
    NO_NUL,
    ApiError,
    ErrorOut,
    form_error,
    link,
    response_links,
)

router = Router(tags=["contacts"])

NOT_FOUND = "Contact not found"
DELETED = "Contact deleted"
ARCHIVED = "Contact removed from your contacts; the invitations they received keep their history."
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}
# The form's fields, in the order the page shows them.
FIELDS = ContactForm._meta.fields
# validate_one_line's rule as the schema declares it: no character of Unicode's categories
# Cc, Zl or Zp. The model's validator answers for it, with its own words.
ONE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
# The largest key a BigAutoField holds: a larger one names no contact (and no 500).
CONTACT_ID = Path(..., ge=1, le=2**63 - 1, description="The contact's `id`.")


def _text(name: str, **options):
    """A contact's field, as the schema declares what the form accepts: its length, a name on
    one line, an email address. The form and the model check them."""
    field = Contact._meta.get_field(name)
    extra = {"format": "email"} if name == "email" else {}
    if validate_one_line in field.validators:
        extra["pattern"] = ONE_LINE_PATTERN
    elif name != "email":
        extra["pattern"] = NO_NUL  # meetings_site.middleware refuses a NUL in any request
    return Field(max_length=field.max_length, json_schema_extra=extra, **options)


# What the API answers.


class ContactOut(Schema):
    id: int = Field(description="The contact's number, as paths take it.")
    email: str
    name: str = Field(description="The full name, or the email when there is no name.")
    first_name: str
    last_name: str
    company: str
    phone: str
    notes: str
    created_at: datetime
    updated_at: datetime


class ContactList(Schema):
    success: bool
    count: int = Field(description="How many contacts match, on all pages.")
    page: int
    pages: int
    contacts: list[ContactOut]


class ContactSaved(Schema):
    success: bool
    message: str
    contact: ContactOut


class ContactDeleted(Schema):
    success: bool
    message: str
    archived: bool = Field(
        description="true: it was invited, and stays hidden for the invitations' history."
    )


# What the API reads.


class ListFilters(Schema):
    q: str = Field(
        "",
        max_length=selectors.QUERY_MAX_LENGTH,
        description="Words of the name, email or company; every word must match.",
    )
    page: int = Field(1, ge=1, le=selectors.PAGE_NUMBER_MAX)


class ContactChange(Schema):
    """A contact's fields. Unknown fields are refused; on PATCH, a field left out (or null)
    keeps its value."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = _text("email", default=None)
    first_name: str | None = _text("first_name", default=None)
    last_name: str | None = _text("last_name", default=None)
    company: str | None = _text("company", default=None)
    phone: str | None = _text("phone", default=None)
    notes: str | None = _text("notes", default=None)


class ContactNew(ContactChange):
    email: str = _text("email", description="Where invitations go.")


# The endpoints.


@router.get("", response={200: ContactList, **ERRORS}, summary="Your contacts")
def contact_list(request, filters: Query[ListFilters]):
    """Your address book, by name, 25 a page; `q` searches it as the contacts page does."""
    page = selectors.contact_list_page(
        owner=request.user, query=filters.q.strip(), number=filters.page
    )
    return {
        "success": True,
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "contacts": [_contact(contact) for contact in page],
    }


def _contact_links(description: str) -> dict[str, dict]:
    """An answer's links to changing and deleting the contact it holds."""
    at = {"contact_id": "$response.body#/contact/id"}
    return {
        "UpdateContact": link(
            "contacts_api_contact_update", f"Change {description}.", parameters=at
        ),
        "DeleteContact": link(
            "contacts_api_contact_delete", f"Delete {description}.", parameters=at
        ),
    }


@router.post(
    "",
    response={201: ContactSaved, **ERRORS},
    summary="Add a contact",
    openapi_extra=response_links(201, _contact_links("the new contact")),
)
def contact_create(request, payload: ContactNew):
    """Add someone to your address book; 409 when you already have their address."""
    data = _cleaned(_bound_form(payload, contact=None))
    contact = _save(lambda: services.contact_create(owner=request.user, **data))
    return Status(
        201, {"success": True, "message": "Contact created", "contact": _contact(contact)}
    )


@router.patch(
    "/{contact_id}",
    response={200: ContactSaved, **ERRORS},
    summary="Change a contact",
    openapi_extra=response_links(200, _contact_links("the contact")),
)
def contact_update(request, payload: ContactChange, contact_id: int = CONTACT_ID):
    """Change the fields sent; the others keep their values."""
    contact = _own_contact(request, contact_id)
    data = _cleaned(_bound_form(payload, contact=contact))
    contact = _save(lambda: services.contact_update(contact=contact, **data))
    return {"success": True, "message": "Contact updated", "contact": _contact(contact)}


@router.delete(
    "/{contact_id}", response={200: ContactDeleted, **ERRORS}, summary="Delete a contact"
)
def contact_delete(request, contact_id: int = CONTACT_ID):
    """Delete a contact; one that was invited is archived, as on the page."""
    contact = _own_contact(request, contact_id)
    deleted = services.contact_delete(contact=contact)
    return {"success": True, "message": DELETED if deleted else ARCHIVED, "archived": not deleted}


# The handlers' steps.


def _own_contact(request, contact_id: int) -> Contact:
    """The caller's active contact, as the pages find it: anyone else's is not found."""
    contact = Contact.objects.owned_by(request.user).filter(pk=contact_id).first()
    if contact is None:
        raise Http404(NOT_FOUND)
    return contact


def _bound_form(payload: ContactChange, *, contact: Contact | None) -> ContactForm:
    """ContactForm bound as the page would post it: the contact's values, and the sent ones
    over them (null is "not given")."""
    sent = payload.model_dump(exclude_unset=True)
    data = {name: "" if contact is None else getattr(contact, name) for name in FIELDS}
    data.update({name: value for name, value in sent.items() if value is not None})
    return ContactForm(data, instance=contact)


def _cleaned(form: ContactForm) -> dict:
    """The form's cleaned data, or ApiError 400 with each field's first reason."""
    if form.is_valid():
        return form.cleaned_data
    raise form_error(form)


def _save(save) -> Contact:
    """Run a service; a taken address is 409, any other refusal 400, each with its field."""
    try:
        return save()
    except ValidationError as error:
        reasons = (
            error.error_dict if hasattr(error, "error_dict") else {"__all__": error.error_list}
        )
        fields = {name: errors[0].messages[0] for name, errors in reasons.items()}
        general = fields.pop("__all__", None)
        taken = any(e.code == "unique" for errors in reasons.values() for e in errors)
        status = 409 if taken else 400
        message = services.DUPLICATE_EMAIL if taken else general or INVALID_INPUT
        raise ApiError(status, message, fields=fields) from error


def _contact(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "email": contact.email,
        "name": contact.display_name,
        **{name: getattr(contact, name) for name in FIELDS if name != "email"},
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }
