"""Throughput of the hot pages and of invitation delivery, each as a ratio to a baseline.

Absolute figures depend on the machine and on the load generator sharing its
cores with gunicorn; a ratio to a baseline measured in the same run, with the
scenarios interleaved round by round, does not. Pages are compared with a
trivial view served by the same server, invitation delivery with Django's own
sending of the same messages (see mail.py). See bench/README.md.
"""

import argparse
import contextlib
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import load
import mail
import server
from load import BodyCheck, Request, RunResult, Scenario, UnexpectedResponse
from mail import MailBenchError
from seed import MEETING_COUNT, WRONG_PASSCODE, SeedData, seed
from server import HOST, Server, ServerError, ServerOptions

WORK = Path(__file__).resolve().parent / ".work"
PER_PAGE = 20
FLOOR = "floor: GET /healthz"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        choices=("pages", "mail"),
        help="run the page scenarios or the mail scenario alone (default: both)",
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
    except (ServerError, UnexpectedResponse, MailBenchError) as error:
        print(f"\nbench aborted: {error}", file=sys.stderr)
        return 2


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def bench(args: argparse.Namespace) -> int:
    """Pages, then mail, in one database; the work directory goes away unless --keep."""
    WORK.mkdir(exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    try:
        with contextlib.ExitStack() as stack:
            sink = None
            if args.only != "pages":
                # Started first: Django reads the SMTP server's port once, at set-up.
                tls = mail.make_tls(work_dir) if args.mail_tls else None
                sink = stack.enter_context(mail.smtp_sink(tls))
            port = server.free_port()
            # Set before Django starts in this process; the children inherit it.
            os.environ.update(
                server.production_env(
                    port=port, database=work_dir / "bench.sqlite3", extra=dict(args.env)
                )
            )
            mail_env = mail.smtp_env(sink) if sink is not None else {}
            # The pages send no mail: gunicorn gets the environment it had before.
            pages_env = {name: os.environ.get(name) for name in mail_env}
            os.environ.update(mail_env)
            missed = 0
            if args.only != "mail":
                missed += bench_pages(args, port, work_dir, pages_env)
            else:
                print("Preparing: migrate…", flush=True)
                server.manage("migrate", "--noinput", "--verbosity", "0")
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
    return 1 if missed and args.strict else 0


def bench_pages(
    args: argparse.Namespace, port: int, work_dir: Path, server_env: Mapping[str, str | None]
) -> int:
    """Prepare, serve, measure, report the pages; returns how many missed their target.

    `server_env` sets (or, with None, removes) variables for gunicorn alone.
    """
    print("Preparing: migrate, collectstatic, seed data…", flush=True)
    server.prepare_database_and_static()
    data = seed()
    options = ServerOptions(workers=args.workers, threads=args.threads, work_dir=work_dir)
    with _environ(server_env), server.gunicorn(port, options) as running:
        scenarios = build_scenarios(port, data)
        for scenario in scenarios:
            load.preflight(HOST, port, scenario)
        _print_setup(args, port)
        results = measure(running, port, scenarios, args)
    return report(scenarios, results)


@contextlib.contextmanager
def _environ(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) variables in os.environ for the block, then restore them."""
    saved = {name: os.environ.get(name) for name in values}

    def apply(changes: Mapping[str, str | None]) -> None:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    apply(values)
    try:
        yield
    finally:
        apply(saved)


def build_scenarios(port: int, data: SeedData) -> list[Scenario]:
    """The floor and the hot paths, each with the status and the page it must answer."""
    list_headers = {"Cookie": data.session_cookie}
    return [
        Scenario(FLOOR, Request("GET", "/healthz"), 200, None, _body_is(b"ok")),
        Scenario(
            "share link: GET /join/<token>/",
            Request("GET", f"/join/{data.invitation_token}/"),
            200,
            0.35,
            _body_contains(data.meeting_title.encode()),
        ),
        Scenario(
            "meetings list: GET /meetings/",
            Request("GET", "/meetings/", list_headers),
            200,
            0.20,
            _first_page_of_meetings,
        ),
        Scenario(
            "meetings list: GET /meetings/?when=all",
            Request("GET", "/meetings/?when=all", list_headers),
            200,
            0.20,
            _first_page_of_meetings,
        ),
        Scenario(
            "wrong passcode: POST /join/",
            _wrong_passcode_post(port, data),
            403,
            0.10,
            _body_contains(b"Incorrect meeting password"),
        ),
    ]


def _body_is(expected: bytes) -> BodyCheck:
    return lambda body: None if body == expected else f"body is {body[:80]!r}, not {expected!r}"


def _body_contains(expected: bytes) -> BodyCheck:
    return lambda body: None if expected in body else f"{expected!r} is not in the page"


def _first_page_of_meetings(body: bytes) -> str | None:
    rows = body.count(b"data-meeting-id=")
    pages = -(-MEETING_COUNT // PER_PAGE)
    if rows != PER_PAGE or f"Page 1 of {pages}".encode() not in body:
        return f"expected page 1 of {pages} with {PER_PAGE} meetings, found {rows} rows"
    return None


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
    # Configured by seed(), from the same environment as the server's.
    from django.conf import settings

    connection = HTTPConnection(HOST, port, timeout=load.REQUEST_TIMEOUT)
    try:
        status, body, set_cookies = load.fetch(connection, Request("GET", "/join/"))
    finally:
        connection.close()
    jar = SimpleCookie()
    for header in set_cookies:
        jar.load(header)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or settings.CSRF_COOKIE_NAME not in jar or not match:
        raise UnexpectedResponse(
            f"GET /join/ answered {status} without a CSRF cookie and form token"
        )
    morsel = jar[settings.CSRF_COOKIE_NAME]
    return f"{morsel.key}={morsel.value}", match.group(1).decode()


def measure(
    running: Server, port: int, scenarios: list[Scenario], args: argparse.Namespace
) -> dict[str, list[RunResult]]:
    """Every scenario once per round, each round in a rotated order."""
    results: dict[str, list[RunResult]] = {scenario.name: [] for scenario in scenarios}
    for number in range(args.rounds):
        shift = number % len(scenarios)
        for scenario in scenarios[shift:] + scenarios[:shift]:
            results[scenario.name].append(_run_once(running, port, scenario, args))
        summary = ", ".join(f"{runs[-1].throughput:.0f}" for runs in results.values())
        print(f"  round {number + 1}/{args.rounds}: req/s {summary}", flush=True)
    return results


def _run_once(
    running: Server, port: int, scenario: Scenario, args: argparse.Namespace
) -> RunResult:
    """One warmed-up, timed run, with the server's CPU time spent on it."""
    before = running.workers_cpu_seconds()
    result = load.run(
        HOST, port, scenario, clients=args.clients, warmup=args.warmup, duration=args.duration
    )
    after = running.workers_cpu_seconds()
    if before is None or after is None:
        return result
    return replace(result, server_cpu_seconds=after - before)


@dataclass(frozen=True)
class Row:
    scenario: Scenario
    requests: int
    throughput: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float | None
    ratio: float
    round_ratios: list[float]

    @property
    def passed(self) -> bool:
        return self.scenario.target is None or self.ratio >= self.scenario.target


def summarize(scenario: Scenario, runs: list[RunResult], floor: list[RunResult]) -> Row:
    """Median over rounds of the throughput and of its ratio to the same round's floor."""
    latencies = [latency for run in runs for latency in run.latencies]
    cpu = [run.server_cpu_ms_per_request for run in runs]
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
        cpu_ms=None if None in cpu else statistics.median(cpu),
        ratio=statistics.median(round_ratios),
        round_ratios=round_ratios,
    )


