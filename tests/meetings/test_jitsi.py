import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import jwt
import pytest

from meetings.jitsi import ALGORITHM, AUDIENCE, RoomAccess, iframe_options, room_token, room_url

ROOT = Path(__file__).resolve().parents[2]

APP_ID = "meetings"
SECRET = "an-example-secret-of-at-least-32-bytes"
DOMAIN = "meet.example.com"
ROOM = "meeting1234567890f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
STARTS_AT = datetime(2030, 3, 14, 15, 0, tzinfo=UTC)
ENDS_AT = STARTS_AT + timedelta(minutes=60)
LEEWAY = timedelta(minutes=60)
JOIN_AT = STARTS_AT - timedelta(minutes=10)


def access(**changes) -> RoomAccess:
    values = {
        "display_name": "Ada Lovelace",
        "email": "ada@example.com",
        "user_id": "invitation-34",
        "is_moderator": False,
        "mute_on_join": False,
    }
    return RoomAccess(**(values | changes))


def token(*, now=JOIN_AT, **changes) -> str | None:
    values = {
        "app_id": APP_ID,
        "app_secret": SECRET,
        "domain": DOMAIN,
        "room_name": ROOM,
        "access": access(),
        "starts_at": STARTS_AT,
        "ends_at": ENDS_AT,
        "leeway": LEEWAY,
        "now": now,
    }
    return room_token(**(values | changes))


# Prosody's token modules, as the server of docs/jitsi.md runs them.
class RoomTokenError(ValueError):
    """A room token that Jitsi's Prosody would refuse; the message says why."""


