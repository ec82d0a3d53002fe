"""Who a person is in a Jitsi room: the room URL, the IFrame API options, the JWT.

Pure functions over plain values, so that the room view and the personalized
link build the same room entry, and tests need no database. The server side of
token authentication is described in docs/jitsi.md.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jwt

# Prosody's token module verifies HS256 with the shared secret by default.
ALGORITHM = "HS256"
# The audience Jitsi's token documentation hard-codes.
AUDIENCE = "jitsi"

# Jitsi's hash parser rewrites these after decoding and before JSON.parse: the
# first "\&" becomes "&", curly quotes become straight ones. Written as JSON
# escapes they survive untouched and JSON.parse restores them.
_REWRITTEN_BY_PARSER = {
    ord("&"): "\\u0026",
    ord("\u2018"): "\\u2018",
    ord("\u2019"): "\\u2019",
    ord("\u201c"): "\\u201c",
    ord("\u201d"): "\\u201d",
}
# What may appear in a JWT without encoding; Jitsi reads `?jwt=` without decoding it.
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True, kw_only=True)
class RoomAccess:
    """One person entering one room: who they are and what the room should do for them."""

    display_name: str
    # May be empty: visitors who joined by ID and passcode give no address.
    email: str
    # Stable across joins ("user-12", "invitation-34", "guest-<random>") so that
    # Jitsi's statistics and the attendance records can be matched.
    user_id: str
    is_moderator: bool
    # The meeting's "mute on join" setting; it applies to attendees only.
    mute_on_join: bool
    # The meeting's "allow name change in the room" setting; attendees only.
    allow_name_change: bool = True


def start_config(access: RoomAccess) -> dict[str, bool]:
    """The `config.js` overrides a person enters with.

    Moderators start with microphone and camera on: they run the meeting. For
    attendees "mute on join" is about sound, as in other meeting tools; the camera
    is left to the server's default and the person's own choice.
    """
    if access.is_moderator:
        return {"startWithAudioMuted": False, "startWithVideoMuted": False}
    config = {"startWithAudioMuted": access.mute_on_join}
    if not access.allow_name_change:
        # Jitsi's config.js `readOnlyName`: the name confirmed on our page stays.
        config["readOnlyName"] = True
    return config


def _hash_value(value: Any) -> str:
    """One value after `#`, as Jitsi's parseURLParams reads it back.

    Jitsi splits the hash on "&" and "=", then runs decodeURIComponent and
    JSON.parse on each value; percent-encoding every reserved character keeps
    "&", "=", "#" and "%" in a name from being taken for separators.
    """
    text = json.dumps(value, ensure_ascii=False).translate(_REWRITTEN_BY_PARSER)
    return quote(text, safe="")


def room_url(
    *, base_url: str, room_name: str, access: RoomAccess, jwt_token: str | None = None
) -> str:
    """The room's address for a new tab, carrying the person's name, start settings and token."""
    url = f"{base_url.rstrip('/')}/{quote(room_name, safe='')}"
    if jwt_token is not None:
        if not _JWT_SHAPE.fullmatch(jwt_token):
            raise ValueError("Not a JWT in compact form.")
        url += f"?jwt={jwt_token}"
    params = {"userInfo.displayName": access.display_name}
    params.update({f"config.{key}": value for key, value in start_config(access).items()})
    return url + "#" + "&".join(f"{key}={_hash_value(value)}" for key, value in params.items())


def iframe_options(
    *, domain: str, room_name: str, access: RoomAccess, jwt_token: str | None = None
) -> dict[str, Any]:
    """What the embedded room needs: `new JitsiMeetExternalAPI(domain, options)`.

    Returned as {"domain": ..., "options": ...} for the page's JSON script; the
    page adds parentNode, width and height, which only the browser knows. The
    same name, token and start settings as `room_url`, so the two ways in agree.
    """
    user_info = {"displayName": access.display_name}
    if access.email:
        user_info["email"] = access.email
    options: dict[str, Any] = {"roomName": room_name}
    if jwt_token is not None:
        options["jwt"] = jwt_token
    options["userInfo"] = user_info
    options["configOverwrite"] = start_config(access)
    return {"domain": domain, "options": options}


def _timestamp(moment: datetime, name: str) -> int:
    # A naive datetime would be read in the server's local time: a token off by hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")
    return int(moment.timestamp())


def room_token(
    *,
    app_id: str,
    app_secret: str,
    domain: str,
    room_name: str,
    access: RoomAccess,
    starts_at: datetime,
    ends_at: datetime,
    leeway: timedelta,
    now: datetime | None = None,
) -> str | None:
    """A JWT that lets this person into this room on a server with token authentication.

    Valid from `leeway` before the start to `leeway` after the scheduled end, so
    that a token copied out of a room link stops working once the meeting is
    over. None when token authentication is not configured, or when the join
    falls outside that window: Prosody would refuse such a token anyway.
    """
    if not app_id or not app_secret:
        return None
    now = now or datetime.now(UTC)
    issued_at = _timestamp(now, "now")
    not_before = _timestamp(starts_at - leeway, "starts_at")
    expires_at = _timestamp(ends_at + leeway, "ends_at")
    # The same bounds as Prosody's: refused before nbf and from exp on.
    if not not_before <= issued_at < expires_at:
        return None
    payload = {
        "iss": app_id,
        "aud": AUDIENCE,
        "sub": domain,
        "room": room_name,
        "iat": issued_at,
        "nbf": not_before,
        "exp": expires_at,
        "context": {
            "user": {
                "id": access.user_id,
                "name": access.display_name,
                "email": access.email,
                # A string: Prosody's token_affiliation module compares with "true".
                "moderator": "true" if access.is_moderator else "false",
            }
        },
    }
    return jwt.encode(payload, app_secret, algorithm=ALGORITHM)
