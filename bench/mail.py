"""Invitation delivery through the product's path, as ratios to Django's own sending.

Three ways of getting invitation emails to the same local SMTP server, each
sending the same number of messages, interleaved round by round in one run:

- product: `invitations_send()` for new addresses (contacts, invitations, the
  task enqueued on commit), then the real `db_worker` draining the queue: the
  claim, one connection, a token, an email with its calendar and a state per
  invitation;
- send_messages: Django's SMTP backend sending messages rendered beforehand
  over one connection, which is the least any sender pays for the SMTP part;
- per message: the same messages, each over a connection of its own, as a
  naive sender would;
- peers: django-post-office and django-mailer, two well-used mail queues,
  queueing the same rendered messages through their email backends and
  sending them with their documented commands (`send_queued_mail`,
  `send_mail`), when the bench's optional dependencies are installed.

The product's throughput is reported as a ratio to each of the others in the
same round: rendering and bookkeeping must leave at least 0.75 of
send_messages, and keeping one connection for the batch must leave it well
ahead of a naive sender (at least 1.7 times). The peers' ratios have no
target: they show where the product stands against what a project could use
instead.

The SMTP server behaves like a submission server: it requires STARTTLS, then
a login, before it takes a message, which is what makes a connection per
message expensive (`--no-mail-tls`: plain SMTP, no login). Its certificate is
made for the run and trusted through SSL_CERT_FILE, which Django's SMTP backend
honours as any Python client does. It runs in a process of its own, so that it
neither shares the bench process's interpreter lock nor counts in its CPU time;
its CPU time per message is printed to show it is not what limits the figures.
"""

import ipaddress
import itertools
import logging
import multiprocessing
import secrets
import signal
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import server

if TYPE_CHECKING:
    from django.core.mail import EmailMessage

    from accounts.models import User
    from meetings.models import Meeting

HOST = server.HOST
SMTP_SERVER_NAME = "smtp.bench.localhost"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
HOST_EMAIL = "mail-host@bench.example"
# The certificate's name; it also names HOST, the address every client connects to.
CERTIFICATE_NAME = "localhost"
SMTP_USER = "bench-sender"
MEETING_TIMEZONE = "Europe/Berlin"
# A busy SMTP server would cap all three measurements alike and squeeze the ratios.
SERVER_BUSY_WARNING = 0.5
# Start-up, a reply, or the end of the server process never take this long.
SERVER_TIMEOUT = 15

PRODUCT = "product: invitations_send + db_worker"
ONE_CONNECTION = "send_messages, one connection"
PER_MESSAGE = "one connection per message"
POST_OFFICE = "django-post-office: queue + send_queued_mail"
MAILER = "django-mailer: queue + send_mail"


@dataclass(frozen=True)
class Target:
    name: str
    baseline: str
    # The least product throughput, as a multiple of the baseline's.
    least: float


TARGETS = (
    Target("product / send_messages", ONE_CONNECTION, 0.75),
    Target("product / connection per message", PER_MESSAGE, 1.7),
)
# Peers: reported as ratios, without a target.
PEER_RATIOS = (("product / django-post-office", POST_OFFICE), ("product / django-mailer", MAILER))


class MailBenchError(RuntimeError):
    """The mail scenario could not run, or did not deliver what it had to."""


# The SMTP server, in its own process.


@dataclass(frozen=True)
class Tls:
    """What the server needs for STARTTLS and AUTH, and what the senders need to use them."""

    certfile: Path
    keyfile: Path
    username: str
    password: str