def verify_room_token(
    token: str,
    *,
    app_secret: str,
    app_id: str,
    domain: str,
    room_name: str,
    now: datetime | None = None,
) -> dict:
    """The token's claims if Jitsi's Prosody would let it into `room_name`, else RoomTokenError.

    Checks what Prosody's token modules check, configured with `app_id`,
    `app_secret`, `asap_accepted_audiences = { "jitsi" }` and domain
    verification on: header, HS256 signature, exp and nbf, iss, aud, room, sub.
    Stricter in one point: exp and nbf must be present.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise RoomTokenError("Invalid token") from error
    if header.get("typ") != "JWT":
        raise RoomTokenError("Invalid typ")
    try:
        claims = jwt.decode(
            token,
            app_secret,
            algorithms=[ALGORITHM],
            # Time is checked below against `now`; Prosody ignores iat.
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as error:
        raise RoomTokenError("Invalid signature") from error
    except jwt.InvalidTokenError as error:
        raise RoomTokenError(f"Invalid token: {error}") from error

    moment = int((now or datetime.now(UTC)).timestamp())
    for claim in ("exp", "nbf"):
        # Prosody takes a token without them as valid forever; none of ours lacks them.
        if claim not in claims:
            raise RoomTokenError(f"'{claim}' claim is missing")
        value = claims[claim]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RoomTokenError(f"{claim} must be number")
    if moment >= claims["exp"]:
        raise RoomTokenError("Not acceptable by exp")
    if moment < claims["nbf"]:
        raise RoomTokenError("Not acceptable by nbf")
    if claims.get("iss") != app_id:
        raise RoomTokenError("Invalid issuer ('iss' claim)")
    if "room" not in claims:
        raise RoomTokenError("'room' claim is missing")
    if claims.get("aud") != AUDIENCE:
        raise RoomTokenError("Invalid audience ('aud' claim)")
    # Room addresses are lower case in Prosody; it lower-cases the claim to compare.
    claimed_room = claims["room"]
    if not isinstance(claimed_room, str) or (
        claimed_room != "*" and claimed_room.lower() != room_name.lower()
    ):
        raise RoomTokenError("Token is not for this room ('room' claim)")
    claimed_domain = claims.get("sub")
    if not isinstance(claimed_domain, str) or (
        claimed_domain != "*" and claimed_domain.lower() != domain.lower()
    ):
        raise RoomTokenError("Token is not for this domain ('sub' claim)")
    return claims


def verify(value: str, *, now=JOIN_AT, **changes) -> dict:
    values = {"app_secret": SECRET, "app_id": APP_ID, "domain": DOMAIN, "room_name": ROOM}
    return verify_room_token(value, now=now, **(values | changes))


# Jitsi's react/features/base/util/parseURLParams.ts, step by step.
PARSER_BLACKLIST = {"__proto__", "constructor", "prototype"}
CURLY_QUOTES = {0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"'}


def decode_uri_component(value: str) -> str:
    # decodeURIComponent throws on a stray "%" or bytes that are not UTF-8.
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        raise ValueError(f"URIError: malformed {value!r}")
    return unquote_to_bytes(value).decode("utf-8")


def parse_url_params(url: str, *, dont_parse: bool = False, source: str = "hash") -> dict:
    parts = urlsplit(url)
    param_str = parts.query if source == "search" else parts.fragment
    pieces = param_str.split("&") if param_str else []
    if source == "hash" and len(pieces) == 1 and pieces[0].startswith("/"):
        return {}
    params = {}
    for part in pieces:
        param = part.split("=")
        key = param[0]
        if not key or any(k in PARSER_BLACKLIST for k in key.split(".")):
            continue
        value = param[1] if len(param) > 1 else "undefined"
        if not dont_parse:
            decoded = decode_uri_component(value)
            decoded = re.sub(r"\\&", "&", decoded, count=1).translate(CURLY_QUOTES)
            value = None if decoded == "undefined" else json.loads(decoded)
        params[key] = value
    return params


def test_room_url_is_the_room_on_the_server():
    url = room_url(base_url="https://meet.jit.si/", room_name=ROOM, access=access())
    assert url.startswith(f"https://meet.jit.si/{ROOM}#")
    assert urlsplit(url).query == ""


NAMES = [
    "Ada Lovelace",
    'Zoë O\'Brien & Co. "#1" 100%',
    'She said "hi" & left',
    "a\\&b then c\\&d",
    "trailing backslash \\",
    "“Curly” and ‘single’ quotes",
    "x=y&z=w",
    "#hash %25 %zz literal",
    "日本語 🎉 Ünïcödé",
    "/looks like a route",
    "undefined",
    "tab\tand\nnewline",
    "__proto__",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("is_moderator", [True, False])
def test_display_name_round_trips_through_jitsis_parser(name, is_moderator):
    url = room_url(
        base_url="https://meet.jit.si",
        room_name=ROOM,
        access=access(display_name=name, is_moderator=is_moderator),
    )
    assert parse_url_params(url)["userInfo.displayName"] == name


@pytest.mark.parametrize("name", NAMES)
def test_fragment_holds_only_characters_that_browsers_leave_alone(name):
    url = room_url(base_url="https://meet.jit.si", room_name=ROOM, access=access(display_name=name))
    assert re.fullmatch(r"[A-Za-z0-9_.~%=&-]+", urlsplit(url).fragment)


def test_moderators_start_with_microphone_and_camera_on():
    url = room_url(
        base_url="https://meet.jit.si",
        room_name=ROOM,
        access=access(is_moderator=True, mute_on_join=True),
    )
    assert url.endswith("&config.startWithAudioMuted=false&config.startWithVideoMuted=false")
    assert parse_url_params(url) == {
        "userInfo.displayName": "Ada Lovelace",
        "config.startWithAudioMuted": False,
        "config.startWithVideoMuted": False,
    }


@pytest.mark.parametrize("mute_on_join", [True, False])
def test_attendees_microphone_follows_mute_on_join_and_camera_is_theirs(mute_on_join):
    url = room_url(
        base_url="https://meet.jit.si", room_name=ROOM, access=access(mute_on_join=mute_on_join)
    )
    assert parse_url_params(url) == {
        "userInfo.displayName": "Ada Lovelace",
        "config.startWithAudioMuted": mute_on_join,
    }


def test_token_goes_in_the_query_where_jitsi_reads_it():
    value = token()
    url = room_url(base_url=f"https://{DOMAIN}", room_name=ROOM, access=access(), jwt_token=value)
    assert url.startswith(f"https://{DOMAIN}/{ROOM}?jwt={value}#")
    # Jitsi reads `jwt` from the query without decoding it.
    assert parse_url_params(url, dont_parse=True, source="search") == {"jwt": value}
    assert parse_url_params(url)["userInfo.displayName"] == "Ada Lovelace"


@pytest.mark.parametrize("value", ["", "not a token", "a.b", "a.b.c#x", "a.b.c&d=e"])
def test_room_url_refuses_what_is_not_a_token(value):
    with pytest.raises(ValueError, match="Not a JWT"):
        room_url(base_url="https://meet.jit.si", room_name=ROOM, access=access(), jwt_token=value)


def test_iframe_options_carry_the_same_name_token_and_settings():
    value = token()
    options = iframe_options(
        domain=DOMAIN,
        room_name=ROOM,
        access=access(is_moderator=True, mute_on_join=True),
        jwt_token=value,
    )
    assert options == {
        "domain": DOMAIN,
        "options": {
            "roomName": ROOM,
            "jwt": value,
            "userInfo": {"displayName": "Ada Lovelace", "email": "ada@example.com"},
            "configOverwrite": {"startWithAudioMuted": False, "startWithVideoMuted": False},
        },
    }


def test_iframe_options_without_token_or_email():
    options = iframe_options(
        domain="meet.jit.si",
        room_name=ROOM,
        access=access(email="", display_name="Zoë & Co.", mute_on_join=True),
    )["options"]
    assert options == {
        "roomName": ROOM,
        "userInfo": {"displayName": "Zoë & Co."},
        "configOverwrite": {"startWithAudioMuted": True},
    }
    # The page hands it over through json_script: plain JSON.
    assert json.loads(json.dumps(options)) == options


def test_token_claims_say_who_joins_which_room_and_when():
    value = token(access=access(user_id="guest-Qx7", email="", display_name="Zoë"))
    assert jwt.get_unverified_header(value) == {"alg": "HS256", "typ": "JWT"}
    assert verify(value) == {
        "iss": APP_ID,
        "aud": "jitsi",
        "sub": DOMAIN,
        "room": ROOM,
        "iat": int(JOIN_AT.timestamp()),
        "nbf": int((STARTS_AT - LEEWAY).timestamp()),
        "exp": int((ENDS_AT + LEEWAY).timestamp()),
        "context": {"user": {"id": "guest-Qx7", "name": "Zoë", "email": "", "moderator": "false"}},
    }


def test_moderator_claim_is_the_string_true():
    claims = verify(token(access=access(is_moderator=True)))
    assert claims["context"]["user"]["moderator"] == "true"


@pytest.mark.parametrize("missing", ["app_id", "app_secret"])
def test_no_token_without_token_authentication(missing):
    assert token(**{missing: ""}) is None


@pytest.mark.parametrize(
    "now",
    [
        STARTS_AT - LEEWAY - timedelta(seconds=1),
        ENDS_AT + LEEWAY,
        ENDS_AT + timedelta(days=1),
        STARTS_AT - timedelta(days=1),
    ],
)
def test_joins_outside_the_window_get_no_token(now):
    assert token(now=now) is None


@pytest.mark.parametrize(
    "now",
    [STARTS_AT - LEEWAY, STARTS_AT, ENDS_AT, ENDS_AT + LEEWAY - timedelta(seconds=1)],
)
def test_joins_inside_the_window_get_a_token_valid_then(now):
    assert verify(token(now=now), now=now)["room"] == ROOM


def test_naive_times_are_refused_rather_than_read_in_local_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        token(starts_at=STARTS_AT.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        token(now=JOIN_AT.replace(tzinfo=None))


def test_verifier_accepts_the_token_for_its_room():
    assert verify(token())["context"]["user"]["id"] == "invitation-34"


def test_token_for_another_room_is_refused():
    other = token(room_name="meeting987654321aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    with pytest.raises(RoomTokenError, match="'room' claim"):
        verify(other)


def test_expired_token_is_refused():
    value = token(now=ENDS_AT)
    with pytest.raises(RoomTokenError, match="Not acceptable by exp"):
        verify(value, now=ENDS_AT + LEEWAY)


def test_token_is_refused_before_it_is_valid():
    value = token(now=STARTS_AT)
    with pytest.raises(RoomTokenError, match="Not acceptable by nbf"):
        verify(value, now=STARTS_AT - LEEWAY - timedelta(seconds=1))


def test_token_signed_with_another_secret_is_refused():
    value = token(app_secret="another-secret-that-is-also-32-bytes-long")
    with pytest.raises(RoomTokenError, match="Invalid signature"):
        verify(value)


def test_tampered_token_is_refused():
    header, payload, signature = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["context"]["user"]["moderator"] = "true"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(RoomTokenError, match="Invalid signature"):
        verify(f"{header}.{forged}.{signature}")


def test_token_from_another_issuer_is_refused():
    with pytest.raises(RoomTokenError, match="'iss' claim"):
        verify(token(app_id="someone-else"))


def test_token_for_another_domain_is_refused():
    with pytest.raises(RoomTokenError, match="'sub' claim"):
        verify(token(domain="other.example.com"))


def signed(claims: dict, **headers) -> str:
    return jwt.encode(claims, SECRET, algorithm="HS256", headers=headers or None)


def valid_claims(**changes) -> dict:
    return verify(token()) | changes


def test_token_for_another_audience_is_refused():
    with pytest.raises(RoomTokenError, match="'aud' claim"):
        verify(signed(valid_claims(aud="someone-else")))


@pytest.mark.parametrize("claim", ["exp", "nbf", "room"])
def test_token_missing_a_claim_is_refused(claim):
    claims = valid_claims()
    del claims[claim]
    with pytest.raises(RoomTokenError, match=f"'{claim}' claim is missing"):
        verify(signed(claims))


def test_unsigned_token_is_refused():
    unsigned = jwt.encode(valid_claims(), None, algorithm="none")
    with pytest.raises(RoomTokenError, match="Invalid token"):
        verify(unsigned)


def test_token_with_another_type_is_refused():
    with pytest.raises(RoomTokenError, match="Invalid typ"):
        verify(signed(valid_claims(), typ="at+jwt"))


def test_wildcards_and_case_are_accepted_as_prosody_does():
    assert verify(signed(valid_claims(room="*", sub="*")))["room"] == "*"
    assert verify(signed(valid_claims(room=ROOM.upper(), sub=DOMAIN.upper())))


def doc_block(name: str) -> str:
    text = (ROOT / "docs" / "jitsi.md").read_text()
    match = re.search(rf"<!-- {name} -->\n```\w*\n(.*?)```\n<!-- /{name} -->", text, re.S)
    assert match, f"docs/jitsi.md has no {name} block"
    return match.group(1)


def test_documented_token_payload_is_what_the_code_issues():
    # The inputs the page describes: a co-host joining ten minutes early.
    value = token(
        access=access(
            display_name="Ada Lovelace",
            email="ada@example.com",
            user_id="invitation-34",
            is_moderator=True,
        )
    )
    assert verify(value) == json.loads(doc_block("example-token-payload"))


def test_documented_room_url_is_what_the_code_builds():
    url = room_url(
        base_url="https://meet.jit.si",
        room_name=ROOM,
        access=access(display_name='Zoë O\'Brien & Co. "#1"', email="", mute_on_join=True),
    )
    assert doc_block("example-room-url").strip() == url
