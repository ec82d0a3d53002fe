"""A participant's own way into a meeting's video room: the URL, the token, the embed options.

The room page, the personal link endpoint and every Join button use these, so
that everyone enters under their own name and with their own role.
"""

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings

from meetings import jitsi
from meetings.access import Participant
from meetings.models import Meeting


def _access(meeting: Meeting, participant: Participant, session_key: str = "") -> jitsi.RoomAccess:
    if participant.user_id:
        user_id = f"user-{participant.user_id}"
    elif participant.invitation_id:
        user_id = f"invitation-{participant.invitation_id}"
    else:
        # Stable for the visitor's session, meaningless outside it.
        user_id = "guest-" + hashlib.sha256(f"{session_key}:{meeting.pk}".encode()).hexdigest()[:16]
    return jitsi.RoomAccess(
        display_name=participant.display_name,
        email=participant.email,
        user_id=user_id,
        is_moderator=participant.is_moderator,
        mute_on_join=meeting.mute_on_join,
        allow_name_change=meeting.allow_name_change,
    )


def _token(meeting: Meeting, access: jitsi.RoomAccess) -> str | None:
    """A JWT for a self-hosted server with token authentication; None on the public one."""
    return jitsi.room_token(
        app_id=settings.JITSI_APP_ID,
        app_secret=settings.JITSI_APP_SECRET,
        domain=settings.JITSI_DOMAIN,
        room_name=meeting.room_name,
        access=access,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        leeway=timedelta(minutes=settings.JITSI_TOKEN_LEEWAY_MINUTES),
    )


def room_url(meeting: Meeting, participant: Participant, session_key: str = "") -> str:
    """Where this participant's video call is: their own Jitsi link, or the call elsewhere."""
    if meeting.provider != Meeting.Provider.JITSI:
        return meeting.video_call_url
    access = _access(meeting, participant, session_key)
    return jitsi.room_url(
        base_url=settings.JITSI_BASE_URL,
        room_name=meeting.room_name,
        access=access,
        jwt_token=_token(meeting, access),
    )


def embed_config(meeting: Meeting, participant: Participant, session_key: str = "") -> dict:
    """What the room page hands to the IFrame API: the same name, token and settings."""
    access = _access(meeting, participant, session_key)
    return jitsi.iframe_options(
        domain=urlsplit(settings.JITSI_BASE_URL).netloc,
        room_name=meeting.room_name,
        access=access,
        jwt_token=_token(meeting, access),
    )
