"""How the cost of the busiest pages and of the reminder sweep grows with the data.

Two PostgreSQL databases of the bench's own, seeded once per run: a small one
(1,000 meetings) and a large one (200,000 meetings, one host of 10,000 of
them, and a meeting with 2,000 invitations). The same people, meetings and
invitations that the scenarios look at are in both. Each database is served by
a Django of its own in a child process, which answers requests through
Django's test client (the whole middleware stack and view, without the HTTP
server, whose cost does not grow with data) and runs the reminder sweep as
cron does.

Every comparison is the ratio of a large case's server time per request to a
small case's, measured in the same rounds. Server time is CPU time: the Django
process's plus that of the PostgreSQL backends serving it, which holds steady
when other work shares the machine, unlike the wall time, which is shown too.
The number of queries of each case is counted once; a comparison also fails
when the large case needs more of them.
"""

import io
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection

import server

SMALL_TOTAL = 1_000
LARGE_TOTAL = 200_000
BIG_HOST_MEETINGS = 10_000
MANY_INVITATIONS = 2_000
DUE_MEETINGS = 50
# The sweep again, with the reminders of only these meetings still owed.
FEW_DUE_MEETINGS = 5
OTHER_HOSTS = 100

SMALL_HOST = "ten@scaling.bench.example"
BIG_HOST = "ten-thousand@scaling.bench.example"
INVITING_HOST = "inviting@scaling.bench.example"
TIMEZONE = "Europe/Berlin"
SEARCH = "review"
# Timed calls of one case per round: at least this many, for at least this long.
MIN_CALLS = 3
MIN_SECONDS = 0.4
# Seeding 200,000 meetings takes seconds; migrating and the rest, a little more.
READY_TIMEOUT = 900
CALL_TIMEOUT = 300


class ScalingError(RuntimeError):
    """A database could not be seeded, or a case did not answer as it must."""


@dataclass(frozen=True)
class Case:
    """One request, or the reminder sweep, in one of the two databases."""

    name: str
    database: str  # "small" or "large"
    path: str = ""
    # Whose session makes the request; None: nobody logged in.
    user: str | None = None
    # The sweep instead of a request: how many of the due meetings still owe reminders.
    sweep_owed: int = 0
    # Text the page must contain, to be sure the case measures what it names.
    expect: str = ""


@dataclass(frozen=True)
class Comparison:
    name: str
    large: Case
    small: Case
    # The most the large case may cost, as a multiple of the small one; None: queries only.
    most: float | None


def _cases() -> dict[str, Case]:
    ten_list = "/meetings/?when=all"
    search = f"/meetings/?when=all&q={SEARCH}"
    return {
        case.name: case
        for case in (
            Case("list 10 / small", "small", ten_list, SMALL_HOST, expect="data-meeting-id="),
            Case("list 10 / large", "large", ten_list, SMALL_HOST, expect="data-meeting-id="),
            Case("list 10k / large", "large", ten_list, BIG_HOST, expect="data-meeting-id="),
            Case("search 10 / small", "small", search, SMALL_HOST, expect="data-meeting-id="),
            Case("search 10 / large", "large", search, SMALL_HOST, expect="data-meeting-id="),
            Case("search 10k / large", "large", search, BIG_HOST, expect="data-meeting-id="),
            Case(
                "page 400 10k / large",
                "large",
                f"{ten_list}&page=400",
                BIG_HOST,
                expect="data-meeting-id=",
            ),
            Case(
                "page past the end 10k / large",
                "large",
                f"{ten_list}&page=100000",
                BIG_HOST,
                expect="data-meeting-id=",
            ),
            Case("detail 2000 / large", "large", "{detail_many}", INVITING_HOST),
            Case("detail 2 / large", "large", "{detail_few}", INVITING_HOST),
            Case("share 2000 / large", "large", "{share_many}"),
            Case("share 2 / large", "large", "{share_few}"),
            Case("sweep / small", "small", sweep_owed=DUE_MEETINGS),
            Case("sweep / large", "large", sweep_owed=DUE_MEETINGS),
            Case("sweep, few owed / large", "large", sweep_owed=FEW_DUE_MEETINGS),
        )
    }


