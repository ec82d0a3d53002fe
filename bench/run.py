"""Throughput of the hot pages and of invitation delivery, each as a ratio to a baseline.

Absolute figures depend on the machine and on the load generator sharing its
cores with gunicorn; a ratio to a baseline measured in the same run, with the
scenarios interleaved round by round, does not. Pages are compared with a
trivial view served by the same server, invitation delivery with Django's own
sending of the same messages (see mail.py). See bench/README.md.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import fake_google
import load
import mail
import scaling
import server
from load import BodyCheck, Request, RunResult, Scenario, UnexpectedResponse
from mail import MailBenchError
from scaling import ScalingError
from seed import (
    API_MEETING_COUNT,
    BOOKING_STEP,
    BOOKING_WINDOW_DAYS,
    MEETING_COUNT,
    WRONG_PASSCODE,
    SeedData,
    seed_in_child,
)
from server import (
    HOST,
    Server,
    ServerError,
    ServerOptions,
    derived_database,
    is_postgres,
    sqlite_url,
)

WORK = Path(__file__).resolve().parent / ".work"
PER_PAGE = 20
FLOOR = "floor: GET /healthz"
# Each page's least throughput, as a share of the floor's in the same round.
SHARE_LINK_TARGET = 0.35
LIST_TARGET = 0.15
PASSCODE_TARGET = 0.15
API_LIST_TARGET = 0.20
API_LINK_TARGET = 0.30
MONTH_PAGE_TARGET = 0.10
BOOKING_POST_TARGET = 0.10
TAKEN_POST_TARGET = 0.10
# The guest's zone on the booking pages, other than either host's.
GUEST_TIMEZONE = "America/New_York"
# PostgreSQL's throughput on these pages, as a share of SQLite's in the same round.
BACKEND_TARGETS = {"meetings list: GET /meetings/": 1.0, "wrong passcode: POST /join/": 1.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        choices=("pages", "scaling", "mail"),
        help="run one part alone (default: all; scaling needs PostgreSQL)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL URL (default: $DATABASE_URL): the pages also run on PostgreSQL and"
        " the scaling scenarios run, in databases of the bench's own named <name>_pages,"
        " <name>_small and <name>_large; SQLite alone without it",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument(
        "--duration", type=float, default=3.0, help="timed seconds per scenario and round"
    )
    parser.add_argument(
        "--warmup", type=float, default=0.5, help="untimed seconds before each timed run"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--mail-count", type=int, default=200, help="invitations sent per mail run (default 200)"
    )
    parser.add_argument(
        "--mail-tls",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the SMTP server requires STARTTLS and a login, as a submission server does"
        " (default); --no-mail-tls: plain SMTP, no login",
    )
    parser.add_argument(
        "--env",
        action="append",
        type=_env_pair,
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server, to try a setting (repeatable)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit non-zero when a target is missed"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and server log in bench/.work/"
    )
    args = parser.parse_args(argv)
    for name in ("rounds", "clients", "workers", "threads", "mail_count"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.duration <= 0 or args.warmup < 0:
        parser.error("--duration must be positive and --warmup not negative")
    return args


def _env_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A plain `kill` stops gunicorn too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return bench(args)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except (ServerError, UnexpectedResponse, MailBenchError, ScalingError) as error:
        print(f"\nbench aborted: {error}", file=sys.stderr)
        return 2


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@dataclass(frozen=True)
class Site:
    """One gunicorn serving the site from one database."""

    label: str
    port: int
    env: dict[str, str]
    # The PostgreSQL database the bench made for the run, dropped at the end.
    postgres_url: str | None = None


def bench(args: argparse.Namespace) -> int:
    """Pages, the scaling scenarios, then mail; the work directory goes unless --keep."""
    WORK.mkdir(exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    postgres = args.database_url if args.database_url and is_postgres(args.database_url) else None
    sites: list[Site] = []
    try:
        with contextlib.ExitStack() as stack:
            sink = None
            if args.only in (None, "mail"):
                # Started first: Django reads the SMTP server's port once, at set-up.
                tls = mail.make_tls(work_dir) if args.mail_tls else None
                sink = stack.enter_context(mail.smtp_sink(tls))
            extra = dict(args.env)
            sqlite = Site("SQLite", server.free_port(), {})
            sqlite.env.update(_site_env(sqlite.port, sqlite_url(work_dir / "bench.sqlite3"), extra))
            sites.append(sqlite)
            if postgres is not None:
                url = derived_database(postgres, "pages")
                port = server.free_port()
                sites.append(Site("PostgreSQL", port, _site_env(port, url, extra), url))
            # The bench process itself (mail) uses the SQLite database, with the
            # settings that add the mail queues it compares the product with.
            os.environ.update(sqlite.env)
            os.environ.update(DJANGO_SETTINGS_MODULE="mail_settings", BENCH_WORK_DIR=str(work_dir))
            if sink is not None:
                os.environ.update(mail.smtp_env(sink))
            missed = 0
            if args.only in (None, "pages"):
                missed += bench_pages(args, work_dir, sites)
            if args.only in (None, "scaling"):
                if postgres is None:
                    print("\nScaling: skipped, it needs a PostgreSQL DATABASE_URL (see README).")
                else:
                    print()
                    missed += scaling.bench(
                        postgres, extra=extra, keep=args.keep, rounds=args.rounds
                    )
            if sink is not None:
                print()
                missed += mail.bench(sink, count=args.mail_count, rounds=args.rounds)
        print()
        print("All targets met." if not missed else f"{missed} target(s) missed.")
    finally:
        if args.keep:
            print(f"Kept {work_dir.relative_to(WORK.parent.parent)}/")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
            for site in sites:
                if site.postgres_url is not None:
                    with contextlib.suppress(Exception):
                        server.drop_postgres_database(site.postgres_url)
    return 1 if missed and args.strict else 0


def _site_env(port: int, database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The server's environment: the bench's own, with production settings on top."""
    env = dict(os.environ)
    env.update(server.production_env(port=port, database_url=database_url, extra=extra))
    return env


