"""The IANA time zones people can choose from, and the current names of old ones."""

import zoneinfo
from functools import cache
from html import escape

from django import forms
from django.utils import timezone
from django.utils.safestring import mark_safe

# Old names of current zones, from the tz database's `backward` file (release
# 2026c), sections "Pre-1993 naming conventions", "Two-part names that were
# renamed mostly to three-part names in 1995", "Non-zone.tab locations with
# timestamps since 1970 that duplicate those of an existing location" and
# "Alternate names for the same location". Where a link notes the name it would
# point to ("#= TARGET1", e.g. Iceland: Atlantic/Reykjavik rather than
# Africa/Abidjan), that name is used; chains are followed to a zone.tab name.
# Left out is the section "Pre-2013 practice": Europe/Amsterdam, Africa/Accra
# and the like are current zone.tab locations, merely sharing their clocks since
# 1970 with another zone. The Etc/UTC and GMT family is UTC here.
CURRENT_NAMES: dict[str, str] = {
    "Africa/Asmera": "Africa/Asmara",
    "Africa/Timbuktu": "Africa/Abidjan",
    "America/Argentina/ComodRivadavia": "America/Argentina/Catamarca",
    "America/Atka": "America/Adak",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Coral_Harbour": "America/Panama",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Ensenada": "America/Tijuana",
    "America/Fort_Wayne": "America/Indiana/Indianapolis",
    "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Knox_IN": "America/Indiana/Knox",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Mendoza": "America/Argentina/Mendoza",
    "America/Montreal": "America/Toronto",
    "America/Nipigon": "America/Toronto",
    "America/Pangnirtung": "America/Iqaluit",
    "America/Porto_Acre": "America/Rio_Branco",
    "America/Rainy_River": "America/Winnipeg",
    "America/Rosario": "America/Argentina/Cordoba",
    "America/Santa_Isabel": "America/Tijuana",
    "America/Shiprock": "America/Denver",
    "America/Thunder_Bay": "America/Toronto",
    "America/Virgin": "America/St_Thomas",
    "America/Yellowknife": "America/Edmonton",
    "Antarctica/South_Pole": "Pacific/Auckland",
    "Asia/Ashkhabad": "Asia/Ashgabat",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Choibalsan": "Asia/Ulaanbaatar",
    "Asia/Chongqing": "Asia/Shanghai",
    "Asia/Chungking": "Asia/Shanghai",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Harbin": "Asia/Shanghai",
    "Asia/Istanbul": "Europe/Istanbul",
    "Asia/Kashgar": "Asia/Urumqi",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Macao": "Asia/Macau",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Tel_Aviv": "Asia/Jerusalem",
    "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Atlantic/Jan_Mayen": "Europe/Berlin",
    "Australia/ACT": "Australia/Sydney",
    "Australia/Canberra": "Australia/Sydney",
    "Australia/Currie": "Australia/Hobart",
    "Australia/LHI": "Australia/Lord_Howe",
    "Australia/NSW": "Australia/Sydney",
    "Australia/North": "Australia/Darwin",
    "Australia/Queensland": "Australia/Brisbane",
    "Australia/South": "Australia/Adelaide",
    "Australia/Tasmania": "Australia/Hobart",
    "Australia/Victoria": "Australia/Melbourne",
    "Australia/West": "Australia/Perth",
    "Australia/Yancowinna": "Australia/Broken_Hill",
    "Brazil/Acre": "America/Rio_Branco",
    "Brazil/DeNoronha": "America/Noronha",
    "Brazil/East": "America/Sao_Paulo",
    "Brazil/West": "America/Manaus",
    "CET": "Europe/Brussels",
    "CST6CDT": "America/Chicago",
    "Canada/Atlantic": "America/Halifax",
    "Canada/Central": "America/Winnipeg",
    "Canada/Eastern": "America/Toronto",
    "Canada/Mountain": "America/Edmonton",
    "Canada/Newfoundland": "America/St_Johns",
    "Canada/Pacific": "America/Vancouver",
    "Canada/Saskatchewan": "America/Regina",
    "Canada/Yukon": "America/Whitehorse",
    "Chile/Continental": "America/Santiago",
    "Chile/EasterIsland": "Pacific/Easter",
    "Cuba": "America/Havana",
    "EET": "Europe/Athens",
    "EST": "America/Panama",
    "EST5EDT": "America/New_York",
    "Egypt": "Africa/Cairo",
    "Eire": "Europe/Dublin",
    "Etc/GMT": "UTC",
    "Etc/GMT+0": "UTC",
    "Etc/GMT-0": "UTC",
    "Etc/GMT0": "UTC",
    "Etc/Greenwich": "UTC",
    "Etc/UCT": "UTC",
    "Etc/UTC": "UTC",
    "Etc/Universal": "UTC",
    "Etc/Zulu": "UTC",
    "Europe/Belfast": "Europe/London",
    "Europe/Kiev": "Europe/Kyiv",
    "Europe/Nicosia": "Asia/Nicosia",
    "Europe/Tiraspol": "Europe/Chisinau",
    "Europe/Uzhgorod": "Europe/Kyiv",
    "Europe/Zaporozhye": "Europe/Kyiv",
    "GB": "Europe/London",
    "GB-Eire": "Europe/London",
    "GMT+0": "UTC",
    "GMT-0": "UTC",
    "GMT0": "UTC",
    "Greenwich": "UTC",
    "HST": "Pacific/Honolulu",
    "Hongkong": "Asia/Hong_Kong",
    "Iceland": "Atlantic/Reykjavik",
    "Iran": "Asia/Tehran",
    "Israel": "Asia/Jerusalem",
    "Jamaica": "America/Jamaica",
    "Japan": "Asia/Tokyo",
    "Kwajalein": "Pacific/Kwajalein",
    "Libya": "Africa/Tripoli",
    "MET": "Europe/Brussels",
    "MST": "America/Phoenix",
    "MST7MDT": "America/Denver",
    "Mexico/BajaNorte": "America/Tijuana",
    "Mexico/BajaSur": "America/Mazatlan",
    "Mexico/General": "America/Mexico_City",
    "NZ": "Pacific/Auckland",
    "NZ-CHAT": "Pacific/Chatham",
    "Navajo": "America/Denver",
    "PRC": "Asia/Shanghai",
    "PST8PDT": "America/Los_Angeles",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Johnston": "Pacific/Honolulu",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Samoa": "Pacific/Pago_Pago",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Yap": "Pacific/Port_Moresby",
    "Poland": "Europe/Warsaw",
    "Portugal": "Europe/Lisbon",
    "ROC": "Asia/Taipei",
    "ROK": "Asia/Seoul",
    "Singapore": "Asia/Singapore",
    "Turkey": "Europe/Istanbul",
    "UCT": "UTC",
    "US/Alaska": "America/Anchorage",
    "US/Aleutian": "America/Adak",
    "US/Arizona": "America/Phoenix",
    "US/Central": "America/Chicago",
    "US/East-Indiana": "America/Indiana/Indianapolis",
    "US/Eastern": "America/New_York",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Indiana-Starke": "America/Indiana/Knox",
    "US/Michigan": "America/Detroit",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
    "US/Samoa": "Pacific/Pago_Pago",
    "Universal": "UTC",
    "W-SU": "Europe/Moscow",
    "WET": "Europe/Lisbon",
    "Zulu": "UTC",
}

