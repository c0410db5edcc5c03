"""Querysets whose shape is worked out once per process.

Django resolves every join, annotation and subquery of a queryset each time it is built;
for the lists a page asks on every request that costs more than the database's answer.
A `prebuilt` function builds its queryset once, on first use, and hands out a copy on
every call: the shared one is never evaluated, so it never holds any clinic's rows, and
each caller adds its clinic's filters to its own copy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def prebuilt(build: Callable[[], QuerySet[M]]) -> Callable[[], QuerySet[M]]:
    made = functools.cache(build)

    @functools.wraps(build)
    def copy() -> QuerySet[M]:
        return made().all()

    return copy
