"""What `make run` gives a developer: a lasting SECRET_KEY and links to the port it serves."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make") or "make"
KEY_LINE = re.compile(r"^SECRET_KEY=([\w-]{50,})$", re.M)


def _write_dev_secret_key(directory: Path) -> str:
    subprocess.run(  # noqa: S603 (the test's own arguments)
        [MAKE, "--no-print-directory", "-f", str(ROOT / "Makefile"), "dev-secret-key"],
        cwd=directory,
        env=os.environ | {"PYTHON": sys.executable},
        capture_output=True,
        check=True,
    )
    return (directory / ".env").read_text()


def test_make_run_writes_a_development_secret_key_once(tmp_path):
    first = _write_dev_secret_key(tmp_path)
    assert len(KEY_LINE.findall(first)) == 1
    assert _write_dev_secret_key(tmp_path) == first


def test_make_run_fills_in_the_empty_secret_key_of_a_copied_env_example(tmp_path):
    (tmp_path / ".env").write_text("DEBUG=true\nSECRET_KEY=\nSMTP_HOST=mail.example.com\n")
    text = _write_dev_secret_key(tmp_path)
    assert len(KEY_LINE.findall(text)) == 1
    assert text.count("SECRET_KEY=") == 1
    assert text.startswith("DEBUG=true\n") and text.endswith("SMTP_HOST=mail.example.com\n")


def test_make_run_keeps_a_secret_key_already_in_env(tmp_path):
    (tmp_path / ".env").write_text("SECRET_KEY=chosen-by-the-developer\n")
    assert _write_dev_secret_key(tmp_path) == "SECRET_KEY=chosen-by-the-developer\n"


def _environment_of_make_run(*make_args: str) -> dict[str, str]:
    """The variables `make run` exports to the server and the worker, from its dry run."""
    dry_run = subprocess.run(  # noqa: S603 (the test's own arguments)
        [MAKE, "--no-print-directory", "-n", "run", *make_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = [
        word
        for line in dry_run.splitlines()
        if line.startswith("export ")
        for word in shlex.split(line.removeprefix("export ").split(";")[0])
    ]
    # Values the shell would still expand (DEBUG=${DEBUG:-true}) are not links' business.
    return dict(word.split("=", 1) for word in words if "$" not in word)


def _site_url(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT"}}
    result = subprocess.run(
        [sys.executable, "-c", "from meetings_site import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def _no_site_url_in_env_file():
    env_file = ROOT / ".env"
    if env_file.exists() and re.search(
        r"^(export )?(SITE_URL|HOST|PORT)=", env_file.read_text(), re.M
    ):
        pytest.skip("the project's .env sets SITE_URL, HOST or PORT")


@pytest.mark.usefixtures("_no_site_url_in_env_file")
def test_links_follow_the_port_make_run_serves():
    environment = _environment_of_make_run("PORT=8100")
    assert environment["PORT"] == "8100"
    assert _site_url(**environment) == "http://127.0.0.1:8100"


@pytest.mark.usefixtures("_no_site_url_in_env_file")
def test_links_follow_the_host_make_run_listens_on():
    assert _site_url(**_environment_of_make_run("HOST=0.0.0.0")) == "http://localhost:8000"
    assert _site_url(HOST="::1", PORT="8001") == "http://[::1]:8001"


@pytest.mark.usefixtures("_no_site_url_in_env_file")
def test_a_set_site_url_wins_over_host_and_port():
    environment = _environment_of_make_run("PORT=8100")
    assert _site_url(**environment, SITE_URL="https://meet.example.com/") == (
        "https://meet.example.com"
    )
