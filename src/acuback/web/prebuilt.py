"""Querysets whose shape is worked out once per process.

Django resolves every join, annotation and subquery of a queryset each time it is built;
for the lists a page asks on every request that costs more than the database's answer.
A `prebuilt` function builds its queryset once, on first use, and hands out a copy on
every call: the shared one is never evaluated, so it never holds any clinic's rows, and
each caller adds its clinic's filters to its own copy.

A `Prepared` queryset goes one step further for the lists a page reads on every request:
its SQL is also written once per shape, and each call only binds its values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, NamedTuple, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

M = TypeVar("M", bound=Model)


def prebuilt(build: Callable[[], QuerySet[M]]) -> Callable[[], QuerySet[M]]:
    made = functools.cache(build)

    @functools.wraps(build)
    def copy() -> QuerySet[M]:
        return made().all()

    return copy


class Prepared(Generic[M]):
    """The rows of `build(**values)`, with the queryset's SQL compiled once per shape.

    Compiling a queryset with its joins and subqueries costs more than most of the
    answers a page reads; the SQL differs from one request to the next only in its
    parameters. So the first call for a shape builds the queryset with stand-in values,
    compiles it, and finds where the stand-ins went among the parameters; every call
    then binds its own values there and runs the SQL as Django would have written it.

    Ints, dates and datetimes among the values are bound. Any other value (None, a bool,
    a string) is part of the shape: `build` may branch on it, and each is compiled apart.
    A value Django does not pass on as a parameter of its own (one it changes first, or
    writes into the SQL) is refused when its shape is compiled, and
    tests/test_prebuilt.py compares every call's SQL with Django's own.
    """

    # Every prepared queryset, so that one test can hold each to Django's own SQL.
    every: list[Prepared[Any]] = []

    def __init__(self, build: Callable[..., QuerySet[M]], shaped: tuple[str, ...] = ()) -> None:
        self.build = build
        self.shaped = shaped  # values that are part of the shape whatever their type
        self._compiled: dict[Hashable, _Compiled] = {}
        functools.update_wrapper(self, build)
        Prepared.every.append(self)

    @staticmethod
    def shaped_by(*names: str) -> Callable[[Callable[..., QuerySet[Any]]], Prepared[Any]]:
        """`@Prepared`, with these values (a slice's bounds, say) part of the shape."""
        return lambda build: Prepared(build, shaped=names)

    def __call__(self, **values: Any) -> list[Any]:
        """The rows, read now: model instances, or tuples for a `values_list` queryset."""
        compiled = self.compiled(values)
        queryset = compiled.queryset.all()
        queryset.query.__class__ = _BoundQuery  # as Query.chain() turns a query into another kind
        cast(_BoundQuery, queryset.query).binding = _Binding(
            compiled.compiler, compiled.sql, self.params(compiled, values)
        )
        return list(queryset)

    def sql(self, **values: Any) -> tuple[str, tuple[Any, ...]]:
        """The SQL and parameters a call with these values runs."""
        compiled = self.compiled(values)
        return compiled.sql, self.params(compiled, values)

    @staticmethod
    def params(compiled: _Compiled, values: Mapping[str, Any]) -> tuple[Any, ...]:
        params = list(compiled.params)
        connection = connections[compiled.alias]
        for index, name, kind in compiled.slots:
            params[index] = _adapted(kind, values[name], connection)
        return tuple(params)

    def compiled(self, values: Mapping[str, Any]) -> _Compiled:
        kinds = {
            name: ("shape", value) if name in self.shaped else _kind(value)
            for name, value in values.items()
        }
        key = (_context(), tuple(sorted(kinds.items())))
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._compile(kinds, values)
        return found

    def _compile(self, kinds: Mapping[str, Hashable], values: Mapping[str, Any]) -> _Compiled:
        stand_ins = {
            name: _stand_in(kind, number) if kind in _BOUND else values[name]
            for number, (name, kind) in enumerate(sorted(kinds.items()))
        }
        queryset = self.build(**stand_ins)
        alias = queryset.db
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for name, kind in kinds.items():
            if kind not in _BOUND:
                continue
            adapted = _adapted(kind, stand_ins[name], connection)
            at = [i for i, p in enumerate(params) if type(p) is type(adapted) and p == adapted]
            if not at or str(adapted) in sql:
                raise ValueError(
                    f"{self.build.__name__}: {name} is not passed to the database as a "
                    "parameter of its own, so its SQL cannot be prepared"
                )
            slots += [(index, name, kind) for index in at]
        return _Compiled(alias, queryset, compiler, sql, tuple(params), tuple(slots))


# Values bound as parameters; stand-ins no real value takes (a year before any patient).
_BOUND = ("int", "date", "datetime")
_FIRST_STAND_IN = 8_765_432_100_000_000


def _kind(value: Any) -> Hashable:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return ("shape", value)
    if isinstance(value, int):
        return "int"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    raise TypeError(f"a prepared queryset takes ints, dates, datetimes, or shapes, not {value!r}")


def _stand_in(kind: Hashable, number: int) -> Any:
    if kind == "int":
        return _FIRST_STAND_IN + number
    if kind == "date":
        return date(1901, 2, 3) + timedelta(days=number)
    return datetime(1901, 2, 3, 4, 5, 6, number + 1, tzinfo=UTC if settings.USE_TZ else None)


def _adapted(kind: Hashable, value: Any, connection: BaseDatabaseWrapper) -> Any:
    # As the fields' get_db_prep_value hand a value to the database.
    if kind == "datetime":
        if settings.USE_TZ and timezone.is_naive(value):
            raise ValueError(f"{value!r} has no time zone")
        return connection.ops.adapt_datetimefield_value(value)
    if kind == "date":
        return connection.ops.adapt_datefield_value(value)
    return value


def _context() -> Hashable:
    # What else goes into the SQL Django writes: the database and the time zones.
    return (connections[DEFAULT_DB_ALIAS].vendor, settings.USE_TZ, settings.TIME_ZONE)


class _Compiled(NamedTuple):
    alias: str
    queryset: QuerySet[Any]  # built with the stand-ins; never read
    compiler: SQLCompiler  # compiled: knows the columns and how to read them back
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, Hashable], ...]  # parameter position, value name, kind


class _Binding(NamedTuple):
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]


class _BoundQuery(Query):
    """A copy of a prepared query that answers with the SQL compiled for its shape."""

    binding: _Binding

    def get_compiler(
        self,
        using: str | None = None,
        connection: BaseDatabaseWrapper | None = None,
        elide_empty: bool = True,
    ) -> SQLCompiler:
        template = self.binding.compiler
        kind = _answering.get(type(template))
        if kind is None:
            kind = _answering[type(template)] = type("Bound", (_Answers, type(template)), {})
        compiler = kind.__new__(kind)
        compiler.__dict__.update(template.__dict__)  # the columns, and how to read them
        # Each thread has its own connection to the database.
        compiler.connection = connections[using or DEFAULT_DB_ALIAS]
        cast(_Answers, compiler).answer = (self.binding.sql, self.binding.params)
        return compiler


class _Answers:
    """Mixed into a compiled SQLCompiler: its SQL is known, so it is not written again."""

    answer: tuple[str, tuple[Any, ...]]

    def as_sql(self, *args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...]]:
        return self.answer


_answering: dict[type[SQLCompiler], type[SQLCompiler]] = {}