def _comparisons(cases: dict[str, Case]) -> list[Comparison]:
    def compare(name: str, large: str, small: str, most: float | None) -> Comparison:
        return Comparison(name, cases[large], cases[small], most)

    return [
        compare(
            "list, 10-meeting host: 200,000 vs 1,000 meetings",
            "list 10 / large",
            "list 10 / small",
            1.5,
        ),
        compare(
            "list: 10,000-meeting vs 10-meeting host", "list 10k / large", "list 10 / large", 3
        ),
        compare(
            "search, 10-meeting host: 200,000 vs 1,000",
            "search 10 / large",
            "search 10 / small",
            1.5,
        ),
        compare(
            "search: 10,000-meeting vs 10-meeting host",
            "search 10k / large",
            "search 10 / large",
            3,
        ),
        compare(
            "page 400 of 10,000 vs the 10-meeting list",
            "page 400 10k / large",
            "list 10 / large",
            3,
        ),
        compare(
            "page past the end vs the 10-meeting list",
            "page past the end 10k / large",
            "list 10 / large",
            3,
        ),
        compare(
            "host's meeting page: 2,000 vs 2 invitations",
            "detail 2000 / large",
            "detail 2 / large",
            1.5,
        ),
        compare(
            "share link page: 2,000 vs 2 invitations", "share 2000 / large", "share 2 / large", 1.2
        ),
        compare(
            "reminder sweep: 200,000 vs 1,000 meetings",
            "sweep / large",
            "sweep / small",
            1.5,
        ),
        compare(
            f"sweep queries: {DUE_MEETINGS} vs {FEW_DUE_MEETINGS} meetings owed",
            "sweep / large",
            "sweep, few owed / large",
            None,
        ),
    ]


# The parent: the bench process.


@dataclass
class Sample:
    calls: int
    # CPU time of the Django process and its PostgreSQL backends, per call.
    server_ms: float
    wall_ms: list[float]


@dataclass
class Measured:
    queries: dict[str, int] = field(default_factory=dict)
    reminders: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[Sample]] = field(default_factory=dict)


class _Worker:
    """A Django serving one database, in a child process."""

    def __init__(self, label: str, url: str, env: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self.label = label
        self.url = url
        self.env = env
        self._channel, self._child_end = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(label, env, self._child_end),
            name=f"bench-scaling-{label}",
            daemon=True,
        )

    def start(self) -> None:
        self._process.start()
        self._child_end.close()

    def receive(self, timeout: float):
        if not self._channel.poll(timeout):
            raise ScalingError(f"the {self.label} database's process did not answer in time")
        try:
            answer = self._channel.recv()
        except EOFError:
            self._process.join(5)
            raise ScalingError(
                f"the {self.label} database's process exited ({self._process.exitcode})"
            ) from None
        if isinstance(answer, Exception):
            raise ScalingError(f"{self.label} database: {answer}")
        return answer

    def call(self, *message):
        self._channel.send(message)
        return self.receive(CALL_TIMEOUT)

    def stop(self) -> None:
        with suppress(OSError):
            self._channel.send(("stop",))
        self._process.join(15)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._channel.close()