def report(scenarios: list[Scenario], results: dict[str, list[RunResult]]) -> int:
    """Print the table; return how many scenarios missed their target."""
    rows = [summarize(scenario, results[scenario.name], results[FLOOR]) for scenario in scenarios]
    width = max(len(scenario.name) for scenario in scenarios)
    header = (
        f"{'scenario':<{width}}  {'requests':>8}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}"
        f"  {'cpu ms':>6}  {'ratio':>5}  {'target':>6}  result"
    )
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        target = f"{row.scenario.target:.2f}" if row.scenario.target is not None else "-"
        result = "floor" if row.scenario.target is None else ("PASS" if row.passed else "FAIL")
        cpu = f"{row.cpu_ms:.2f}" if row.cpu_ms is not None else "-"
        print(
            f"{row.scenario.name:<{width}}  {row.requests:>8}  {row.throughput:>7.0f}"
            f"  {row.p50_ms:>7.2f}  {row.p99_ms:>7.2f}  {cpu:>6}  {row.ratio:>5.2f}"
            f"  {target:>6}  {result}"
        )
    print()
    print("req/s and cpu ms (gunicorn workers' CPU time per request): medians over rounds")
    print("ratio: median over rounds of req/s divided by the same round's floor req/s")
    for row in rows[1:]:
        ratios = " ".join(f"{ratio:.2f}" for ratio in row.round_ratios)
        print(f"  {row.scenario.name:<{width}}  per round: {ratios}")
    _warn_about_reconnects(scenarios, results)
    return sum(not row.passed for row in rows)


def _warn_about_reconnects(scenarios: list[Scenario], results: dict[str, list[RunResult]]) -> None:
    """Reconnections would add connection set-up to a scenario's cost and skew its ratio."""
    for scenario in scenarios:
        closed = sum(run.reconnects for run in results[scenario.name])
        if closed:
            print(f"warning: {scenario.name}: the server closed {closed} keep-alive connections")


def _print_setup(args: argparse.Namespace, port: int) -> None:
    print(
        f"gunicorn gthread, {args.workers} workers x {args.threads} threads on {HOST}:{port};"
        f" {args.clients} keep-alive clients; {args.rounds} rounds of"
        f" {args.warmup:g} s warm-up + {args.duration:g} s per scenario",
    )
    print("Each round prints the req/s of every scenario, in the order of the table below.")
    if args.env:
        print("extra server environment: " + ", ".join(f"{k}={v}" for k, v in args.env))
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