def make_tls(directory: Path) -> Tls:
    """A throwaway self-signed certificate for the loopback address, and a login for the run.

    An ECDSA P-256 key: the cheaper handshake of the common choices, so that a
    connection per message is not made to look dearer than it is.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERTIFICATE_NAME)])
    identifier = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    now = datetime.now(UTC)
    # Its own CA, with the extensions a strict verifier asks of one.
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(CERTIFICATE_NAME), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(identifier, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(identifier),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile = directory / "smtp-cert.pem"
    keyfile = directory / "smtp-key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.touch(mode=0o600)
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Tls(certfile, keyfile, username=SMTP_USER, password=secrets.token_urlsafe(16))


def describe(tls: Tls | None) -> str:
    """The server's security, for the report's header."""
    if tls is None:
        return "plain SMTP, no login"
    return "STARTTLS required, then AUTH PLAIN or LOGIN"


@dataclass(frozen=True)
class SinkState:
    received: int
    octets: int
    cpu_seconds: float


class _CountingHandler:
    """Accepts every message and counts it; parsing it would only slow the server down."""

    def __init__(self) -> None:
        self.received = 0
        self.octets = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.octets += len(envelope.content)
        self.received += 1
        return "250 2.0.0 Accepted"


class _Authenticator:
    """Accepts the run's one login, whichever of aiosmtpd's mechanisms carries it."""

    def __init__(self, username: str, password: str) -> None:
        self._username = username.encode()
        self._password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        valid = (
            isinstance(auth_data, LoginPassword)
            and secrets.compare_digest(auth_data.login, self._username)
            and secrets.compare_digest(auth_data.password, self._password)
        )
        # handled=False: the server answers 535 itself when the login is refused.
        return AuthResult(success=valid, handled=False)


def _security(tls: Tls | None) -> dict[str, Any]:
    """aiosmtpd's options for a submission server: STARTTLS first, then AUTH, then mail."""
    if tls is None:
        return {}
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.certfile, tls.keyfile)
    return {
        "tls_context": context,
        "require_starttls": True,
        "auth_required": True,
        "auth_require_tls": True,
        "authenticator": _Authenticator(tls.username, tls.password),
    }


def _serve(port: int, tls: Tls | None, channel: Connection) -> None:
    """The server process: answer the bench's questions until it says stop, or goes away."""
    # Ctrl-C reaches the whole process group; the bench stops this process in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from aiosmtpd.controller import Controller

    # aiosmtpd's own AUTH code sets the legacy Session.login_data, and logs a
    # deprecation warning for it on every login.
    logging.getLogger("mail.log").addFilter(
        lambda record: "login_data is deprecated" not in record.getMessage()
    )
    handler = _CountingHandler()
    try:
        # A fixed name: otherwise every connection looks up the machine's own name first.
        controller = Controller(
            handler,
            hostname=HOST,
            port=port,
            server_hostname=SMTP_SERVER_NAME,
            **_security(tls),
        )
        controller.start()
    except Exception as error:  # reported to the bench, which fails with it
        channel.send(f"{type(error).__name__}: {error}")
        return
    try:
        channel.send(None)
        while channel.recv() == "state":
            # process_time() covers the event loop's thread as well.
            channel.send(SinkState(handler.received, handler.octets, time.process_time()))
    except EOFError:
        pass  # the bench died; nobody is left to send to
    finally:
        controller.stop()


class SmtpSink:
    """A counting SMTP server on a free loopback port, in a child process.

    With `tls`, it requires STARTTLS and a login before it takes a message.
    """

    def __init__(self, tls: Tls | None) -> None:
        # spawn, not fork: the bench process may already run threads.
        context = multiprocessing.get_context("spawn")
        self.port = server.free_port()
        self.tls = tls
        self._channel, self._child_end = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(self.port, tls, self._child_end),
            name="bench-smtp",
            daemon=True,
        )

    def start(self) -> None:
        self._process.start()
        # The child's copy is the only one left: its end of the pipe closes with it.
        self._child_end.close()
        if not self._channel.poll(SERVER_TIMEOUT):
            raise MailBenchError(f"the SMTP server did not start within {SERVER_TIMEOUT} s")
        problem = self._receive()
        if problem is not None:
            raise MailBenchError(f"the SMTP server could not start: {problem}")

    def state(self) -> SinkState:
        self._channel.send("state")
        if not self._channel.poll(SERVER_TIMEOUT):
            raise MailBenchError("the SMTP server stopped answering")
        return self._receive()

    def stop(self) -> None:
        if self._process.is_alive():
            # An OSError: it is on its way out already.
            with suppress(OSError):
                self._channel.send("stop")
            self._process.join(SERVER_TIMEOUT)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._channel.close()

    def _receive(self):
        try:
            return self._channel.recv()
        except EOFError:
            self._process.join(SERVER_TIMEOUT)
            raise MailBenchError(
                f"the SMTP server exited with status {self._process.exitcode}"
            ) from None


@contextmanager
def smtp_sink(tls: Tls | None) -> Iterator[SmtpSink]:
    """A running SMTP server for the duration of the block, always stopped afterwards."""
    sink = SmtpSink(tls)
    try:
        sink.start()
        yield sink
    finally:
        sink.stop()