def bench(postgres_url: str, *, extra: dict[str, str], keep: bool, rounds: int) -> int:
    """Seed both databases, measure every case once per round, report; returns targets missed."""
    cases = _cases()
    comparisons = _comparisons(cases)
    urls = {label: server.derived_database(postgres_url, label) for label in ("small", "large")}
    workers = {label: _Worker(label, url, _worker_env(url, extra)) for label, url in urls.items()}
    print(
        f"Scaling on PostgreSQL: seeding {SMALL_TOTAL:,} and {LARGE_TOTAL:,} meetings"
        f" ({', '.join(server.database_name(w.url) for w in workers.values())})…",
        flush=True,
    )
    started = time.perf_counter()
    # DEBUG=false pages need the static manifest, which `--only scaling` has not built yet.
    server.manage("collectstatic", "--noinput", "--verbosity", "0", env=workers["small"].env)
    try:
        for worker in workers.values():
            server.recreate_postgres_database(worker.url)
            worker.start()
        seeded = {label: worker.receive(READY_TIMEOUT) for label, worker in workers.items()}
        print(
            "  seeded in "
            + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in seeded.items())
            + f" (both in parallel, {time.perf_counter() - started:.1f} s in all)",
            flush=True,
        )
        measured = Measured()
        for case in cases.values():
            queries, reminders = workers[case.database].call("prepare", case)
            measured.queries[case.name] = queries
            measured.reminders[case.name] = reminders
            measured.samples[case.name] = []
        order = list(cases.values())
        for number in range(rounds):
            shift = number * 3 % len(order)
            for case in order[shift:] + order[:shift]:
                sample = workers[case.database].call("measure", case)
                measured.samples[case.name].append(sample)
            print(f"  round {number + 1}/{rounds} done", flush=True)
    finally:
        for worker in workers.values():
            worker.stop()
            if not keep:
                with suppress(Exception):
                    server.drop_postgres_database(worker.url)
    return report(comparisons, measured)


def _worker_env(url: str, extra: dict[str, str]) -> dict[str, str]:
    env = server.production_env(port=8000, database_url=url, extra=extra)
    env.update(
        {
            # Django's test client names this host.
            "ALLOWED_HOSTS": "testserver",
            # The sweep renders every reminder; sending it is not what grows with data.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # One connection for the whole run: the CPU time of its backend is counted.
            "CONN_MAX_AGE": "86400",
        }
    )
    return env


def report(comparisons: list[Comparison], measured: Measured) -> int:
    width = max(len(comparison.name) for comparison in comparisons)
    header = (
        f"{'scaling (PostgreSQL)':<{width}}  {'large ms':>8}  {'small ms':>8}  {'ratio':>5}"
        f"  {'most':>5}  {'queries':>7}  {'wall ms':>11}  result  per round"
    )
    print()
    print(header)
    print("-" * len(header))
    missed = 0
    for comparison in comparisons:
        large = measured.samples[comparison.large.name]
        small = measured.samples[comparison.small.name]
        ratios = [
            big.server_ms / little.server_ms if little.server_ms else 0.0
            for big, little in zip(large, small, strict=True)
        ]
        ratio = statistics.median(ratios)
        queries = measured.queries[comparison.large.name], measured.queries[comparison.small.name]
        passed = queries[0] <= queries[1] and (comparison.most is None or ratio <= comparison.most)
        missed += not passed
        walls = [
            statistics.median(ms for sample in samples for ms in sample.wall_ms)
            for samples in (large, small)
        ]
        most = f"{comparison.most:.2f}" if comparison.most is not None else "-"
        print(
            f"{comparison.name:<{width}}"
            f"  {statistics.median(s.server_ms for s in large):>8.2f}"
            f"  {statistics.median(s.server_ms for s in small):>8.2f}  {ratio:>5.2f}  {most:>5}"
            f"  {f'{queries[0]}/{queries[1]}':>7}  {f'{walls[0]:.1f}/{walls[1]:.1f}':>11}"
            f"  {'PASS' if passed else 'FAIL':<6}  {' '.join(f'{r:.2f}' for r in ratios)}"
        )
    print()
    print("large ms, small ms: server time per request or sweep (CPU time of Django and of its")
    print("PostgreSQL backends), medians over rounds; ratio: median of the per-round ratios")
    print("queries: per request or sweep, large/small; wall ms: median wall time, large/small")
    for name in ("sweep / small", "sweep / large", "sweep, few owed / large"):
        sent, queries = measured.reminders[name], measured.queries[name]
        per = f"{queries / sent:.2f} per reminder" if sent else "none sent"
        print(f"  {name}: {sent} reminders, {queries} queries ({per})")
    return missed