def bench_pages(args: argparse.Namespace, work_dir: Path, sites: list[Site]) -> int:
    """Prepare, serve, measure, report the pages; returns how many missed their target."""
    print("Preparing: migrate, collectstatic, seed data…", flush=True)
    options = ServerOptions(workers=args.workers, threads=args.threads, work_dir=work_dir)
    with contextlib.ExitStack() as stack:
        served: list[tuple[Site, Server, list[Scenario]]] = []
        for site in sites:
            if site.postgres_url is not None:
                server.recreate_postgres_database(site.postgres_url)
            server.prepare_database_and_static(site.env)
            data = seed_in_child(site.env)
            running = stack.enter_context(
                server.gunicorn(site.port, options, site.env, log_name=f"gunicorn-{site.label}.log")
            )
            scenarios = build_scenarios(site.port, data)
            for scenario in scenarios:
                load.preflight(HOST, site.port, scenario)
            served.append((site, running, scenarios))
        _print_setup(args, sites)
        results = measure(served, args)
    missed = 0
    for site, _, scenarios in served:
        missed += report(site.label, scenarios, results[site.label])
    if len(served) > 1:
        missed += report_backends(served, results)
    return missed


def build_scenarios(port: int, data: SeedData) -> list[Scenario]:
    """The floor and the hot paths, each with the status and the page it must answer."""
    list_headers = {"Cookie": data.session_cookie}
    api_headers = {"Authorization": f"Bearer {data.api_token}"}
    month_query = urlencode({"month": data.calendar_month, "tz": GUEST_TIMEZONE})
    next_booking = _booking_posts(port, data)
    # Booked once here, then posted again and again: the "just taken" answer.
    taken = next_booking()
    _post_once(port, taken, 303)
    return [
        Scenario(FLOOR, Request("GET", "/healthz"), 200, None, _body_is(b"ok")),
        Scenario(
            "share link: GET /join/<token>/",
            Request("GET", f"/join/{data.invitation_token}/"),
            200,
            SHARE_LINK_TARGET,
            _body_contains(data.meeting_title.encode()),
        ),
        Scenario(
            "meetings list: GET /meetings/",
            Request("GET", "/meetings/", list_headers),
            200,
            LIST_TARGET,
            _first_page_of_meetings,
        ),
        Scenario(
            "meetings list: GET /meetings/?when=all",
            Request("GET", "/meetings/?when=all", list_headers),
            200,
            LIST_TARGET,
            _first_page_of_meetings,
        ),
        Scenario(
            "API list: GET /api/meetings",
            Request("GET", "/api/meetings", api_headers),
            200,
            API_LIST_TARGET,
            _api_page_of_meetings,
        ),
        Scenario(
            "API link: GET /api/meetings/<id>/link",
            Request("GET", f"/api/meetings/{data.api_meeting_id}/link", api_headers),
            200,
            API_LINK_TARGET,
            _api_link_into(data.api_meeting_id),
        ),
        Scenario(
            "wrong passcode: POST /join/",
            _wrong_passcode_post(port, data),
            403,
            PASSCODE_TARGET,
            _body_contains(b"Incorrect meeting password"),
        ),
        Scenario(
            "month page: GET /book/<handle>/<slug>/",
            Request("GET", f"{data.calendar_path}?{month_query}"),
            200,
            MONTH_PAGE_TARGET,
            _month_with_google_busy,
        ),
        Scenario(
            "booking: POST /book/<handle>/<slug>/book/",
            taken,
            303,
            BOOKING_POST_TARGET,
            next_request=next_booking,
        ),
        Scenario(
            "slot taken: POST /book/<handle>/<slug>/book/",
            taken,
            409,
            TAKEN_POST_TARGET,
            _taken_with_fresh_times,
        ),
    ]


