"""Querysets turned into SQL once, for the reads and writes of the busiest pages.

Turning a queryset into SQL (resolving lookups and joins, choosing columns and
converters, ordering) costs several times more than the database takes to
answer the small indexed statements of the hot pages. A prepared query builds
its queryset once per database connection, with stand-in values for its
parameters; it keeps the SQL, where each stand-in landed among the statement's
parameters, and for reads the column converters. Each run then binds the real
values (and converts the rows as the ORM would), so the queryset stays the one
definition of the statement.

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

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable
from django.db.models.sql import UpdateQuery

# Stand-ins, two sets: a query is compiled with each, and both must put the same
# parameters in the same places of the same SQL, so that a constant of the query
# that happens to equal a stand-in cannot pass for a parameter. Integers fit every
# integer column (the ORM answers an out-of-range comparison itself, without SQL);
# the text holds the characters that a LIKE lookup escapes, so that one shows.
_STAND_INS = {
    int: lambda n, round: (29_311, 30_313)[round] + n,
    datetime: lambda n, round: datetime(1901 + round, 2, 3, 4, 5, 6, 700_000 + n, tzinfo=UTC),
    str: lambda n, round: f"%_\\prepared-{'ab'[round]}{n}",
}


@dataclass(frozen=True)
class _Slot:
    """Where a parameter of the prepared query goes, and how the backend adapts it."""

    name: str
    adapt_datetime: bool = False
    # The type that wraps an integer for the database driver (psycopg's Int4, Int8, ...).
    wrap: type | None = None


@dataclass(frozen=True)
class _Statement:
    sql: str
    # A constant of the query, or the _Slot that a run fills in.
    params: tuple[Any, ...]
    compiler: Any
    converters: dict


class _Prepared:
    def __init__(self, build: Callable[..., QuerySet], params: dict[str, type]):
        self._build = build
        self._stand_ins = [
            {name: _STAND_INS[kind](n, round) for n, (name, kind) in enumerate(params.items())}
            for round in (0, 1)
        ]
        # Converters belong to the connection that compiled them, and connections to
        # threads: one statement per connection.
        self._statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _bind(self, using: str, values: dict) -> tuple[Any, _Statement, list]:
        connection = connections[using]
        statement = self._statements.get(connection)
        if statement is None:
            statement, other = (
                self._statement(
                    connection, self._compiler(self._build(**stand_ins), using), stand_ins
                )
                for stand_ins in self._stand_ins
            )
            if (statement.sql, statement.params) != (other.sql, other.params):
                raise ValueError("the parameters change the SQL, not only its parameters")
            self._statements[connection] = statement
        adapt = connection.ops.adapt_datetimefield_value
        params = []
        for param in statement.params:
            if isinstance(param, _Slot):
                value = values[param.name]
                if param.adapt_datetime:
                    value = adapt(value)
                elif param.wrap is not None:
                    value = param.wrap(value)
                param = value
            params.append(param)
        return connection, statement, params

    def _compiler(self, queryset: QuerySet, using: str):
        raise NotImplementedError

    def _statement(self, connection, compiler, stand_ins: dict) -> _Statement:
        try:
            sql, compiled = compiler.as_sql()
        except (EmptyResultSet, FullResultSet) as error:
            raise ValueError("a parameter decides the query without SQL") from error
        adapted = {
            name: connection.ops.adapt_datetimefield_value(stand_in)
            for name, stand_in in stand_ins.items()
            if isinstance(stand_in, datetime)
        }
        params = [_slot_for(value, stand_ins, adapted) or value for value in compiled]
        seen = {param.name for param in params if isinstance(param, _Slot)}
        missing = set(stand_ins) - seen
        inlined = [name for name, stand_in in stand_ins.items() if str(stand_in) in sql]
        if missing or inlined:
            raise ValueError(
                f"parameters {sorted(missing | set(inlined))} do not reach the SQL as given"
            )
        converters = {}
        if compiler.select:
            fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
            converters = compiler.get_converters(fields)
        return _Statement(sql, tuple(params), compiler, converters)


def _slot_for(value, stand_ins: dict, adapted: dict) -> _Slot | None:
    """The parameter that a value of the compiled statement stands in for, if any."""
    for name, stand_in in stand_ins.items():
        if isinstance(stand_in, datetime):
            if isinstance(value, datetime | str) and value in (stand_in, adapted[name]):
                return _Slot(name, adapt_datetime=True)
        elif isinstance(stand_in, int):
            if isinstance(value, int) and not isinstance(value, bool) and value == stand_in:
                return _Slot(name, wrap=None if type(value) is int else type(value))
        elif type(value) is str and value == stand_in:
            return _Slot(name)
    return None


class PreparedQuery(_Prepared):
    """A values_list() queryset, compiled once per database connection; see the module."""

    def __init__(self, build: Callable[..., QuerySet], params: dict[str, type], *, paged=False):
        """`build(**params)` returns the queryset; `params` maps each parameter to int, str
        or datetime. With `paged`, each run also takes `limit` and `offset`: the queryset
        itself is not sliced.
        """
        super().__init__(build, params)
        self._paged = paged

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, limit=None, offset=0, **values) -> list:
        """The rows, as tuples in the order of the queryset's values_list()."""
        connection, statement, params = self._bind(using, values)
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

    def _compiler(self, queryset: QuerySet, using: str):
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("a PreparedQuery reads values_list() rows")
        if queryset.query.is_sliced:
            raise TypeError("a PreparedQuery is sliced when it runs (paged=True), not when built")
        return queryset.query.get_compiler(using=using)


class PreparedUpdate(_Prepared):
    """queryset.update(**changes) of a single table, compiled once per database connection."""

    def __init__(
        self, build: Callable[..., QuerySet], params: dict[str, type], changes: dict[str, Any]
    ):
        """`build(**params)` returns the queryset of the rows to change; `changes` are
        update()'s arguments (constants or expressions, such as F("n") + 1)."""
        super().__init__(build, params)
        self._changes = changes

    def run(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> int:
        """The number of rows changed."""
        connection, statement, params = self._bind(using, values)
        # As update() does: an error inside atomic() spoils the transaction even if caught.
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            return cursor.rowcount

    def _compiler(self, queryset: QuerySet, using: str):
        if queryset.query.is_sliced:
            raise TypeError("a sliced queryset cannot be updated")
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(self._changes)
        query.clear_select_clause()
        if query.related_updates or query.count_active_tables() > 1:
            raise TypeError("a PreparedUpdate changes one table, filtered on its own columns")
        return query.get_compiler(using=using)
