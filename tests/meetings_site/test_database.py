import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_settings(url: str) -> dict:
    """DATABASES["default"] as settings.py builds it for this DATABASE_URL."""
    code = (
        "import json; from meetings_site import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_postgres_commits_return_without_waiting_for_the_disk_flush():
    database = _database_settings("postgres://meetings@db.example:5432/meetings")
    assert database["OPTIONS"]["options"] == "-c synchronous_commit=off"
    assert database["CONN_MAX_AGE"] == 60


def test_options_in_the_database_url_replace_the_default():
    url = "postgres://meetings@db.example:5432/meetings?options=-c%20synchronous_commit%3Don"
    assert _database_settings(url)["OPTIONS"]["options"] == "-c synchronous_commit=on"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own setting")
def test_a_postgres_connection_commits_asynchronously():
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("off",)
