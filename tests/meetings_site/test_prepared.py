from datetime import datetime, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from meetings.models import Meeting
from meetings_site.prepared import PreparedQuery, PreparedUpdate
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("pk", "title", "starts_at", "host__email")


def _hosted_before(host, until, status):
    return (
        Meeting.objects.filter(host=host, starts_at__lt=until, status=status)
        .order_by("starts_at", "pk")
        .values_list(*COLUMNS)
    )


HOSTED_BEFORE = PreparedQuery(
    _hosted_before, {"host": int, "until": datetime, "status": str}, paged=True
)


@pytest.fixture
def schedule():
    """Two hosts, each with meetings a day apart from tomorrow on, one of them cancelled."""
    hosts = UserFactory.create_batch(2)
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    for host in hosts:
        for day in range(5):
            MeetingFactory(host=host, starts_at=start + timedelta(days=day))
        MeetingFactory(host=host, starts_at=start, status=Meeting.Status.CANCELLED)
    return hosts, start


def test_rows_are_those_of_the_queryset_for_every_set_of_values(schedule):
    hosts, start = schedule
    found = []
    for host in hosts:
        for days in (0, 1, 3, 10):
            for status in ("scheduled", "cancelled", "ended"):
                until = start + timedelta(days=days, minutes=1)
                expected = list(_hosted_before(host, until, status))
                rows = HOSTED_BEFORE.rows(host=host.pk, until=until, status=status, limit=100)
                assert rows == expected
                found += rows
    assert len(found) == 2 * (1 + 2 + 4 + 5) + 2 * 4
    # Times come back as the ORM gives them: aware.
    assert all(timezone.is_aware(starts_at) for _, _, starts_at, _ in found)


def test_pages_are_cut_when_the_query_runs(schedule):
    hosts, start = schedule
    until = start + timedelta(days=10)
    everything = list(_hosted_before(hosts[0], until, "scheduled"))
    pages = [
        HOSTED_BEFORE.rows(host=hosts[0].pk, until=until, status="scheduled", limit=2, offset=o)
        for o in (0, 2, 4, 6)
    ]
    assert pages == [everything[0:2], everything[2:4], everything[4:5], []]


def test_a_run_counts_as_one_query(schedule, django_assert_num_queries):
    hosts, start = schedule
    with django_assert_num_queries(1):
        HOSTED_BEFORE.rows(host=hosts[0].pk, until=start, status="scheduled", limit=5)


def test_a_parameter_that_a_lookup_rewrites_is_refused():
    # icontains wraps and escapes its text: binding the raw value would change the match.
    query = PreparedQuery(
        lambda text: Meeting.objects.filter(title__icontains=text).values_list("pk"),
        {"text": str},
    )
    with pytest.raises(ValueError, match="text"):
        query.rows(text="50%")


def test_only_unsliced_values_list_querysets_are_prepared():
    instances = PreparedQuery(lambda pk: Meeting.objects.filter(pk=pk), {"pk": int})
    with pytest.raises(TypeError):
        instances.rows(pk=1)
    sliced = PreparedQuery(
        lambda pk: Meeting.objects.filter(pk=pk).values_list("pk")[:5], {"pk": int}
    )
    with pytest.raises(TypeError):
        sliced.rows(pk=1)
    unpaged = PreparedQuery(lambda pk: Meeting.objects.filter(pk=pk).values_list("pk"), {"pk": int})
    with pytest.raises(TypeError):
        unpaged.rows(pk=1, limit=5)


def test_a_constant_equal_to_a_stand_in_is_not_taken_for_a_parameter():
    query = PreparedQuery(
        lambda duration: Meeting.objects.filter(duration=duration, sequence=29311).values_list(
            "pk"
        ),
        {"duration": int},
    )
    with pytest.raises(ValueError):
        query.rows(duration=60)


@pytest.mark.usefixtures("schedule")
def test_parameters_fit_small_integer_columns():
    query = PreparedQuery(
        lambda shortest: Meeting.objects.filter(duration__gte=shortest).values_list("pk"),
        {"shortest": int},
    )
    assert len(query.rows(shortest=60)) == 12 and query.rows(shortest=61) == []


COUNT_UP = PreparedUpdate(
    lambda host, below: Meeting.objects.filter(host=host, sequence__lt=below),
    {"host": int, "below": int},
    {"sequence": F("sequence") + 1},
)


def test_an_update_changes_the_rows_of_its_queryset(schedule, django_assert_num_queries):
    hosts, _ = schedule
    with django_assert_num_queries(1):
        assert COUNT_UP.run(host=hosts[0].pk, below=2) == 6
    assert COUNT_UP.run(host=hosts[0].pk, below=2) == 6
    assert COUNT_UP.run(host=hosts[0].pk, below=2) == 0
    assert set(Meeting.objects.filter(host=hosts[0]).values_list("sequence", flat=True)) == {2}
    assert set(Meeting.objects.filter(host=hosts[1]).values_list("sequence", flat=True)) == {0}


def test_an_update_across_tables_is_refused():
    query = PreparedUpdate(
        lambda email: Meeting.objects.filter(host__email=email), {"email": str}, {"sequence": 0}
    )
    with pytest.raises(TypeError):
        query.run(email="ada@example.com")
