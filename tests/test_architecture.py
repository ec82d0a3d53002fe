"""The layers of docs/architecture.md, held against the code's imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("meetings_site", "accounts", "contacts", "meetings", "invitations", "bookings")
# Which apps each app may import; everything else goes down through these.
ALLOWED = {
    "meetings_site": set(),
    "accounts": {"meetings_site"},
    "contacts": {"accounts", "meetings_site"},
    "meetings": {"accounts", "meetings_site"},
    "invitations": {"accounts", "contacts", "meetings", "meetings_site"},
    "bookings": {"accounts", "contacts", "meetings", "invitations", "meetings_site"},
}
# The exceptions, each one module wide.
EXCEPTIONS = {
    # The project's URLconf mounts every app's views.
    "meetings_site/urls.py": set(APPS),
    # The JSON API mounts every app's router (`<app>/api.py`) and the accounts' authentication.
    "meetings_site/api.py": set(APPS),
    # The mail check reads the mail settings row.
    "meetings_site/checks.py": {"invitations"},
    # Scheduling, moving and cancelling a meeting tell its invitees.
    "meetings/services.py": {"invitations"},
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


@pytest.mark.parametrize(("app", "path"), list(_modules()), ids=lambda v: str(v))
def test_apps_import_only_the_layers_below_them(app, path):
    relative = path.relative_to(ROOT).as_posix()
    allowed = ALLOWED[app] | EXCEPTIONS.get(relative, set()) | {app}
    for module in _imports(path):
        top = module.split(".")[0]
        if top in APPS:
            assert top in allowed, f"{relative} imports {module}"
            if top != app and relative != "meetings_site/urls.py":
                assert ".views" not in module, f"{relative} imports another app's views: {module}"


API_MODULES = sorted([*ROOT.glob("*/api.py"), *ROOT.glob("*/api/*.py")])


@pytest.mark.parametrize("path", API_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_api_routers_import_no_views(path):
    """A router calls the services and selectors the pages call, never a page's view."""
    assert API_MODULES
    for module in _imports(path):
        assert ".views" not in module, f"{path.relative_to(ROOT)} imports {module}"
