"""Encryption at rest for stored secrets: the SMTP password, connected Google accounts' tokens."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretKeyError(ImproperlyConfigured):
    """The encryption keys are missing or cannot open a stored secret."""


def _fernet() -> MultiFernet:
    keys = [key for key in settings.MAIL_ENCRYPTION_KEYS if key]
    if not keys:
        raise SecretKeyError(
            "MAIL_ENCRYPTION_KEYS is not set, so secrets (the SMTP password, Google tokens) "
            "cannot be stored or read. "
            'Generate a key with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise SecretKeyError(
            "MAIL_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from error


def encrypt_secret(clear: str) -> str:
    """Encrypt with the first key: the newest one."""
    return _fernet().encrypt(clear.encode()).decode()


def decrypt_secret(token: str) -> str:
    """Decrypt with any configured key; an empty stored value stays empty."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretKeyError(
            "The stored SMTP password cannot be decrypted with MAIL_ENCRYPTION_KEYS. "
            "Add the key it was saved with back to the list, or enter the password again."
        ) from error


def rotate_secret(token: str) -> str:
    """Re-encrypt with the newest key (after adding a key at the front of the list)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise SecretKeyError(
            "The stored SMTP password cannot be decrypted with MAIL_ENCRYPTION_KEYS, so it "
            "cannot be re-encrypted. Keep the key it was saved with in the list (after the "
            "new one) until the rotation is done, or enter the password again."
        ) from error
