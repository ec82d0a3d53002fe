"""Sessions in the database, as Django's `db` engine keeps them, read with a prepared query.

Every request of a logged-in user loads its session first; the statement is
compiled once per connection instead of on every request (meetings_site/prepared.py).
Rows, cookies and everything else are those of `django.contrib.sessions.backends.db`,
so the two engines can replace each other without logging anyone out.
"""

from datetime import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from meetings_site.prepared import PreparedQuery

_live_session = PreparedQuery(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data", "expire_date"
    ),
    {"key": str, "now": datetime},
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        rows = _live_session.rows(
            using=router.db_for_read(self.model), key=self.session_key, now=timezone.now()
        )
        if not rows:
            self._session_key = None
            return None
        data, expire_date = rows[0]
        return self.model(session_key=self.session_key, session_data=data, expire_date=expire_date)