def smtp_env(sink: SmtpSink) -> dict[str, str]:
    """Production mail settings pointing at the sink: STARTTLS and its login, or neither.

    EMAIL_BACKEND and the credentials are set either way, so that a developer's
    .env can never send the bench's mail through a real server or an ESP. With
    TLS, SSL_CERT_FILE makes the run's certificate the one the default SSL
    context trusts: Django's SMTP backend builds its context that way.
    """
    tls = sink.tls
    env = {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "SMTP_HOST": HOST,
        "SMTP_PORT": str(sink.port),
        "SMTP_STARTTLS": "true" if tls is not None else "false",
        "SMTP_SSL": "false",
        "SMTP_USER": tls.username if tls is not None else "",
        "SMTP_PASS": tls.password if tls is not None else "",
    }
    if tls is not None:
        env["SSL_CERT_FILE"] = str(tls.certfile)
    return env


# Measurements.


@dataclass(frozen=True)
class MailRun:
    """One timed sending of `messages` emails."""

    messages: int
    seconds: float
    # The bench process's CPU time: the sender's whole cost, rendering and database included.
    cpu_seconds: float
    smtp_cpu_seconds: float
    octets: int

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds / self.messages * 1000

    @property
    def smtp_cpu_ms(self) -> float:
        return self.smtp_cpu_seconds / self.messages * 1000

    @property
    def smtp_busy(self) -> float:
        """The share of the run the SMTP server spent computing."""
        return self.smtp_cpu_seconds / self.seconds if self.seconds else 0.0


@dataclass
class Setup:
    sink: SmtpSink
    count: int
    host: "User"
    # Rendered once from real invitations, for both baselines.
    messages: list["EmailMessage"] = field(default_factory=list)
    # Numbers the meetings and recipients, so that every product run invites new people.
    batches: Iterator[int] = field(default_factory=lambda: itertools.count(1))


def bench(sink: SmtpSink, *, count: int, rounds: int) -> int:
    """Set up, warm up, measure and report; returns how many targets were missed."""
    import django

    django.setup()
    from django.core.management import call_command

    # The product's tables, and the peers' when they are installed.
    call_command("migrate", "--noinput", verbosity=0)
    # The peers log every batch, or every message, at INFO.
    for peer in ("mailer", "post_office"):
        logging.getLogger(peer).setLevel(logging.WARNING)
    _check_mail_settings(sink)
    setup = Setup(sink=sink, count=count, host=_create_host())
    print(
        f"Mail: {count} messages per run to an SMTP server on {HOST}:{sink.port}"
        f" ({describe(sink.tls)}); warming up…"
    )
    # Warm-up: templates, time-zone data and imports load once, outside the timing.
    _, meeting = _product(setup)
    setup.messages = _render(meeting)
    _one_connection(setup)
    _per_message(setup)
    for peer in _peers(setup).values():
        peer()
    print("Each round prints the msg/s of every measurement, in the order of the table below.")
    return report(measure(setup, rounds))


def _check_mail_settings(sink: SmtpSink) -> None:
    """Fail before sending anything unless mail goes to the sink, as the sink asks for it."""
    from django.conf import settings

    from invitations.backends import active_mail_settings

    tls = sink.tls
    wanted = (
        SMTP_BACKEND,
        HOST,
        sink.port,
        tls is not None,
        False,
        tls.username if tls is not None else "",
    )
    found = (
        settings.MAIL_FALLBACK_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
        settings.EMAIL_HOST_USER,
    )
    # Compared apart, so that the message below never shows it.
    password_matches = (tls.password if tls is not None else "") == settings.EMAIL_HOST_PASSWORD
    if found != wanted or not password_matches or active_mail_settings() is not None:
        raise MailBenchError(
            f"mail is not set up for the local SMTP server: {found}, expected {wanted}"
        )


def _create_host() -> "User":
    from accounts.models import User

    return User.objects.create_user(
        HOST_EMAIL, password=None, first_name="Mail", last_name="Host", timezone=MEETING_TIMEZONE
    )


def measure(setup: Setup, rounds: int) -> dict[str, list[MailRun]]:
    """Every measurement once per round, each round in a rotated order."""
    kinds: list[tuple[str, Callable[[], MailRun]]] = [
        (PRODUCT, lambda: _product(setup)[0]),
        (ONE_CONNECTION, lambda: _one_connection(setup)),
        (PER_MESSAGE, lambda: _per_message(setup)),
        *_peers(setup).items(),
    ]
    results: dict[str, list[MailRun]] = {name: [] for name, _ in kinds}
    for number in range(rounds):
        shift = number % len(kinds)
        for name, run in kinds[shift:] + kinds[:shift]:
            results[name].append(run())
        summary = ", ".join(f"{runs[-1].throughput:.0f}" for runs in results.values())
        print(f"  round {number + 1}/{rounds}: msg/s {summary}", flush=True)
    return results