def _body_is(expected: bytes) -> BodyCheck:
    return lambda body: None if body == expected else f"body is {body[:80]!r}, not {expected!r}"


def _body_contains(expected: bytes) -> BodyCheck:
    return lambda body: None if expected in body else f"{expected!r} is not in the page"


def _api_page_of_meetings(body: bytes) -> str | None:
    answer = json.loads(body)
    rows = len(answer["meetings"])
    if answer["count"] != API_MEETING_COUNT or rows != API_MEETING_COUNT:
        return f"expected {API_MEETING_COUNT} meetings, found {answer['count']} ({rows} listed)"
    return None


def _api_link_into(meeting_id: str) -> BodyCheck:
    def check(body: bytes) -> str | None:
        answer = json.loads(body)
        if answer["meeting_id"] != meeting_id or answer["waiting"] or not answer["is_moderator"]:
            return f"expected the host's room link into {meeting_id}, found {answer}"
        return None

    return check


def _first_page_of_meetings(body: bytes) -> str | None:
    rows = body.count(b"data-meeting-id=")
    pages = -(-MEETING_COUNT // PER_PAGE)
    if rows != PER_PAGE or f"Page 1 of {pages}".encode() not in body:
        return f"expected page 1 of {pages} with {PER_PAGE} meetings, found {rows} rows"
    return None


def _month_with_google_busy(body: bytes) -> str | None:
    """Free days, none on a Wednesday: Google (bench/fake_google.py) has every Wednesday busy."""
    days = re.findall(rb'aria-label="(\w+) [^"]*: (no free time|\d+ times? free)"', body)
    if b"could not be checked" in body:
        return "the page says Google could not be asked"
    if not any(answer != b"no free time" for _, answer in days):
        return f"no free day among {len(days)} days"
    if any(name == b"Wednesday" and answer != b"no free time" for name, answer in days):
        return "a Wednesday has free times: Google's busy times were not applied"
    return None


def _taken_with_fresh_times(body: bytes) -> str | None:
    """The refusal, with the other free times of the guest's day to pick from."""
    if b"That time was just taken" not in body:
        return "the page does not say the time was taken"
    if body.count(b'class="button" href="') < 2:
        return "the page offers no other times of the day"
    return None


def _post_once(port: int, request: Request, expected_status: int) -> None:
    connection = HTTPConnection(HOST, port, timeout=load.REQUEST_TIMEOUT)
    try:
        status, body, _ = load.fetch(connection, request)
    finally:
        connection.close()
    if status != expected_status:
        raise UnexpectedResponse(
            f"{request.method} {request.path} answered {status}, expected {expected_status}:"
            f" {load.gist(body)}"
        )


def _booking_posts(port: int, data: SeedData):
    """A function giving each call the booking form's POST for the next free time.

    The booking host offers a time every BOOKING_STEP minutes, all day (UTC),
    for BOOKING_WINDOW_DAYS days, except on the Wednesdays that the fake Google
    has busy: some 30,000 bookings; the
    form's CSRF cookie and token are fetched once, as a browser would keep them.
    """
    cookie, token = _csrf_pair(port)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    first = datetime.fromisoformat(data.first_free_start)
    last = first + timedelta(days=BOOKING_WINDOW_DAYS - 1)
    following = first
    lock = threading.Lock()

    def next_post() -> Request:
        nonlocal following
        with lock:
            start = following
            if start.weekday() == fake_google.BUSY_WEEKDAY:
                # Busy all day in Google: the first free time is at midnight (UTC) after it.
                start += timedelta(days=1)
            following = start + timedelta(minutes=BOOKING_STEP)
        if start >= last:
            raise UnexpectedResponse("the booking host has no free time left for more POSTs")
        body = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "guest_name": "Bench Guest",
                "guest_email": "guest@bench.example",
                "subject": "Bench booking",
                "notes": "",
                "start": start.isoformat(),
                "duration": BOOKING_STEP,
                "tz": GUEST_TIMEZONE,
            }
        ).encode()
        return Request("POST", data.booking_path, headers, body)

    return next_post


