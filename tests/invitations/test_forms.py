import pytest

from invitations.forms import InvitationForm, parse_addresses
from tests.factories import ContactFactory


def test_addresses_one_per_line_or_comma_separated_with_names():
    valid, invalid = parse_addresses(
        'ada@example.com, Grace Hopper <grace@example.com>\n"Doe, Jane" <jane@example.org>;'
        " linus@example.org\n\n"
    )
    assert valid == [
        ("", "ada@example.com"),
        ("Grace Hopper", "grace@example.com"),
        ("Doe, Jane", "jane@example.org"),
        ("", "linus@example.org"),
    ]
    assert invalid == []


@pytest.mark.parametrize(
    "bad", ["plainaddress", "a@b@c.org", "<>", "Name <not-an-email>", "x@", "@example.org"]
)
def test_invalid_addresses_are_reported_as_typed(bad):
    valid, invalid = parse_addresses(f"ok@example.org, {bad}")
    assert valid == [("", "ok@example.org")]
    assert invalid == [bad]


def test_names_lose_control_characters_and_runs_of_spaces():
    valid, _ = parse_addresses('"Eve \t  Evil" <eve@example.org>')
    assert valid == [("Eve Evil", "eve@example.org")]


@pytest.mark.django_db
def test_too_many_recipients_are_refused(user):
    addresses = "\n".join(f"p{n}@example.org" for n in range(201))
    form = InvitationForm({"addresses": addresses}, owner=user)
    assert not form.is_valid()
    assert "Invite at most 200 people at a time." in form.errors["addresses"]


@pytest.mark.django_db
def test_picked_contacts_join_the_recipients(user):
    contact = ContactFactory(owner=user, first_name="Kim", last_name="Lee", email="kim@example.org")
    form = InvitationForm({"contacts": [contact.pk]}, owner=user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["recipients"] == [("Kim Lee", "kim@example.org")]
