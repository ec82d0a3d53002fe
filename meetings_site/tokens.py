"""Secret link tokens: 256 bits from `secrets`, kept in the database as SHA-256 digests only."""

import hashlib
import hmac
import secrets

from django.db.models import Model, QuerySet

# token_urlsafe(32) is 43 characters; anything much longer is not ours.
MAX_LENGTH = 64


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(rows: QuerySet, token: str) -> Model | None:
    """The row of `rows` whose `digest` is the token's; None for a wrong token.

    Looked up by digest, so the database's timing says nothing about the token;
    the digests are compared once more in constant time.
    """
    if not token or len(token) > MAX_LENGTH:
        return None
    wanted = digest(token)
    # get(), not first(): digests are unique, and first() would sort by the default ordering.
    try:
        found = rows.get(digest=wanted)
    except rows.model.DoesNotExist:
        return None
    if not hmac.compare_digest(found.digest, wanted):
        return None
    return found