def _timed(setup: Setup, send: Callable[[], None]) -> MailRun:
    """Time `send`, and check that the server accepted exactly `setup.count` messages."""
    before = setup.sink.state()
    cpu = time.process_time()
    started = time.perf_counter()
    send()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    after = setup.sink.state()
    received = after.received - before.received
    if received != setup.count:
        raise MailBenchError(
            f"the SMTP server received {received} messages, expected {setup.count}"
        )
    return MailRun(
        messages=received,
        seconds=seconds,
        cpu_seconds=cpu,
        smtp_cpu_seconds=after.cpu_seconds - before.cpu_seconds,
        octets=after.octets - before.octets,
    )


def _product(setup: Setup) -> tuple[MailRun, "Meeting"]:
    """Invite new people to a new meeting and let the worker deliver every invitation."""
    from invitations.services import invitations_send

    batch = next(setup.batches)
    meeting = _new_meeting(setup.host, batch)
    recipients = [
        (f"Guest {number:03d} Batch{batch}", f"guest{number:03d}.batch{batch}@bench.example")
        for number in range(1, setup.count + 1)
    ]

    def send() -> None:
        # Outside any transaction: the service commits, and the task is enqueued on commit.
        invited = invitations_send(meeting=meeting, recipients=recipients).invited
        if len(invited) != setup.count:
            raise MailBenchError(f"{len(invited)} invited, expected {setup.count}")
        drain_queue()
        _check_all_sent(meeting, setup.count)

    return _timed(setup, send), meeting


def _new_meeting(host: "User", batch: int) -> "Meeting":
    from django.utils import timezone

    from meetings.services import meeting_create

    starts_at = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return meeting_create(
        host=host,
        title=f"Mail bench {batch}",
        description="Agenda: updates, risks and next steps.",
        starts_at=starts_at,
        duration=60,
        timezone_name=MEETING_TIMEZONE,
    )


_WORKER_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


def drain_queue() -> None:
    """Run the real worker until no task is ready, as `manage.py db_worker --batch` does.

    The worker installs its own signal handlers: while idle it exits the
    process on Ctrl-C, and during a task it finishes the task and returns.
    Both become a KeyboardInterrupt here, and the bench's handlers come back.
    """
    from django.core.management import call_command

    saved = {number: signal.getsignal(number) for number in _WORKER_SIGNALS}
    interrupted = False
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    except SystemExit as exit:
        raise KeyboardInterrupt from exit
    finally:
        worker = getattr(signal.getsignal(signal.SIGINT), "__self__", None)
        interrupted = worker is not None and not getattr(worker, "running", True)
        for number, handler in saved.items():
            signal.signal(number, handler)
    if interrupted:
        raise KeyboardInterrupt


def _check_all_sent(meeting: "Meeting", count: int) -> None:
    from invitations.models import Invitation

    invitations = Invitation.objects.filter(meeting=meeting)
    sent = invitations.filter(delivery_state=Invitation.Delivery.SENT).count()
    if sent != count:
        failed = invitations.exclude(last_error="")
        errors = sorted(set(failed.values_list("last_error", flat=True)))
        raise MailBenchError(
            f"the worker left {sent} of {count} invitations sent; errors: {errors[:3] or 'none'}"
        )


def _render(meeting: "Meeting") -> list["EmailMessage"]:
    """The emails of a meeting's invitations, as the worker renders them, untimed."""
    from invitations.emails import invitation_email
    from invitations.models import Invitation

    invitations = (
        Invitation.objects.select_related("meeting__host", "user")
        .filter(meeting=meeting)
        .order_by("pk")
    )
    # Tokens like the minted ones, but not stored: nobody follows these links.
    return [
        invitation_email(invitation, token=secrets.token_urlsafe(32), update=False)
        for invitation in invitations
    ]


def _smtp_connection(sink: SmtpSink):
    """Django's SMTP backend, set up as the product's settings are: STARTTLS and login, or not."""
    from django.core.mail import get_connection

    tls = sink.tls
    return get_connection(
        SMTP_BACKEND,
        host=HOST,
        port=sink.port,
        use_tls=tls is not None,
        use_ssl=False,
        username=tls.username if tls is not None else "",
        password=tls.password if tls is not None else "",
    )


def _one_connection(setup: Setup) -> MailRun:
    """Django's SMTP backend: every message over one connection."""

    def send() -> None:
        sent = _smtp_connection(setup.sink).send_messages(setup.messages)
        if sent != len(setup.messages):
            raise MailBenchError(f"send_messages sent {sent} of {len(setup.messages)}")

    return _timed(setup, send)


