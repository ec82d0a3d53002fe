import importlib
import re
import zoneinfo
from datetime import UTC, datetime

import pytest
from django import forms
from django.apps import apps
from django.urls import reverse

from accounts.models import User, default_timezone
from accounts.timezones import (
    CURRENT_NAMES,
    TimeZoneField,
    TimeZoneSelect,
    current_timezone_name,
    timezone_choices,
    timezone_names,
)
from meetings.forms import MeetingForm
from meetings.models import Meeting
from tests.factories import MeetingFactory, UserFactory


def test_the_picker_lists_current_zones_only():
    names = [name for name, _ in timezone_choices()]
    assert {"Asia/Kolkata", "Europe/Kyiv", "Europe/Amsterdam", "America/New_York", "UTC"} <= set(
        names
    )
    assert not set(names) & set(CURRENT_NAMES)
    for old in ["Asia/Calcutta", "Europe/Kiev", "US/Eastern", "Etc/UTC", "GMT", "EST5EDT"]:
        assert old not in names
    assert not [name for name in names if name.startswith(("US/", "Etc/", "Canada/"))]
    # zone.tab has some 420 places; the raw list had about 600 names.
    assert 400 < len(names) < 440
    assert len(names) == len(set(names))


def test_each_zone_is_labelled_with_its_offset_now():
    labels = dict(timezone_choices())
    assert labels["Asia/Kolkata"] == "(UTC+05:30) Asia/Kolkata"
    assert labels["UTC"] == "(UTC+00:00) UTC"
    assert labels["Asia/Kathmandu"] == "(UTC+05:45) Asia/Kathmandu"
    behind = -datetime.now(zoneinfo.ZoneInfo("America/New_York")).utcoffset().total_seconds()
    assert labels["America/New_York"] == f"(UTC-{int(behind) // 3600:02}:00) America/New York"


def _offset(label: str) -> int:
    sign, hours, minutes = re.match(r"\(UTC([+-])(\d\d):(\d\d)\)", label).groups()
    return (1 if sign == "+" else -1) * (int(hours) * 60 + int(minutes))


def test_zones_are_sorted_from_west_to_east_then_by_name():
    entries = [(_offset(label), name) for name, label in timezone_choices()]
    assert entries == sorted(entries)
    assert entries[0][0] <= -11 * 60 and entries[-1][0] >= 14 * 60


@pytest.mark.parametrize("moment", ["2026-01-15T12:00:00", "2026-07-15T12:00:00"])
def test_every_old_name_keeps_its_clock_under_its_current_name(moment):
    when = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    available = zoneinfo.available_timezones()
    for old, current in CURRENT_NAMES.items():
        assert current in timezone_names(), current
        if old in available:
            assert (
                when.astimezone(zoneinfo.ZoneInfo(old)).utcoffset()
                == when.astimezone(zoneinfo.ZoneInfo(current)).utcoffset()
            ), old


@pytest.mark.parametrize(
    ("old", "current"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("US/Eastern", "America/New_York"),
        ("Iceland", "Atlantic/Reykjavik"),
        ("Etc/UTC", "UTC"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),
    ],
)
def test_an_old_name_is_taken_as_the_current_one(old, current):
    assert current_timezone_name(old) == current
    assert TimeZoneField().clean(old) == current


def test_an_unknown_zone_is_refused_with_a_clear_message():
    with pytest.raises(Exception, match="Select a valid choice"):
        TimeZoneField().clean("Mars/Olympus")


def test_the_meeting_form_picks_zones_the_same_way():
    assert isinstance(MeetingForm.base_fields["timezone"], TimeZoneField)


def test_new_accounts_get_the_current_name_of_the_site_zone(settings):
    settings.TIME_ZONE = "US/Central"
    assert default_timezone() == "America/Chicago"


@pytest.mark.django_db
def test_sign_up_with_an_old_zone_name_stores_the_current_one(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "new@example.com",
            "timezone": "Europe/Kiev",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").timezone == "Europe/Kyiv"


@pytest.mark.django_db
def test_profile_with_an_old_zone_name_stores_the_current_one(host_client, user):
    response = host_client.post(
        reverse("accounts:profile"),
        {"first_name": "Ada", "last_name": "Lovelace", "timezone": "Asia/Calcutta"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.timezone == "Asia/Kolkata"


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["accounts:profile", "meetings:create"])
def test_the_picker_is_a_plain_select_that_a_script_makes_searchable(host_client, page):
    html = host_client.get(reverse(page)).text
    select = re.search(r'<select name="timezone"[^>]*>', html).group(0)
    assert "data-timezone-search" in select
    assert '<script src="/static/js/timezone-select.js" defer></script>' in html
    assert re.search(
        r'<option value="Asia/Kolkata" data-aliases="Asia/Calcutta"[^>]*>'
        r"\(UTC\+05:30\) Asia/Kolkata</option>",
        html,
    )
    assert 'value="Asia/Calcutta"' not in html


class _DjangoTemplateSelect(TimeZoneSelect):
    template_name = forms.Select.template_name


@pytest.mark.parametrize("value", ["Asia/Kolkata", "UTC", "", None, 'Nowhere/"<&>'])
def test_the_picker_writes_the_markup_of_django_select_templates(value):
    choices = [*timezone_choices(), ('Odd/"<&>', 'Odd & "<quoted>"')]
    attrs = {"data-detect-timezone": "", "required": True, "disabled": False, "id": "id_tz"}
    ours = TimeZoneSelect(attrs=attrs, choices=choices).render("timezone", value)
    django = _DjangoTemplateSelect(attrs=attrs, choices=choices).render("timezone", value)
    assert ours == django
    assert 'data-aliases="Asia/Calcutta"' in ours


def _migration(app: str, name: str):
    return importlib.import_module(f"{app}.migrations.{name}")


@pytest.mark.django_db
def test_saved_profiles_with_old_zone_names_get_the_current_ones():
    calcutta = UserFactory(timezone="Asia/Calcutta")
    kiev = UserFactory(timezone="Europe/Kiev")
    berlin = UserFactory(timezone="Europe/Berlin")
    _migration("accounts", "0003_timezone_current_names").forwards(apps, None)
    stored = dict(User.objects.values_list("pk", "timezone"))
    assert stored[calcutta.pk] == "Asia/Kolkata"
    assert stored[kiev.pk] == "Europe/Kyiv"
    assert stored[berlin.pk] == "Europe/Berlin"
    for user in User.objects.all():
        user.full_clean()


@pytest.mark.django_db
def test_saved_meetings_with_old_zone_names_get_the_current_ones():
    old = MeetingFactory(timezone="US/Pacific")
    current = MeetingFactory(timezone="Asia/Tokyo")
    _migration("meetings", "0008_timezone_current_names").forwards(apps, None)
    stored = dict(Meeting.objects.values_list("pk", "timezone"))
    assert stored == {old.pk: "America/Los_Angeles", current.pk: "Asia/Tokyo"}
