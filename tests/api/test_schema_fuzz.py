"""Schemathesis holds the JSON API to its own OpenAPI schema, as issue 10 asks.

The schema is read live from /api/openapi.json, served by the site's WSGI
application in this process, and every operation is called with generated
requests, valid and invalid, as a host with meetings sending a personal API
token. In-process rather than through a live server: the requests run inside
the test's transaction, on SQLite and PostgreSQL alike, with nothing to start.

Bounded for CI: a fixed number of examples per operation, derandomized, so a
run is repeatable and a failure comes back the same on the next run. A second
test runs sequences (create, then read, change, join, cancel) along the links
the schema declares from each answer to the operations it leads to.
"""

import re
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import strategies as st

from accounts import services as accounts_services
from invitations.models import Invitation
from tests.factories import MeetingFactory, UserFactory

# The checks issue 10 names, in the fuzzing and the stateful runs alike.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "ignored_auth",
)
MAX_EXAMPLES = 30
# The schema says what JSON Schema can of each body: lengths, ranges, choices, required fields,
# text that is not blank, on one line, without NUL. The rules below it cannot say, so a body
# valid by the schema may still be refused (400) for them, and for them only: each operation's
# fields and the reasons each may give. tests/api covers these rules one by one.
_START = r"in the past|within \d+ years|does not exist on"  # relative to the clock, and DST gaps
_MEETING_BEYOND_THE_SCHEMA = {
    # Relative to now: the clock moves, a schema does not.
    "starts_at": _START,
    "scheduledAt": _START,
    # Offered only to a host whose Google account is connected.
    "provider": r"google_meet|Google",
    # Django's URL syntax (a bare host is taken as http://) is no JSON Schema format; and the
    # link is required, and https://, with the external provider, which on a change may be the
    # meeting's own.
    "external_url": r"valid URL|Paste the link|https://",
    # The zones of the server's tz database (and their old names): some six hundred values,
    # which as an enum the coverage phase would send one by one.
    "timezone": r"valid choice",
}
BEYOND_THE_SCHEMA = {
    "POST /api/meetings": _MEETING_BEYOND_THE_SCHEMA,
    "POST /api/meetings/create": _MEETING_BEYOND_THE_SCHEMA,
    "PUT /api/meetings/{meeting_id}": _MEETING_BEYOND_THE_SCHEMA,
    "PATCH /api/meetings/{meeting_id}": _MEETING_BEYOND_THE_SCHEMA,
    # The invite page's address list: Django's email rules, `Ada <ada@example.com>`, several
    # to an item (commas, semicolons), blank items skipped, at most 200 people in all.
    "POST /api/meetings/{meeting_id}/send-invitations": {
        "emails": r"not valid email addresses|at least one|at most",
    },
    # Who may send what depends on the caller: the host's notes, an attendee's rating.
    "POST /api/meetings/{meeting_id}/complete": {
        "rating": "Hosts do not",
        "feedback": "Hosts do not",
    },
    # A booking type's own rules: its free starts and offered durations, the questions it asks;
    # and the guest's zone and address as above.
    "POST /api/bookings/{handle}/{slug}": {
        "start": r".",
        "duration": r".",
        "subject": r".",
        "notes": r".",
        "timezone": r".",
        "email": r"valid email",
    },
}


# A meeting that was cancelled, has ended or whose links expired is gone (410) for joining
# and rating, whatever the request: its state decides, as sequences reach it (create, cancel,
# join by ID and password).
GONE_OPERATIONS = {
    "POST /api/meetings/join",
    "POST /api/meetings/{meeting_id}/join",
    "POST /api/meetings/{meeting_id}/complete",
}
# What valid data may get on those operations: 400 (held by the check below to the rules listed
# above) and 410 beside the statuses positive_data_acceptance expects by default.
_VALID_DATA_STATUSES = {
    label: [
        "2XX",
        401,
        403,
        404,
        409,
        429,
        *([400] if label in BEYOND_THE_SCHEMA else []),
        *([410] if label in GONE_OPERATIONS else []),
    ]
    for label in [*BEYOND_THE_SCHEMA, *sorted(GONE_OPERATIONS - BEYOND_THE_SCHEMA.keys())]
}