def _per_message(setup: Setup) -> MailRun:
    """Each message over its own connection: connect, EHLO, [STARTTLS, EHLO, AUTH,] send, QUIT."""

    def send() -> None:
        for message in setup.messages:
            connection = _smtp_connection(setup.sink)
            connection.open()
            try:
                connection.send_messages([message])
            finally:
                connection.close()

    return _timed(setup, send)


def _peers(setup: Setup) -> dict[str, Callable[[], MailRun]]:
    """The installed peers, each queueing the rendered messages and sending them its own way."""
    from django.conf import settings

    peers = {}
    if "post_office" in settings.INSTALLED_APPS:
        peers[POST_OFFICE] = lambda: _post_office(setup)
    if "mailer" in settings.INSTALLED_APPS:
        peers[MAILER] = lambda: _mailer(setup)
    return peers


def _post_office(setup: Setup) -> MailRun:
    """django-post-office's email backend queues; `send_queued_mail` sends (its defaults)."""
    from django.conf import settings
    from django.core.mail import get_connection
    from django.core.management import call_command

    def send() -> None:
        get_connection("post_office.EmailBackend").send_messages(setup.messages)
        lockfile = str(Path(settings.BENCH_WORK_DIR) / "post_office")
        call_command("send_queued_mail", processes=1, lockfile=lockfile, log_level=1)

    return _timed(setup, send)


def _mailer(setup: Setup) -> MailRun:
    """django-mailer's email backend queues the whole messages; `send_mail` sends them."""
    from django.core.mail import get_connection
    from django.core.management import call_command

    def send() -> None:
        get_connection("mailer.backend.DbBackend").send_messages(setup.messages)
        call_command("send_mail")

    return _timed(setup, send)


# Report.


def report(results: dict[str, list[MailRun]]) -> int:
    """Print the measurements and the ratios; return how many targets were missed."""
    width = max(
        len(name)
        for name in [*results, *(t.name for t in TARGETS), *(name for name, _ in PEER_RATIOS)]
    )
    header = (
        f"{'mail':<{width}}  {'messages':>8}  {'msg/s':>7}  {'seconds':>7}"
        f"  {'cpu ms':>6}  {'smtp ms':>7}  {'kB':>5}"
    )
    print()
    print(header)
    print("-" * len(header))
    for name, runs in results.items():
        print(
            f"{name:<{width}}  {runs[0].messages:>8}"
            f"  {statistics.median(run.throughput for run in runs):>7.0f}"
            f"  {statistics.median(run.seconds for run in runs):>7.2f}"
            f"  {statistics.median(run.cpu_ms for run in runs):>6.2f}"
            f"  {statistics.median(run.smtp_cpu_ms for run in runs):>7.2f}"
            f"  {runs[0].octets / runs[0].messages / 1000:>5.1f}"
        )
    print()
    header = f"{'ratio':<{width}}  {'median':>6}  {'target':>6}  result  per round"
    print(header)
    print("-" * len(header))
    missed = 0
    for target in TARGETS:
        ratios = [
            run.throughput / base.throughput if base.throughput else 0.0
            for run, base in zip(results[PRODUCT], results[target.baseline], strict=True)
        ]
        ratio = statistics.median(ratios)
        passed = ratio >= target.least
        missed += not passed
        print(
            f"{target.name:<{width}}  {ratio:>6.2f}  {target.least:>6.2f}"
            f"  {'PASS' if passed else 'FAIL':<6}  {' '.join(f'{r:.2f}' for r in ratios)}"
        )
    peers = [(name, baseline) for name, baseline in PEER_RATIOS if baseline in results]
    for name, baseline in peers:
        ratios = [
            run.throughput / base.throughput if base.throughput else 0.0
            for run, base in zip(results[PRODUCT], results[baseline], strict=True)
        ]
        print(
            f"{name:<{width}}  {statistics.median(ratios):>6.2f}  {'-':>6}  {'peer':<6}"
            f"  {' '.join(f'{r:.2f}' for r in ratios)}"
        )
    print()
    print("msg/s and seconds: medians over rounds of each run's messages and wall time")
    print("cpu ms: the sender's CPU time per message (rendering and database included);")
    print("smtp ms: the SMTP server's, in its own process; kB: average message size")
    print("ratio: median over rounds of the product's msg/s divided by the baseline's msg/s")
    print("in the same round")
    busy = max(run.smtp_busy for runs in results.values() for run in runs)
    print(f"The SMTP server was busy for at most {busy:.0%} of any run.")
    if busy > SERVER_BUSY_WARNING:
        print("warning: the SMTP server may be limiting the figures; the ratios understate")
    return missed
