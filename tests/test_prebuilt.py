"""A prebuilt queryset is built once and handed out as copies: no clinic's rows stay in it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from acuback.web.clinics.models import Patient
from acuback.web.prebuilt import prebuilt

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