@schemathesis.check
def refused_only_for_rules_beyond_the_schema(ctx, response, case):
    """Valid data by the schema refused with 400 names only the rules the schema cannot say."""
    rules = BEYOND_THE_SCHEMA.get(case.operation.label)
    if (
        rules is None
        or response.status_code != 400
        or case.meta is None
        or not case.meta.generation.mode.is_positive
    ):
        return None
    fields = response.json().get("fields") or {}
    unexplained = {
        name: reason
        for name, reason in fields.items()
        if name not in rules or not re.search(rules[name], reason)
    }
    if not fields or unexplained:
        raise AssertionError(
            f"Valid data refused for a rule the schema could say: {unexplained or response.json()}"
        )
    return True


# The seeded meetings' IDs, which the generated paths draw from beside random text.
_known_ids: list[str] = []


@pytest.fixture
def fuzz_data(db, settings):
    """A host with meetings (one started, one with an invitee and a share link), an invitee,
    a stranger's meeting, and the host's personal API token."""
    # Every request is the same caller from the same address: the limits would soon answer
    # 429 (documented, so allowed) instead of exercising the endpoint.
    settings.API_REQUESTS_PER_CALLER = settings.API_REQUESTS_PER_ADDRESS = 1_000_000
    settings.MEETING_LOOKUP_FAILURES_PER_USER = 1_000_000
    settings.MEETING_LOOKUP_FAILURES_PER_ADDRESS = 1_000_000
    settings.PASSCODE_ATTEMPTS_PER_MEETING = settings.PASSCODE_ATTEMPTS_PER_ADDRESS = 1_000_000
    host = UserFactory(email="host@example.com")
    invitee = UserFactory(email="invitee@example.com")
    stranger = UserFactory(email="stranger@example.com")
    now = timezone.now()
    meetings = [
        MeetingFactory(host=host, title="Weekly sync", passcode="012345"),
        MeetingFactory(host=host, title="Started", starts_at=now - timedelta(minutes=5)),
        MeetingFactory(host=stranger, title="Not yours"),
    ]
    Invitation.objects.create(meeting=meetings[0], user=invitee, email=invitee.email)
    _, token = accounts_services.api_token_create(user=host, name="schemathesis")
    _known_ids[:] = [str(m.meeting_id) for m in meetings] + [meetings[0].formatted_meeting_id]
    yield {"host": host, "meetings": meetings, "token": token}
    _known_ids.clear()


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, keeping the test's database connection across requests.

    Django's handler closes a connection that is inside a transaction at the end of each
    request; the test client disconnects that for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, fuzz_data):
    config = schemathesis.Config.from_dict(
        {
            "seed": 10,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
            },
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                "refused_only_for_rules_beyond_the_schema": {"enabled": True},
            },
            "headers": {"Authorization": f"Bearer {fuzz_data['token']}"},
            # Sequences follow the links the schema declares, the flows docs/api.md describes;
            # none guessed from the fields' names (a booking after a join link).
            "phases": {"stateful": {"inference": {"algorithms": []}}},
            "operations": [
                {
                    "include-name": [label],
                    "checks": {"positive_data_acceptance": {"expected-statuses": statuses}},
                }
                for label, statuses in _VALID_DATA_STATUSES.items()
            ],
        }
    )
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app, config=config)
    loaded.hook(flatmap_path_parameters)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    # schemathesis 4.32's from_fixture renames the test through `node._nodeid`, which
    # pytest 9.2's items no longer have until read; give it the id it expects.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def flatmap_path_parameters(context, path_parameters):
    """Half the time, a meeting that exists (in either spelling) instead of random text."""
    if not path_parameters or "meeting_id" not in path_parameters or not _known_ids:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.sampled_from(_known_ids).map(lambda known: {**path_parameters, "meeting_id": known}),
    )


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_api_holds_to_its_schema(case, fuzz_data):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_data['token']}"})


