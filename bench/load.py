"""Closed-loop load: client threads, each on its own keep-alive connection."""

import re
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection

# A request never takes this long unless the server is stuck.
REQUEST_TIMEOUT = 30

# Looks at a response body; returns what is wrong with it, or None.
BodyCheck = Callable[[bytes], str | None]


class UnexpectedResponse(RuntimeError):
    """A response that shows the scenario is not measuring the path it names."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    request: Request
    expected_status: int
    # The least throughput, as a share of the floor's, that the scenario must reach;
    # None for the floor itself.
    target: float | None
    # Applied to one response before the timed runs.
    check_body: BodyCheck = lambda body: None
    # For requests that must differ (each booking takes its time): called, from any
    # client thread, for every request instead of sending `request` again.
    next_request: Callable[[], Request] | None = None

    def request_to_send(self) -> Request:
        return self.next_request() if self.next_request is not None else self.request


@dataclass(frozen=True)
class RunResult:
    """One timed run of one scenario."""

    requests: int
    seconds: float
    latencies: list[float]
    # Connections opened again after the server closed one: should stay 0 with keep-alive.
    reconnects: int
    # Every request, warm-up included, and the server's CPU time over the same span.
    sent: int
    server_cpu_seconds: float | None = None
    # PostgreSQL's backends serving the workers over the same span; None on SQLite.
    database_cpu_seconds: float | None = None

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_seconds is None or not self.sent:
            return None
        return self.server_cpu_seconds / self.sent * 1000

    @property
    def database_cpu_ms_per_request(self) -> float | None:
        if self.database_cpu_seconds is None or not self.sent:
            return None
        return self.database_cpu_seconds / self.sent * 1000


@dataclass
class _Window:
    """When warm-up ends and the timed part stops; set once every client is connected."""

    measure_from: float = 0.0
    stop_at: float = 0.0


@dataclass
class _ClientLog:
    latencies: list[float] = field(default_factory=list)
    last_end: float = 0.0
    reconnects: int = 0
    sent: int = 0


def fetch(connection: HTTPConnection, request: Request) -> tuple[int, bytes, list[str]]:
    """Status, body and Set-Cookie values; reading the whole body lets the connection be reused."""
    connection.request(request.method, request.path, body=request.body, headers=request.headers)
    response = connection.getresponse()
    body = response.read()
    return response.status, body, response.headers.get_all("Set-Cookie") or []


def preflight(host: str, port: int, scenario: Scenario) -> None:
    """One request with its body checked, so that a wrong page fails before the timing starts."""
    connection = HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    try:
        status, body, _ = fetch(connection, scenario.request_to_send())
    finally:
        connection.close()
    _check_status(scenario, status, body)
    problem = scenario.check_body(body)
    if problem:
        raise UnexpectedResponse(f"{scenario.name}: {problem}")


def run(
    host: str, port: int, scenario: Scenario, *, clients: int, warmup: float, duration: float
) -> RunResult:
    """Warm up, then time `duration` seconds of back-to-back requests from `clients` threads."""
    window = _Window()

    def open_window() -> None:
        now = time.perf_counter()
        window.measure_from = now + warmup
        window.stop_at = now + warmup + duration

    ready = threading.Barrier(clients, action=open_window)
    stop = threading.Event()
    errors: list[BaseException] = []
    logs = [_ClientLog() for _ in range(clients)]
    threads = [
        threading.Thread(
            target=_client,
            args=(host, port, scenario, ready, window, stop, errors, log),
            name=f"{scenario.name}-{number}",
            daemon=True,
        )
        for number, log in enumerate(logs)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        # On Ctrl-C as well: no client keeps hammering a server that is shutting down.
        stop.set()
    if errors:
        raise errors[0]
    return _result(logs, window)


def _client(
    host: str,
    port: int,
    scenario: Scenario,
    ready: threading.Barrier,
    window: _Window,
    stop: threading.Event,
    errors: list[BaseException],
    log: _ClientLog,
) -> None:
    connection = HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.connect()
        ready.wait(timeout=REQUEST_TIMEOUT)
        while not stop.is_set():
            started = time.perf_counter()
            if started >= window.stop_at:
                break
            if connection.sock is None:
                # http.client closed it after a "Connection: close" and opens a new one now.
                log.reconnects += 1
            status, body, _ = fetch(connection, scenario.request_to_send())
            ended = time.perf_counter()
            log.sent += 1
            _check_status(scenario, status, body)
            if started >= window.measure_from:
                log.latencies.append(ended - started)
                log.last_end = ended
    except Exception as error:
        unexpected = error if isinstance(error, UnexpectedResponse) else _describe(scenario, error)
        errors.append(unexpected)
        # Stops the other clients, including any still waiting for the rest to connect.
        stop.set()
        ready.abort()
    finally:
        connection.close()


def _check_status(scenario: Scenario, status: int, body: bytes) -> None:
    if status != scenario.expected_status:
        raise UnexpectedResponse(
            f"{scenario.name}: {scenario.request.method} {scenario.request.path} answered "
            f"{status}, expected {scenario.expected_status}: {gist(body)}"
        )


def gist(body: bytes) -> str:
    """An HTML page's title, or the start of any other body."""
    title = re.search(rb"<title>(.*?)</title>", body, re.DOTALL)
    text = title.group(1) if title else body[:200]
    return repr(text.decode(errors="replace").strip())


def _describe(scenario: Scenario, error: BaseException) -> UnexpectedResponse:
    return UnexpectedResponse(
        f"{scenario.name}: {scenario.request.method} {scenario.request.path} failed: "
        f"{type(error).__name__}: {error}"
    )


def _result(logs: list[_ClientLog], window: _Window) -> RunResult:
    latencies = [latency for log in logs for latency in log.latencies]
    # Up to the last answer: a request started just before the stop still counts in full.
    last_end = max((log.last_end for log in logs), default=window.measure_from)
    return RunResult(
        requests=len(latencies),
        seconds=max(last_end - window.measure_from, 0.0),
        latencies=latencies,
        reconnects=sum(log.reconnects for log in logs),
        sent=sum(log.sent for log in logs),
    )


def percentile(latencies: list[float], share: float) -> float:
    """The latency below which `share` of the requests finished (e.g. 0.99)."""
    if len(latencies) < 2:
        return latencies[0] if latencies else 0.0
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[round(share * 100) - 1]
