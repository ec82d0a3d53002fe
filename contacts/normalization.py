"""How addresses and names are tidied before they are stored, wherever they come from."""

from contacts.models import Contact


def normalize_email(email: str) -> str:
    """Strip the address and lowercase its domain, which is case-insensitive."""
    email = (email or "").strip()
    local, at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if at else email


def split_name(name: str) -> tuple[str, str]:
    """First and last name from a full name, split on the last space."""
    first, _, last = " ".join((name or "").split()).rpartition(" ")
    if not first:
        first, last = last, ""
    first_max = Contact._meta.get_field("first_name").max_length
    last_max = Contact._meta.get_field("last_name").max_length
    return first[:first_max], last[:last_max]
