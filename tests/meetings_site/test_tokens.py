from bookings.models import BookingToken
from meetings_site.tokens import MAX_LENGTH, digest, find, new_token


def test_a_new_token_carries_256_bits_and_fits_the_length_limit():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(token) == 43 and len(token) <= MAX_LENGTH for token in tokens)


def test_the_digest_is_sha256_and_never_the_token():
    token = new_token()
    assert len(digest(token)) == 64 and digest(token) != token
    assert digest(token) == digest(token)


def test_find_opens_only_the_row_of_that_token(db):
    rows = BookingToken.objects.all()
    assert find(rows, "") is None
    assert find(rows, "x" * (MAX_LENGTH + 1)) is None
    assert find(rows, new_token()) is None
