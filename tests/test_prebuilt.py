"""A prebuilt queryset is built once and handed out as copies: no clinic's rows stay in it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal, get_args, get_origin, get_type_hints

import pytest
from django.db.models import QuerySet
from hypothesis import given, settings
from hypothesis import strategies as st

from acuback.web.clinics.models import Patient
from acuback.web.prebuilt import Prepared, prebuilt

built: list[int] = []


@prebuilt
def patients_by_name() -> QuerySet[Patient]:
    built.append(1)
    return Patient.objects.order_by("family_name", "id")


def test_each_clinic_reads_its_own_rows_from_its_own_copy(clinics: dict[str, Any]) -> None:
    home = list(patients_by_name().filter(clinic=clinics["home"]))
    other = list(patients_by_name().filter(clinic=clinics["other"]))
    assert home == [clinics["patient"]]
    assert other == [clinics["other_patient"]]
    # Evaluating a copy fills that copy only; the next caller starts from nothing.
    first = patients_by_name()
    assert list(first) and first._result_cache is not None
    assert patients_by_name()._result_cache is None
    assert patients_by_name() is not patients_by_name()
    assert len(built) == 1


# --- prepared querysets: SQL written once per shape, values bound per call ---------------

# Importing the services makes their prepared querysets known to Prepared.every.
import acuback.web.urls  # noqa: E402, F401

_MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


def _value_for(hint: Any) -> st.SearchStrategy[Any]:
    """Values a prepared queryset's argument takes, from its annotation."""
    if hint is int:
        return st.integers(1, 2**31 - 1)
    if hint is datetime:
        return _MOMENTS
    if hint is date:
        return st.dates(date(2000, 1, 1), date(2090, 1, 1))
    if hint is str:  # part of the shape: a few, each compiled apart
        return st.sampled_from(["Fenwick", "O'Brien"])
    if get_origin(hint) is Literal:
        return st.sampled_from(get_args(hint))
    options = [arg for arg in get_args(hint) if arg is not type(None)]
    if type(None) in get_args(hint) and len(options) == 1:
        return st.none() | _value_for(options[0])
    raise AssertionError(f"no values drawn for {hint!r}")


def test_the_app_prepares_querysets() -> None:
    names = {prepared.build.__qualname__ for prepared in Prepared.every}
    assert {"_book", "_active_plans", "_for_today", "_unread", "_waiting", "_newest"} <= names


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_prepared_call_runs_the_sql_django_writes(data: st.DataObject) -> None:
    for prepared in Prepared.every:
        hints = get_type_hints(prepared.build)
        hints.pop("return")
        values = {name: data.draw(_value_for(hint), label=name) for name, hint in hints.items()}
        queryset = prepared.build(**values)
        expected = queryset.query.get_compiler(using=queryset.db).as_sql()
        assert prepared.sql(**values) == (expected[0], tuple(expected[1])), prepared.build


@Prepared
def patients_of(clinic: int, born_after: date, name: str | None) -> QuerySet[Patient]:
    found = Patient.objects.filter(clinic=clinic, date_of_birth__gt=born_after)
    return found.filter(family_name=name) if name is not None else found.order_by("id")


def test_a_prepared_queryset_reads_each_clinics_own_rows(clinics: dict[str, Any]) -> None:
    home, other = clinics["home"].pk, clinics["other"].pk
    assert patients_of(clinic=home, born_after=date(1900, 1, 1), name=None) == [clinics["patient"]]
    assert patients_of(clinic=other, born_after=date(1900, 1, 1), name=None) == [
        clinics["other_patient"]
    ]
    assert patients_of(clinic=home, born_after=date(1970, 1, 1), name=None) == []
    # A string is part of the shape: each one is compiled apart, never bound in another's.
    assert patients_of(clinic=home, born_after=date(1900, 1, 1), name="Fenwick") == [
        clinics["patient"]
    ]
    assert patients_of(clinic=home, born_after=date(1900, 1, 1), name="Lindqvist") == []


def test_a_value_changed_before_it_reaches_the_database_is_refused(db: Any) -> None:
    @Prepared
    def next_clinic(clinic: int) -> QuerySet[Patient]:
        return Patient.objects.filter(clinic=clinic + 1)

    Prepared.every.remove(next_clinic)
    with pytest.raises(ValueError, match="clinic is not passed to the database"):
        next_clinic(clinic=1)


def test_a_naive_moment_is_refused(db: Any) -> None:
    (for_today,) = [p for p in Prepared.every if p.build.__name__ == "_for_today"]
    with pytest.raises(ValueError, match="no time zone"):
        for_today.sql(clinic=1, who=None, since=datetime(2026, 1, 1))
