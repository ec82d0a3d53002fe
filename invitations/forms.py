from email.utils import getaddresses

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from contacts.models import Contact
from invitations.models import Invitation

MAX_RECIPIENTS = 200
MESSAGE_MAX_LENGTH = 2000


def parse_addresses(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """`a@x.org`, `Name <a@x.org>`, one per line or comma-separated → (valid, invalid)."""
    valid, invalid = [], []
    for line in text.splitlines():
        for part in filter(str.strip, _comma_parts(line)):
            # One address, with or without a name; anything else is reported as typed.
            parsed = getaddresses([part])
            name, address = parsed[0] if len(parsed) == 1 and "@" in parsed[0][1] else ("", part)
            name = " ".join(name.split())[:200]
            address = address.strip()
            try:
                validate_email(address)
            except ValidationError:
                invalid.append(part.strip())
            else:
                valid.append((name, address))
    return valid, invalid


def _comma_parts(line: str) -> list[str]:
    """The line split at commas and semicolons, except inside quotes ("Doe, Jane") and <>."""
    parts, current, quoted, angle = [], [], False, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == "<":
            angle = True
        elif char == ">":
            angle = False
        if char in ",;" and not quoted and not angle:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


class InvitationForm(forms.Form):
    addresses = forms.CharField(
        label="Email addresses",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "ada@example.com\nGrace Hopper <grace@example.com>"}
        ),
        help_text="One per line or separated by commas. “Name <email>” works too.",
    )
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )
    role = forms.ChoiceField(
        label="Invite as",
        choices=Invitation.Role.choices,
        initial=Invitation.Role.ATTENDEE,
        required=False,
        help_text="Co-hosts moderate the room like you do.",
    )
    personal_message = forms.CharField(
        label="Personal message (optional)",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_LENGTH}),
    )

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = Contact.objects.owned_by(owner)

    def clean(self):
        data = super().clean()
        valid, invalid = parse_addresses(data.get("addresses", ""))
        if invalid:
            self.add_error(
                "addresses",
                "These are not valid email addresses: "
                + ", ".join(invalid)
                + ". Fix them and send again.",
            )
        recipients = valid + [
            (contact.full_name, contact.email) for contact in data.get("contacts") or []
        ]
        if not recipients and not invalid and "addresses" not in self.errors:
            self.add_error("addresses", "Enter at least one email address or pick a contact.")
        if len(recipients) > MAX_RECIPIENTS:
            self.add_error("addresses", f"Invite at most {MAX_RECIPIENTS} people at a time.")
        data["recipients"] = recipients
        data["role"] = data.get("role") or Invitation.Role.ATTENDEE
        return data
