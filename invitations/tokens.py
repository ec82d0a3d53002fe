"""Personal join tokens: minted per email, stored only as SHA-256 digests."""

from invitations.models import Invitation, JoinToken
from meetings_site.tokens import digest, find, new_token


def mint_many(invitations: list[Invitation]) -> dict[int, tuple[str, JoinToken]]:
    """A new 256-bit token for each invitation, in one statement; the clear ones are not stored."""
    clear = {invitation.pk: new_token() for invitation in invitations}
    rows = JoinToken.objects.bulk_create(
        JoinToken(invitation_id=pk, digest=digest(token)) for pk, token in clear.items()
    )
    return {row.invitation_id: (clear[row.invitation_id], row) for row in rows}


def find_invitation(meeting_id: int, token: str) -> Invitation | None:
    """The live invitation a token opens, for this meeting only."""
    found = find(
        JoinToken.objects.select_related(
            "invitation__meeting__host", "invitation__user", "invitation__contact"
        ).filter(invitation__meeting__meeting_id=meeting_id, invitation__revoked_at__isnull=True),
        token,
    )
    return found.invitation if found else None
