"""The server under test: production settings, a fresh database, gunicorn on loopback.

The database is a SQLite file in the run's work directory, or a PostgreSQL
database that the bench creates for the run (and drops afterwards) on the server
of the URL it is given.
"""

import base64
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Each rejected passcode counts against these limits; a run sends tens of
# thousands, and a 429 would measure the refusal instead of the comparison.
UNLIMITED_ATTEMPTS = "100000000"
# Served instead of meetings_site.wsgi: the same application, with Google faked
# in the process (bench/fake_google.py).
WSGI_APP = "pages_wsgi:application"


class ServerError(RuntimeError):
    """The database, the static files or gunicorn could not be set up."""


@dataclass(frozen=True)
class ServerOptions:
    workers: int
    threads: int
    work_dir: Path


def free_port() -> int:
    """A port the kernel just handed out; gunicorn binds it a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def derived_database(url: str, suffix: str) -> str:
    """The URL of a database of the bench's own, named after the given one: <name>_<suffix>."""
    parts = urlsplit(url)
    name = database_name(url) or "meetings_bench"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def _maintenance_connection(url: str):
    """An autocommit connection to the server's `postgres` database (CREATE DATABASE needs one)."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or None,
        port=parts.port or None,
        user=parts.username or None,
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def recreate_postgres_database(url: str) -> None:
    """An empty database of this name, whatever was there (only ever the bench's own)."""
    from psycopg import sql

    name = sql.Identifier(database_name(url))
    with _maintenance_connection(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_postgres_database(url: str) -> None:
    from psycopg import sql

    name = sql.Identifier(database_name(url))
    with _maintenance_connection(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def postgres_backends_cpu_seconds(name: str) -> float | None:
    """CPU time so far of the PostgreSQL backends connected to database `name`; None without /proc.

    PostgreSQL shows each backend's user and database in its process title
    ("postgres: user name 127.0.0.1(port) idle"), which /proc gives as its
    command line. The scheduler's count (schedstat, in nanoseconds) is exact
    where the stat file counts whole clock ticks, too coarse for one request.
    """
    nanoseconds = 0
    try:
        entries = list(Path("/proc").glob("[0-9]*"))
    except OSError:
        return None
    for entry in entries:
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {name} " not in title:
                continue
            nanoseconds += int((entry / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return nanoseconds / 1e9


def production_env(*, port: int, database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    """Production settings, relaxed only where plain http on loopback needs it."""
    env = {
        "DJANGO_SETTINGS_MODULE": "meetings_site.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # The key of the stored Google tokens (a Fernet key: 32 random bytes, base64).
        "MAIL_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SITE_URL": f"http://{HOST}:{port}",
        "DATABASE_URL": database_url,
        "PASSCODE_ATTEMPTS_PER_MEETING": UNLIMITED_ATTEMPTS,
        "PASSCODE_ATTEMPTS_PER_ADDRESS": UNLIMITED_ATTEMPTS,
        # Every booking POST of the run comes from 127.0.0.1.
        "BOOKING_POSTS_PER_ADDRESS": UNLIMITED_ATTEMPTS,
        # The API scenarios send one token from one address.
        "API_REQUESTS_PER_CALLER": UNLIMITED_ATTEMPTS,
        "API_REQUESTS_PER_ADDRESS": UNLIMITED_ATTEMPTS,
    }
    env.update(extra)
    return env


def manage(*args: str, env: Mapping[str, str] | None = None) -> str:
    """Run a management command in a child process (by default with the current environment)."""
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise ServerError(
            f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def prepare_database_and_static(env: Mapping[str, str] | None = None) -> None:
    """Schema for the fresh database, and the static manifest that DEBUG=false requires."""
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)


def _gunicorn_command(port: int, options: ServerOptions) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        WSGI_APP,
        "--bind",
        f"{HOST}:{port}",
        # Threads keep idle keep-alive connections open; the sync worker would close each one.
        "--worker-class",
        "gthread",
        "--workers",
        str(options.workers),
        "--threads",
        str(options.threads),
        "--chdir",
        str(ROOT),
        # For pages_wsgi and fake_google, next to this module.
        "--pythonpath",
        str(ROOT / "bench"),
        "--log-level",
        "warning",
    ]
    if _has_control_socket():
        # Otherwise every gunicorn of the user shares one socket path in the home directory.
        command.append("--no-control-socket")
    return command


def _has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


@dataclass(frozen=True)
class Server:
    """The running gunicorn master, for reading its workers' CPU time."""

    pid: int
    # PostgreSQL's database name, whose backends' CPU time counts as the server's too.
    postgres_database: str | None = None

    def database_cpu_seconds(self) -> float | None:
        """CPU time of the PostgreSQL backends serving the workers; None on SQLite."""
        if self.postgres_database is None:
            return None
        return postgres_backends_cpu_seconds(self.postgres_database)

    def workers_cpu_seconds(self) -> float | None:
        """User plus system CPU time of the worker processes so far; None without /proc.

        CPU time per request is much steadier than throughput when other work
        shares the machine: it shows what a request costs, not what it got.
        """
        ticks = 0
        try:
            stats = list(Path("/proc").glob("[0-9]*/stat"))
        except OSError:
            return None
        for stat in stats:
            try:
                # After the ")" that closes the command name: state, ppid, ... utime, stime.
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK") if stats else None


@contextlib.contextmanager
def gunicorn(
    port: int, options: ServerOptions, env: Mapping[str, str], *, log_name: str = "gunicorn.log"
) -> Iterator[Server]:
    """Serve the site with `env` for the duration of the block, and always stop it afterwards."""
    log_path = options.work_dir / log_name
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _gunicorn_command(port, options),
            cwd=ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: Ctrl-C reaches the bench alone, which then stops the
            # server in order instead of racing it.
            start_new_session=True,
        )
    try:
        _wait_until_ready(process, port)
        url = env.get("DATABASE_URL", "")
        yield Server(process.pid, database_name(url) if is_postgres(url) else None)
    except Exception:
        _print_log_tail(log_path)
        raise
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    answer = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"gunicorn exited with status {process.returncode} at start-up")
        connection = HTTPConnection(HOST, port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            status = connection.getresponse().status
            if status == 200:
                return
            answer = f"status {status}"
        except OSError as error:
            answer = str(error)
        finally:
            connection.close()
        time.sleep(0.1)
    raise ServerError(f"GET /healthz did not answer 200 within {seconds:g} s ({answer})")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM is gunicorn's graceful shutdown; kill only if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=35)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _print_log_tail(log_path: Path, lines: int = 30) -> None:
    try:
        tail = log_path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return
    if tail:
        print("--- last lines of the gunicorn log ---", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