def _wrong_passcode_post(port: int, data: SeedData) -> Request:
    """The form post a browser sends after opening /join/: CSRF cookie and token included."""
    cookie, token = _csrf_pair(port)
    body = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "meeting_id": data.meeting_id,
            "passcode": WRONG_PASSCODE,
            "name": "Bench Guest",
        }
    ).encode()
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    return Request("POST", "/join/", headers, body)


def _csrf_pair(port: int) -> tuple[str, str]:
    """The CSRF cookie ("name=value") and the form token from one GET of the join page."""
    connection = HTTPConnection(HOST, port, timeout=load.REQUEST_TIMEOUT)
    try:
        status, body, set_cookies = load.fetch(connection, Request("GET", "/join/"))
    finally:
        connection.close()
    jar = SimpleCookie()
    for header in set_cookies:
        jar.load(header)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    # The join page sets one cookie: CSRF's (whatever its configured name).
    if status != 200 or len(jar) != 1 or not match:
        raise UnexpectedResponse(
            f"GET /join/ answered {status} without a CSRF cookie and form token"
        )
    (morsel,) = jar.values()
    return f"{morsel.key}={morsel.value}", match.group(1).decode()


def measure(
    served: list[tuple[Site, Server, list[Scenario]]], args: argparse.Namespace
) -> dict[str, dict[str, list[RunResult]]]:
    """Every scenario of every site once per round, each round in a rotated order."""
    results = {
        site.label: {scenario.name: [] for scenario in scenarios} for site, _, scenarios in served
    }
    for number in range(args.rounds):
        summary = []
        for site, running, scenarios in served:
            shift = number % len(scenarios)
            for scenario in scenarios[shift:] + scenarios[:shift]:
                run = _run_once(running, site.port, scenario, args)
                results[site.label][scenario.name].append(run)
            throughputs = ", ".join(
                f"{runs[-1].throughput:.0f}" for runs in results[site.label].values()
            )
            summary.append(f"{site.label} {throughputs}")
        print(f"  round {number + 1}/{args.rounds}: req/s " + "; ".join(summary), flush=True)
    return results


def _run_once(
    running: Server, port: int, scenario: Scenario, args: argparse.Namespace
) -> RunResult:
    """One warmed-up, timed run, with the server's CPU time spent on it."""
    before = running.workers_cpu_seconds(), running.database_cpu_seconds()
    result = load.run(
        HOST, port, scenario, clients=args.clients, warmup=args.warmup, duration=args.duration
    )
    after = running.workers_cpu_seconds(), running.database_cpu_seconds()
    return replace(
        result,
        server_cpu_seconds=None if None in (before[0], after[0]) else after[0] - before[0],
        database_cpu_seconds=None if None in (before[1], after[1]) else after[1] - before[1],
    )


@dataclass(frozen=True)
class Row:
    scenario: Scenario
    requests: int
    throughput: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float | None
    db_ms: float | None
    ratio: float
    round_ratios: list[float]

    @property
    def passed(self) -> bool:
        return self.scenario.target is None or self.ratio >= self.scenario.target


def _median_or_none(values: list[float | None]) -> float | None:
    return None if None in values or not values else statistics.median(values)


def summarize(scenario: Scenario, runs: list[RunResult], floor: list[RunResult]) -> Row:
    """Median over rounds of the throughput and of its ratio to the same round's floor."""
    latencies = [latency for run in runs for latency in run.latencies]
    round_ratios = [
        run.throughput / base.throughput if base.throughput else 0.0
        for run, base in zip(runs, floor, strict=True)
    ]
    return Row(
        scenario=scenario,
        requests=len(latencies),
        throughput=statistics.median(run.throughput for run in runs),
        p50_ms=load.percentile(latencies, 0.50) * 1000,
        p99_ms=load.percentile(latencies, 0.99) * 1000,
        cpu_ms=_median_or_none([run.server_cpu_ms_per_request for run in runs]),
        db_ms=_median_or_none([run.database_cpu_ms_per_request for run in runs]),
        ratio=statistics.median(round_ratios),
        round_ratios=round_ratios,
    )