# The child: one database's Django.


def _serve(label: str, env: dict[str, str], channel: Connection) -> None:
    """Seed the database, then answer the bench's calls until it says stop."""
    import signal

    # Ctrl-C reaches the whole process group; the bench stops this process in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(env)
    sys.path.insert(0, str(server.ROOT))
    try:
        started = time.perf_counter()
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        runner = _Runner(_seed(large=label == "large"))
        channel.send(time.perf_counter() - started)
    except Exception as error:
        channel.send(ScalingError(f"{type(error).__name__}: {error}"))
        return
    try:
        while True:
            message = channel.recv()
            if message[0] == "stop":
                break
            try:
                if message[0] == "prepare":
                    channel.send(runner.prepare(message[1]))
                else:
                    channel.send(runner.measure(message[1]))
            except Exception as error:
                channel.send(ScalingError(f"{message[1].name}: {type(error).__name__}: {error}"))
    except EOFError:
        pass  # the bench went away


@dataclass(frozen=True)
class Seeded:
    paths: dict[str, str]
    due_meetings: list[int]


def _seed(*, large: bool) -> Seeded:
    """The people and meetings the cases look at, then enough others to reach the total."""
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from accounts.models import User
    from invitations.models import Invitation
    from invitations.services import invitations_send
    from meetings.models import Meeting
    from meetings.services import meetings_complete_overdue

    now = timezone.now().replace(second=0, microsecond=0)
    small_host = _user(SMALL_HOST)
    inviting = _user(INVITING_HOST)
    others = User.objects.bulk_create(
        User(email=f"other{n}@scaling.bench.example", first_name="Other", timezone=TIMEZONE)
        for n in range(OTHER_HOSTS)
    )
    # Nothing is due in the days around now but the meetings made due on purpose.
    upcoming = now + timedelta(days=4)

    def create(host, title: str, starts_at) -> Meeting:
        from meetings.services import meeting_create

        return meeting_create(
            host=host, title=title, starts_at=starts_at, duration=60, timezone_name=TIMEZONE
        )

    # The 10-meeting host: half upcoming, half past; two match the search.
    mine = [
        create(small_host, ("Design review" if n < 2 else "Standup") + f" {n}", upcoming)
        for n in range(10)
    ]
    for n, meeting in enumerate(mine):
        offset = timedelta(days=3 + n) if n % 2 else -timedelta(days=3 + n)
        _move(meeting, now + offset)
    # ...and invited to three meetings of other hosts, listed as well.
    for n in range(3):
        meeting = create(others[n], f"Planning {n}", upcoming + timedelta(days=n))
        invitations_send(meeting=meeting, recipients=[("Ten", SMALL_HOST)])
    # A meeting with 2,000 invitations and one with 2, of a third host.
    many = create(inviting, "All hands", upcoming)
    few = create(inviting, "One to one", upcoming)
    invitations_send(
        meeting=few,
        recipients=[("Ann Few", "ann@few.bench.example"), ("Bob Few", "bob@few.bench.example")],
    )
    invitations_send(meeting=many, recipients=[("Guest 0", "guest0@many.bench.example")])
    _clone_invitations(many, count=MANY_INVITATIONS - 1)
    # Due: the 24-hour reminder of each, to its host and one invitee.
    due = []
    for n in range(DUE_MEETINGS):
        meeting = create(others[n % OTHER_HOSTS], f"Due {n}", now + timedelta(hours=3, minutes=n))
        invitations_send(meeting=meeting, recipients=[(f"Due {n}", f"due{n}@bench.example")])
        due.append(meeting.pk)
    long_ago = now - timedelta(days=3)
    Meeting.objects.filter(pk__in=due).update(created_at=long_ago)
    Invitation.objects.filter(meeting__in=due).update(created_at=long_ago)
    # Delivered: the sweep also queues again what looks stranded, which is not measured here.
    Invitation.objects.update(delivery_state=Invitation.Delivery.SENT, sent_at=now)

    total = LARGE_TOTAL if large else SMALL_TOTAL
    next_id = 900_000_000
    # The copies take the IDs from here on; a drawn one in their way moves aside.
    Meeting.objects.filter(meeting_id__gte=next_id, meeting_id__lt=next_id + 1_000_000).update(
        meeting_id=F("meeting_id") - 1_000_000
    )
    if large:
        big = _user(BIG_HOST)
        next_id = _clone_meetings(mine[0], [big.pk], BIG_HOST_MEETINGS, next_id, now)
    rest = total - Meeting.objects.count()
    _clone_meetings(mine[0], [user.pk for user in others], rest, next_id, now)
    # Past meetings are completed, as the every-minute sweep leaves them: the timed
    # sweeps find none left open, as in a site whose worker keeps up.
    while meetings_complete_overdue(now=now):
        pass
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Seeded(
        paths={
            "detail_many": many.get_absolute_url(),
            "detail_few": few.get_absolute_url(),
            "share_many": f"/join/{many.invitation_token}/",
            "share_few": f"/join/{few.invitation_token}/",
        },
        due_meetings=due,
    )