# Names in the zone database that are no place of their own.
_NOT_PLACES = ("Etc/", "SystemV/", "posix/", "right/")


@cache
def timezone_names() -> frozenset[str]:
    """Current Area/Location names (zone.tab's), and UTC; no aliases, no fixed offsets."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(_NOT_PLACES) and name not in CURRENT_NAMES
    }
    names.add("UTC")
    return frozenset(names)


@cache
def _zones() -> dict[str, zoneinfo.ZoneInfo]:
    # Held here: zoneinfo keeps only a few zones strongly, and would read the
    # others' files again every time the choices are shown.
    return {name: zoneinfo.ZoneInfo(name) for name in timezone_names()}


@cache
def aliases() -> dict[str, list[str]]:
    """The old names of each current zone: Asia/Calcutta for Asia/Kolkata."""
    old_names: dict[str, list[str]] = {}
    for alias, name in sorted(CURRENT_NAMES.items()):
        old_names.setdefault(name, []).append(alias)
    return old_names


def current_timezone_name(name: str) -> str:
    """The current name of a zone given by an old one (Europe/Kiev: Europe/Kyiv), else the name."""
    current = CURRENT_NAMES.get(name, name)
    return current if current in timezone_names() else name


def _offset_label(offset_minutes: int) -> str:
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"UTC{sign}{hours:02}:{minutes:02}"


def timezone_choices() -> list[tuple[str, str]]:
    """Every current zone labelled with its offset now, "(UTC+05:30) Asia/Kolkata", west to east.

    Called whenever choices are shown, so labels follow daylight saving time.
    """
    now = timezone.now()
    entries = []
    for name, zone in _zones().items():
        offset = now.astimezone(zone).utcoffset()
        minutes = int(offset.total_seconds() // 60)
        entries.append((minutes, name))
    return [
        (name, f"({_offset_label(minutes)}) {name.replace('_', ' ')}")
        for minutes, name in sorted(entries)
    ]


class TimeZoneSelect(forms.Select):
    """A select of time zones, made searchable by a small script (by place, old name or
    offset); without the script it is a plain select."""

    class Media:
        js = [forms.Script("js/timezone-select.js", defer=True)]

    # The <select> itself is a template; its options are written in get_context().
    template_name = "forms/timezone_select.html"

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-timezone-search": "", **(attrs or {})}, choices)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        # So that searching "Calcutta" finds Asia/Kolkata, and a browser that names its
        # zone by an old name (some say Asia/Calcutta) is matched.
        if old_names := aliases().get(str(value)):
            option["attrs"]["data-aliases"] = " ".join(old_names)
        return option

    def get_context(self, name, value, attrs):
        """Django's context, and its options as the markup Django's option template writes.

        Each of some 420 options through select_option.html and attrs.html cost a page
        about 18 ms; the same markup written here costs about one. Time zones are never
        grouped, so there is no <optgroup>.
        """
        context = super().get_context(name, value, attrs)
        context["widget"]["options_html"] = _options_html(context["widget"]["optgroups"])
        return context


def _options_html(optgroups) -> str:
    """The options as django/forms/widgets/select_option.html writes them."""
    html = "".join(
        f'\n  <option value="{escape(str(option["value"]))}"{_attributes(option["attrs"])}>'
        f"{escape(str(option['label']))}</option>\n"
        for _, group, _ in optgroups
        for option in group
    )
    return mark_safe(html)  # noqa: S308 (every value, attribute and label is escaped above)


def _attributes(attrs: dict) -> str:
    """An option's attributes as django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class TimeZoneField(forms.ChoiceField):
    """A current time zone; an old name (Asia/Calcutta) is accepted as its current one."""

    widget = TimeZoneSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", timezone_choices)
        super().__init__(**kwargs)

    def to_python(self, value):
        return current_timezone_name(super().to_python(value))


def store_current_names(model) -> None:
    """Replace old zone names saved in `model.timezone` by current ones (data migrations)."""
    stored = model.objects.filter(timezone__in=list(CURRENT_NAMES))
    for name in set(stored.values_list("timezone", flat=True)):
        model.objects.filter(timezone=name).update(timezone=CURRENT_NAMES[name])
