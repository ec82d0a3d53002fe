from datetime import timedelta

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from meetings_site import sessions

pytestmark = pytest.mark.django_db


def test_sessions_are_those_of_djangos_database_engine(django_assert_num_queries):
    theirs = db.SessionStore()
    theirs["joined_meetings"] = {"123456789": {"name": "Ada"}}
    theirs.save()
    ours = sessions.SessionStore(theirs.session_key)
    with django_assert_num_queries(1):
        assert ours["joined_meetings"] == {"123456789": {"name": "Ada"}}
    ours["extra"] = 1
    ours.save()
    assert db.SessionStore(theirs.session_key).load() == {
        "joined_meetings": {"123456789": {"name": "Ada"}},
        "extra": 1,
    }


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key():
    old = db.SessionStore()
    old["user"] = "1"
    old.save()
    Session.objects.filter(pk=old.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (old.session_key, "no-such-session-key-0123456789ab"):
        store = sessions.SessionStore(key)
        assert store.load() == {}
        assert store.session_key is None