def _user(email: str):
    from accounts.models import User

    return User.objects.create_user(
        email, password=None, first_name="Bench", last_name="Host", timezone=TIMEZONE
    )


def _move(meeting, starts_at) -> None:
    """A meeting moved in time, past ones included, which no service would do."""
    from meetings.models import Meeting

    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=meeting.duration)
    )


def _insert_copies(model, template_pk: int, computed: dict[str, str], joins: str, params) -> int:
    """Copies of a template row made by the database itself, INSERT ... SELECT.

    Columns named in `computed` (by attname) take that SQL expression; every
    other column is the template's, so that a column added later needs nothing here.
    """
    from django.db import connection

    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(computed.get(f.attname, f"t.{quote(f.column)}") for f in fields)
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table} t {joins}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, {"template": template_pk, **params})
        return cursor.rowcount


def _clone_meetings(template, hosts: list[int], count: int, next_id: int, now) -> int:
    """`count` meetings of `hosts`, half before and half after the days around now.

    Returns the next free meeting ID.
    """
    from meetings.models import Meeting

    half = count // 2
    for number, first, step in (
        (half, now - timedelta(days=3), -timedelta(days=365) / max(half, 1)),
        (count - half, now + timedelta(days=5), timedelta(days=365) / max(count - half, 1)),
    ):
        starts = "(%(first)s::timestamptz + (n - 1) * %(step)s::interval)"
        # Unique and in order: each index takes the copies at its end, where random
        # values would scatter them over the whole index and take several times longer.
        number_hex = "lpad(to_hex(%(first_id)s + n), 32, '0')"
        _insert_copies(
            Meeting,
            template.pk,
            {
                "host_id": "(%(hosts)s::bigint[])[1 + mod(n, cardinality(%(hosts)s::bigint[]))]",
                "title": "CASE WHEN mod(n, 10) = 0 THEN 'Design review ' ELSE 'Weekly sync ' END"
                " || n",
                "starts_at": starts,
                "ends_at": f"{starts} + t.duration * interval '1 minute'",
                "meeting_id": "%(first_id)s + n",
                "invitation_token": f"'share-' || {number_hex}",
                "access_token": f"'room-' || {number_hex}",
                "uid": f"{number_hex}::uuid",
            },
            "CROSS JOIN generate_series(1, %(count)s) AS n WHERE t.id = %(template)s",
            {"hosts": hosts, "count": number, "first": first, "step": step, "first_id": next_id},
        )
        next_id += number + 1
    return next_id


