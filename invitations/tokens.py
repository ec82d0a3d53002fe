"""Personal join tokens: minted per email, stored only as SHA-256 digests."""

import hashlib
import secrets

from invitations.models import Invitation, JoinToken

# token_urlsafe(32) is 43 characters; anything much longer is not ours.
MAX_TOKEN_LENGTH = 64


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_many(invitations: list[Invitation]) -> dict[int, tuple[str, JoinToken]]:
    """A new 256-bit token for each invitation, in one statement; the clear ones are not stored."""
    clear = {invitation.pk: secrets.token_urlsafe(32) for invitation in invitations}
    rows = JoinToken.objects.bulk_create(
        JoinToken(invitation_id=pk, digest=digest(token)) for pk, token in clear.items()
    )
    return {row.invitation_id: (clear[row.invitation_id], row) for row in rows}


def find_invitation(meeting_id: int, token: str) -> Invitation | None:
    """The live invitation a token opens, for this meeting only.

    The lookup is by digest, so how long the database takes to answer says
    nothing about the token itself.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = (
        JoinToken.objects.select_related(
            "invitation__meeting__host", "invitation__user", "invitation__contact"
        )
        .filter(
            digest=digest(token),
            invitation__meeting__meeting_id=meeting_id,
            invitation__revoked_at__isnull=True,
        )
        .first()
    )
    return found.invitation if found else None
