"""The IANA time zones people can choose from."""

import zoneinfo
from functools import cache


@cache
def timezone_names() -> tuple[str, ...]:
    """Canonical Area/Location names, without aliases like 'posixrules' or 'Factory'."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    names.add("UTC")
    return tuple(sorted(names))


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()
