import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from meetings_site.limits import Limit, address_key, attempt_refund, attempt_reserve
from meetings_site.models import AttemptWindow

LIMIT = Limit("test", "192.0.2.1", 10, timedelta(minutes=15))


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("unknown", "unknown"),
    ],
)
def test_an_address_is_counted_per_host_and_an_ipv6_client_per_network(address, key):
    assert address_key(address) == key


@pytest.mark.django_db
def test_a_refused_attempt_says_how_long_until_its_window_ends():
    for _ in range(10):
        assert attempt_reserve(limits=[LIMIT]).granted
    refused = attempt_reserve(limits=[LIMIT])
    assert not refused.granted
    assert 0 < refused.retry_after <= 15 * 60


@pytest.mark.django_db
def test_an_attempt_refused_by_one_limit_counts_against_none():
    full = Limit("test", "full", 1, timedelta(minutes=15))
    attempt_reserve(limits=[full])
    assert not attempt_reserve(limits=[LIMIT, full]).granted
    assert not AttemptWindow.objects.filter(key=LIMIT.key, attempts__gt=0).exists()


@pytest.mark.django_db
def test_a_refunded_attempt_is_given_back():
    reservation = attempt_reserve(limits=[LIMIT])
    attempt_refund(reservation=reservation)
    assert AttemptWindow.objects.get(key=LIMIT.key).attempts == 0


@pytest.mark.django_db
def test_a_new_window_removes_the_finished_ones():
    AttemptWindow.objects.create(
        scope="test", key="someone-else", window_start="2020-01-01T00:00Z", attempts=3
    )
    attempt_reserve(limits=[LIMIT])
    assert list(AttemptWindow.objects.values_list("key", flat=True)) == [LIMIT.key]


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_never_pass_the_limit():
    granted = []
    start = threading.Barrier(8)

    def guess():
        try:
            start.wait()
            for _ in range(5):
                granted.append(attempt_reserve(limits=[LIMIT]).granted)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 10
    assert AttemptWindow.objects.get(key=LIMIT.key).attempts == 10


@pytest.mark.django_db
def test_a_first_attempt_is_granted_when_another_opens_the_window_meanwhile():
    """Two first attempts of a key at once: the other one's row appears between this
    attempt's UPDATE (no row yet) and its next look. Neither is at the limit."""
    opened = []

    def open_window_after_the_first_update(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not opened and sql.lstrip().upper().startswith("UPDATE"):
            opened.append(True)
            AttemptWindow.objects.create(
                scope=LIMIT.scope,
                key=LIMIT.stored_key,
                window_start=LIMIT.window_start(timezone.now()),
                attempts=1,
            )
        return result

    with connection.execute_wrapper(open_window_after_the_first_update):
        reservation = attempt_reserve(limits=[LIMIT])

    assert opened
    assert reservation.granted
    assert AttemptWindow.objects.get(key=LIMIT.key).attempts == 2
