"""Querysets turned into SQL once, for the reads of the busiest pages.

Turning a queryset into SQL (resolving lookups and joins, choosing columns and
converters, ordering) costs several times more than the database takes to
answer the small indexed reads of the hot pages. A PreparedQuery builds its
queryset once per database connection, with stand-in values for its
parameters; it keeps the SQL, where each stand-in landed among the statement's
parameters, and the column converters. Each run then binds the real values and
converts the rows as the ORM would, so the queryset stays the one definition
of what is read.

A parameter must reach the statement as it is given: an equality, a
comparison, an IN or a foreign key, not something a lookup rewrites (such as
the pattern of `icontains`). Anything else fails when the query is prepared,
never with wrong rows.
"""

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable

# Values no real parameter takes: keys are positive, times are recent, and the
# text holds the characters that a LIKE lookup would escape, so that one shows.
_STAND_INS = {
    int: lambda n: -7_000_000_001 - n,
    datetime: lambda n: datetime(1901, 2, 3, 4, 5, 6, 700_000 + n, tzinfo=UTC),
    str: lambda n: f"%_\\prepared-{n}",
}


@dataclass(frozen=True)
class _Slot:
    """Where a parameter of the prepared query goes, and whether it is a time to adapt."""

    name: str
    adapt_datetime: bool


@dataclass(frozen=True)
class _Statement:
    sql: str
    # A constant of the query, or the _Slot that a run fills in.
    params: tuple[Any, ...]
    compiler: Any
    converters: dict


class PreparedQuery:
    """A values_list() queryset, compiled once per database connection; see the module."""

    def __init__(self, build: Callable[..., QuerySet], params: dict[str, type], *, paged=False):
        """`build(**params)` returns the queryset; `params` maps each parameter to int, str
        or datetime. With `paged`, each run also takes `limit` and `offset`: the queryset
        itself is not sliced.
        """
        self._build = build
        self._stand_ins = {
            name: _STAND_INS[kind](n) for n, (name, kind) in enumerate(params.items())
        }
        self._paged = paged
        # Converters belong to the connection that compiled them, and connections to
        # threads: one statement per connection.
        self._statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, limit=None, offset=0, **values) -> list:
        """The rows, as tuples in the order of the queryset's values_list()."""
        connection = connections[using]
        statement = self._statements.get(connection)
        if statement is None:
            statement = self._statements[connection] = self._prepare(connection, using)
        adapt = connection.ops.adapt_datetimefield_value
        params = [
            (adapt(values[p.name]) if p.adapt_datetime else values[p.name])
            if isinstance(p, _Slot)
            else p
            for p in statement.params
        ]
        sql = statement.sql
        if self._paged:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        elif limit is not None or offset:
            raise TypeError("limit and offset need a PreparedQuery(..., paged=True)")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if statement.converters:
            rows = statement.compiler.apply_converters(rows, statement.converters)
        return [tuple(row) for row in rows]

    def _prepare(self, connection, using: str) -> _Statement:
        queryset = self._build(**self._stand_ins)
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("a PreparedQuery reads values_list() rows")
        if queryset.query.is_sliced:
            raise TypeError("a PreparedQuery is sliced when it runs (paged=True), not when built")
        compiler = queryset.query.get_compiler(using=using)
        sql, compiled = compiler.as_sql()
        adapted = {
            name: connection.ops.adapt_datetimefield_value(stand_in)
            for name, stand_in in self._stand_ins.items()
            if isinstance(stand_in, datetime)
        }
        params, seen = [], set()
        for value in compiled:
            slot = self._slot_for(value, adapted)
            params.append(slot if slot is not None else value)
            if slot is not None:
                seen.add(slot.name)
        missing = set(self._stand_ins) - seen
        inlined = [str(stand_in) for stand_in in self._stand_ins.values() if str(stand_in) in sql]
        if missing or inlined:
            raise ValueError(
                f"parameters {sorted(missing | set(inlined))} do not reach the SQL as given"
            )
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        return _Statement(sql, tuple(params), compiler, compiler.get_converters(fields))

    def _slot_for(self, value, adapted: dict) -> _Slot | None:
        for name, stand_in in self._stand_ins.items():
            if type(value) is type(stand_in) and value == stand_in:
                return _Slot(name, adapt_datetime=isinstance(stand_in, datetime))
            if name in adapted and type(value) is type(adapted[name]) and value == adapted[name]:
                return _Slot(name, adapt_datetime=True)
        return None