def _clone_invitations(meeting, *, count: int) -> None:
    """`count` more contacts of the meeting's host, each invited like the first invitee."""
    from contacts.models import Contact
    from invitations.models import Invitation

    template = Invitation.objects.get(meeting=meeting)
    _insert_copies(
        Contact,
        template.contact_id,
        {
            "email": "'guest' || n || '@many.bench.example'",
            "first_name": "'Guest'",
            "last_name": "'Number ' || n",
        },
        "CROSS JOIN generate_series(1, %(count)s) AS n WHERE t.id = %(template)s",
        {"count": count},
    )
    _insert_copies(
        Invitation,
        template.pk,
        {"contact_id": "c.id", "email": "c.email", "name": "c.first_name || ' ' || c.last_name"},
        "JOIN contacts_contact c ON c.owner_id = %(owner)s AND c.id <> t.contact_id"
        " AND c.email LIKE %(pattern)s WHERE t.id = %(template)s",
        {"owner": meeting.host_id, "pattern": "%@many.bench.example"},
    )


class _Runner:
    """Runs the cases of one database."""

    def __init__(self, seeded: Seeded) -> None:
        from django.test import Client

        self._seeded = seeded
        self._clients: dict[str | None, Client] = {}

    def _client(self, email: str | None):
        from django.test import Client

        from accounts.models import User

        if email not in self._clients:
            client = Client(raise_request_exception=True)
            if email is not None:
                client.force_login(User.objects.get(email=email))
            self._clients[email] = client
        return self._clients[email]

    def _call(self, case: Case) -> Callable[[], None]:
        """The case as a function that runs it once and checks its answer."""
        if case.sweep_owed:
            return lambda: self._sweep()
        client = self._client(case.user)
        path = case.path.format(**self._seeded.paths)

        def get() -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise ScalingError(f"GET {path} answered {response.status_code}, expected 200")
            if case.expect and case.expect.encode() not in response.content:
                raise ScalingError(f"GET {path}: {case.expect!r} is not in the page")

        return get

    def _sweep(self) -> None:
        from django.core.management import call_command

        call_command("send_reminders", stdout=io.StringIO())

    def _owe(self, case: Case) -> int:
        """Reminders owed again for `case.sweep_owed` of the due meetings; returns how many."""
        from invitations.models import ReminderSent

        owed = self._seeded.due_meetings[: case.sweep_owed]
        if case.sweep_owed < len(self._seeded.due_meetings):
            # The others' reminders are taken, as a sweep that just ran would leave them.
            self._sweep()
        claims = ReminderSent.objects.filter(meeting__in=owed)
        count = claims.count()
        claims.delete()
        return count

    def prepare(self, case: Case) -> tuple[int, int]:
        """Warm the case up, then count its queries (and the reminders a sweep sends)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from invitations.models import ReminderSent

        call = self._call(case)
        if case.sweep_owed:
            self._owe(case)
        call()
        if case.sweep_owed:
            self._owe(case)
        before = ReminderSent.objects.count() if case.sweep_owed else 0
        with CaptureQueriesContext(connection) as queries:
            call()
        sent = ReminderSent.objects.count() - before if case.sweep_owed else 0
        return len(queries), sent

    def measure(self, case: Case) -> Sample:
        call = self._call(case)
        walls = []
        cpu = 0.0
        started = time.perf_counter()
        while len(walls) < MIN_CALLS or time.perf_counter() - started < MIN_SECONDS:
            if case.sweep_owed:
                self._owe(case)
            before_db = self._database_cpu()
            before = time.process_time(), time.perf_counter()
            call()
            after = time.process_time(), time.perf_counter()
            cpu += after[0] - before[0] + self._database_cpu() - before_db
            walls.append((after[1] - before[1]) * 1000)
        return Sample(calls=len(walls), server_ms=cpu / len(walls) * 1000, wall_ms=walls)

    @staticmethod
    def _database_cpu() -> float:
        from django.conf import settings

        seconds = server.postgres_backends_cpu_seconds(settings.DATABASES["default"]["NAME"])
        return seconds or 0.0


if __name__ == "__main__":
    sys.exit("Run bench/run.py --only scaling, with a PostgreSQL --database-url.")
