import pytest
from cryptography.fernet import Fernet

from meetings_site.crypto import SecretKeyError, decrypt_secret, encrypt_secret, rotate_secret


def new_key() -> str:
    return Fernet.generate_key().decode()


def test_a_secret_round_trips_and_is_not_stored_in_clear(settings):
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    token = encrypt_secret("s3cret-smtp-pass")
    assert "s3cret" not in token
    assert decrypt_secret(token) == "s3cret-smtp-pass"


def test_the_same_secret_encrypts_differently_each_time(settings):
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    assert encrypt_secret("same") != encrypt_secret("same")


def test_an_empty_stored_value_stays_empty_without_keys(settings):
    settings.MAIL_ENCRYPTION_KEYS = []
    assert decrypt_secret("") == ""
    assert rotate_secret("") == ""


def test_missing_keys_say_how_to_generate_one(settings):
    settings.MAIL_ENCRYPTION_KEYS = []
    with pytest.raises(SecretKeyError, match="MAIL_ENCRYPTION_KEYS is not set") as raised:
        encrypt_secret("secret")
    assert "Fernet.generate_key()" in str(raised.value)


def test_a_value_that_is_not_a_fernet_key_is_named_as_such(settings):
    settings.MAIL_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(SecretKeyError, match="not a Fernet key"):
        encrypt_secret("secret")


def test_a_secret_from_another_key_cannot_be_read(settings):
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    token = encrypt_secret("secret")
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        decrypt_secret(token)


def test_older_keys_still_decrypt_after_a_new_key_is_added_in_front(settings):
    old, new = new_key(), new_key()
    settings.MAIL_ENCRYPTION_KEYS = [old]
    token = encrypt_secret("secret")
    settings.MAIL_ENCRYPTION_KEYS = [new, old]
    assert decrypt_secret(token) == "secret"


def test_rotation_moves_a_secret_from_key_a_to_key_b(settings):
    key_a, key_b = new_key(), new_key()
    settings.MAIL_ENCRYPTION_KEYS = [key_a]
    token = encrypt_secret("secret")

    settings.MAIL_ENCRYPTION_KEYS = [key_b, key_a]
    rotated = rotate_secret(token)

    settings.MAIL_ENCRYPTION_KEYS = [key_b]
    assert decrypt_secret(rotated) == "secret"
    with pytest.raises(SecretKeyError):
        decrypt_secret(token)


def test_rotation_without_the_old_key_fails_clearly(settings):
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    token = encrypt_secret("secret")
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(SecretKeyError, match="cannot be re-encrypted"):
        rotate_secret(token)
