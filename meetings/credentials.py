"""Meeting credentials: how they are drawn, shown, read back and compared."""

import hashlib
import hmac
import re
import secrets

MEETING_ID_MIN = 100_000_000
MEETING_ID_MAX = 999_999_999
PASSCODE_LENGTH = 6
PASSCODE_RE = re.compile(r"^[0-9]{4,10}$")
_SEPARATORS = re.compile(r"[\s\-–.]+")


def new_meeting_id() -> int:
    """Nine digits, the first never zero, so it reads the same as a number."""
    return MEETING_ID_MIN + secrets.randbelow(MEETING_ID_MAX - MEETING_ID_MIN + 1)


def new_passcode() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PASSCODE_LENGTH))


def new_invitation_token() -> str:
    """256 bits, URL-safe: the secret of the share link."""
    return secrets.token_urlsafe(32)


def new_access_token() -> str:
    """160 bits in lowercase hex: Jitsi folds room names to lower case."""
    return secrets.token_hex(20)


def format_meeting_id(meeting_id: int) -> str:
    digits = f"{meeting_id:09d}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def parse_meeting_id(text: str) -> int | None:
    """`123-456-789`, `123456789` or `123 456 789` → 123456789; None if malformed."""
    digits = _SEPARATORS.sub("", text or "")
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return None
    value = int(digits)
    return value if MEETING_ID_MIN <= value <= MEETING_ID_MAX else None


def secrets_match(given: str, expected: str) -> bool:
    """Constant-time comparison that does not leak the expected length either."""
    given_digest = hashlib.sha256(given.encode()).digest()
    expected_digest = hashlib.sha256(expected.encode()).digest()
    return hmac.compare_digest(given_digest, expected_digest)
