import pytest

from meetings import credentials


@pytest.mark.parametrize(
    "text", ["123-456-789", "123456789", "123 456 789", " 123 - 456 - 789 ", "123.456.789"]
)
def test_meeting_id_is_read_with_or_without_separators(text):
    assert credentials.parse_meeting_id(text) == 123456789


@pytest.mark.parametrize(
    "text", ["", "12345678", "1234567890", "abc-def-ghi", "012-345-678", "１２３４５６７８９", None]
)
def test_malformed_meeting_ids_are_rejected(text):
    assert credentials.parse_meeting_id(text) is None


def test_meeting_id_is_shown_in_groups_of_three():
    assert credentials.format_meeting_id(123456789) == "123-456-789"


def test_generated_meeting_ids_have_nine_digits():
    for _ in range(500):
        meeting_id = credentials.new_meeting_id()
        assert len(str(meeting_id)) == 9


def test_generated_passcodes_are_six_digits_and_vary():
    passcodes = {credentials.new_passcode() for _ in range(200)}
    assert all(len(p) == 6 and p.isdigit() for p in passcodes)
    assert len(passcodes) > 150


def test_tokens_carry_at_least_128_bits():
    # token_urlsafe: 6 bits per character; token_hex: 4 bits per character.
    assert len(credentials.new_invitation_token()) * 6 >= 128
    access_token = credentials.new_access_token()
    assert len(access_token) * 4 >= 128
    assert access_token == access_token.lower()


def test_secrets_match():
    assert credentials.secrets_match("012345", "012345")
    assert not credentials.secrets_match("12345", "012345")
    assert not credentials.secrets_match("", "012345")