def _ms(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def report(label: str, scenarios: list[Scenario], results: dict[str, list[RunResult]]) -> int:
    """Print one site's table; return how many scenarios missed their target."""
    rows = [summarize(scenario, results[scenario.name], results[FLOOR]) for scenario in scenarios]
    width = max(len(scenario.name) for scenario in scenarios)
    header = (
        f"{'scenario':<{width}}  {'requests':>8}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}"
        f"  {'cpu ms':>6}  {'db ms':>6}  {'ratio':>5}  {'target':>6}  result"
    )
    print()
    print(f"Pages on {label}")
    print(header)
    print("-" * len(header))
    for row in rows:
        target = f"{row.scenario.target:.2f}" if row.scenario.target is not None else "-"
        result = "floor" if row.scenario.target is None else ("PASS" if row.passed else "FAIL")
        print(
            f"{row.scenario.name:<{width}}  {row.requests:>8}  {row.throughput:>7.0f}"
            f"  {row.p50_ms:>7.2f}  {row.p99_ms:>7.2f}  {_ms(row.cpu_ms):>6}  {_ms(row.db_ms):>6}"
            f"  {row.ratio:>5.2f}  {target:>6}  {result}"
        )
    print()
    print("req/s, cpu ms (gunicorn workers' CPU time per request) and db ms (PostgreSQL")
    print("backends' CPU time per request): medians over rounds")
    print("ratio: median over rounds of req/s divided by the same round's floor req/s")
    for row in rows[1:]:
        ratios = " ".join(f"{ratio:.2f}" for ratio in row.round_ratios)
        print(f"  {row.scenario.name:<{width}}  per round: {ratios}")
    _warn_about_reconnects(scenarios, results)
    return sum(not row.passed for row in rows)


def report_backends(
    served: list[tuple[Site, Server, list[Scenario]]],
    results: dict[str, dict[str, list[RunResult]]],
) -> int:
    """PostgreSQL's throughput against SQLite's, page by page, round by round."""
    (base, _, scenarios), (other, _, _) = served[0], served[1]
    width = max(len(scenario.name) for scenario in scenarios)
    header = (
        f"{'scenario':<{width}}  {base.label + ' req/s':>12}  {other.label + ' req/s':>16}"
        f"  {'ratio':>5}  {'target':>6}  result  per round"
    )
    print()
    print(f"{other.label} against {base.label}, same scenarios, same rounds")
    print(header)
    print("-" * len(header))
    missed = 0
    for scenario in scenarios:
        runs, base_runs = results[other.label][scenario.name], results[base.label][scenario.name]
        ratios = [
            run.throughput / base_run.throughput if base_run.throughput else 0.0
            for run, base_run in zip(runs, base_runs, strict=True)
        ]
        ratio = statistics.median(ratios)
        target = BACKEND_TARGETS.get(scenario.name)
        result = "-" if target is None else ("PASS" if ratio >= target else "FAIL")
        missed += result == "FAIL"
        print(
            f"{scenario.name:<{width}}"
            f"  {statistics.median(run.throughput for run in base_runs):>12.0f}"
            f"  {statistics.median(run.throughput for run in runs):>16.0f}  {ratio:>5.2f}"
            f"  {f'{target:.2f}' if target is not None else '-':>6}  {result:<6}"
            f"  {' '.join(f'{r:.2f}' for r in ratios)}"
        )
    print("ratio: median over rounds of PostgreSQL's req/s divided by SQLite's in the same round")
    return missed


def _warn_about_reconnects(scenarios: list[Scenario], results: dict[str, list[RunResult]]) -> None:
    """Reconnections would add connection set-up to a scenario's cost and skew its ratio."""
    for scenario in scenarios:
        closed = sum(run.reconnects for run in results[scenario.name])
        if closed:
            print(f"warning: {scenario.name}: the server closed {closed} keep-alive connections")


def _print_setup(args: argparse.Namespace, sites: list[Site]) -> None:
    served = ", ".join(f"{site.label} on {HOST}:{site.port}" for site in sites)
    print(
        f"gunicorn gthread, {args.workers} workers x {args.threads} threads ({served});"
        f" {args.clients} keep-alive clients; {args.rounds} rounds of"
        f" {args.warmup:g} s warm-up + {args.duration:g} s per scenario",
    )
    print("Each round prints the req/s of every scenario, in the order of the tables below.")
    if args.env:
        print("extra server environment: " + ", ".join(f"{k}={v}" for k, v in args.env))
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