# The links the schema declares: (operation, status, name, target operation).
MEETING_LINK_TARGETS = {
    "GetMeeting": "GET /api/meetings/{meeting_id}",
    "UpdateMeeting": "PUT /api/meetings/{meeting_id}",
    "PatchMeeting": "PATCH /api/meetings/{meeting_id}",
    "CancelMeeting": "DELETE /api/meetings/{meeting_id}",
    "JoinMeeting": "POST /api/meetings/{meeting_id}/join",
    "MeetingLink": "GET /api/meetings/{meeting_id}/link",
    "CompleteMeeting": "POST /api/meetings/{meeting_id}/complete",
    "SendInvitations": "POST /api/meetings/{meeting_id}/send-invitations",
    "ListInvitations": "GET /api/meetings/{meeting_id}/invitations",
    "OpenShareLink": "GET /api/meetings/invitation/{token}",
    "JoinByIdAndPassword": "POST /api/meetings/join",
}
DECLARED_LINKS = {
    *(
        (source, "201", name, target)
        for source in ("POST /api/meetings", "POST /api/meetings/create")
        for name, target in MEETING_LINK_TARGETS.items()
    ),
    ("PUT /api/meetings/{meeting_id}", "200", "GetMeeting", MEETING_LINK_TARGETS["GetMeeting"]),
    ("PATCH /api/meetings/{meeting_id}", "200", "GetMeeting", MEETING_LINK_TARGETS["GetMeeting"]),
    (
        "POST /api/meetings/{meeting_id}/join",
        "200",
        "CompleteMeeting",
        "POST /api/meetings/{meeting_id}/complete",
    ),
    (
        "POST /api/meetings/{meeting_id}/send-invitations",
        "200",
        "ListInvitations",
        "GET /api/meetings/{meeting_id}/invitations",
    ),
    ("POST /api/contacts", "201", "UpdateContact", "PATCH /api/contacts/{contact_id}"),
    ("POST /api/contacts", "201", "DeleteContact", "DELETE /api/contacts/{contact_id}"),
    (
        "PATCH /api/contacts/{contact_id}",
        "200",
        "UpdateContact",
        "PATCH /api/contacts/{contact_id}",
    ),
    (
        "PATCH /api/contacts/{contact_id}",
        "200",
        "DeleteContact",
        "DELETE /api/contacts/{contact_id}",
    ),
    (
        "GET /api/bookings/{handle}/{slug}/slots",
        "200",
        "BookFirstSlot",
        "POST /api/bookings/{handle}/{slug}",
    ),
}


def _transition(source: str, status: str, name: str, target: str) -> str:
    """How schemathesis names a transition along a link."""
    return f"{source} -> [{status}] {name} -> {target}"


def test_the_schema_declares_the_documented_links(client, db):
    """Each documented flow is a link of /api/openapi.json, to an operation that exists, with
    the parameters that operation takes."""
    schema = client.get("/api/openapi.json").json()
    operations = {
        operation["operationId"]: (f"{method.upper()} {path}", operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    declared = set()
    for label, operation in operations.values():
        for status, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                target, target_operation = operations[link["operationId"]]
                declared.add((label, status, name, target))
                taken = {parameter["name"] for parameter in target_operation["parameters"]}
                assert set(link.get("parameters", {})) <= taken, (label, name)
                assert link.get("parameters") or link.get("requestBody"), (label, name)
    assert declared == DECLARED_LINKS
    created = schema["paths"]["/api/meetings"]["post"]["responses"]["201"]["links"]
    assert created["GetMeeting"]["parameters"] == {"meeting_id": "$response.body#/meeting_id"}
    assert created["OpenShareLink"]["parameters"] == {"token": "$response.body#/invitation_token"}


def test_the_schema_is_valid_openapi(api_schema):
    api_schema.validate()


def test_api_holds_to_its_schema_in_sequences(api_schema, fuzz_data):
    """Stateful: create, then read, change, join and cancel what was created, along the links
    the schema declares; each of them is a rule of the run, and the run follows them."""
    workflow = api_schema.as_state_machine()
    # Every answer a declared link starts from keeps what it gave for the steps after it.
    assert {f"{source} -> {status}" for source, status, *_ in DECLARED_LINKS} <= set(
        workflow.bundles
    )
    followed = set()

    class Workflow(workflow):
        # Each scenario starts from the seeded data: replayed, it meets the same answers
        # (a contact's address is free again), as Hypothesis requires.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def step(self, input):
            if input.transition is not None and input.is_applied:
                followed.add(input.transition.id)
            return super().step(input)

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=25,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    # Only declared links were followed, and along them the run reached most of the
    # operations they lead to (the booking pages' only with a booking type, which these
    # data lack). Whether a step applies a link's value is drawn apart from the run's
    # seed, so a run may miss one target or two; it cannot miss most of them.
    assert followed <= {_transition(*declared) for declared in DECLARED_LINKS}
    reached = {transition.rsplit(" -> ", 1)[1] for transition in followed}
    targets = {target for *_, target in DECLARED_LINKS} - {"POST /api/bookings/{handle}/{slug}"}
    assert len(reached) >= 3 * len(targets) // 4, sorted(targets - reached)
