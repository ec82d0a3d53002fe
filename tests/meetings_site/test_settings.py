import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from meetings_site import checks

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "a-production-secret-that-is-long-enough-and-random-0123456789abcdef",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "meet.example.com",
    "SITE_URL": "https://meet.example.com",
}


def _check_deploy(**env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deployment_checks():
    result = _check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deployment_checks_catch_a_missing_secret_key_and_plain_http_links():
    result = _check_deploy(**(PRODUCTION | {"SECRET_KEY": "", "SITE_URL": "http://x.example"}))
    assert result.returncode != 0
    assert "meetings_site.E001" in result.stderr and "meetings_site.E002" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' https://meet.jit.si" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_health_check_answers_plain_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


def _cache_settings(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from meetings_site import settings as s; print(repr((s.CACHES, s.SESSION_ENGINE)))",
        ],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=True,
    )
    caches, session_engine = ast.literal_eval(result.stdout.strip())
    return caches["default"] | {"session_engine": session_engine}


def test_sessions_use_a_cache_in_front_of_the_database_only_when_the_cache_is_shared():
    local = _cache_settings()
    assert local["BACKEND"].endswith("LocMemCache")
    assert local["session_engine"] == "django.contrib.sessions.backends.db"
    shared = _cache_settings(CACHE_URL="redis://127.0.0.1:6379/1")
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert "MAX_ENTRIES" not in shared.get("OPTIONS", {})
    assert shared["session_engine"] == "django.contrib.sessions.backends.cached_db"


@pytest.mark.parametrize(("days", "errors"), [(30, 0), (0, 0), (36_500, 0), (-1, 1), (36_501, 1)])
def test_link_expiry_days_must_be_0_to_36500(settings, days, errors):
    settings.MEETING_LINKS_EXPIRE_DAYS = days
    found = checks.links_expire_days_in_range(None)
    assert len(found) == errors
    if errors:
        assert found[0].id == "meetings_site.E003"
        assert f"MEETING_LINKS_EXPIRE_DAYS is {days}" in found[0].msg
