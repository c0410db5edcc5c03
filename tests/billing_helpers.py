"""Helpers shared by the billing tests: priced visit types and visits already done."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, Status

PRICES = {
    "First assessment": Decimal("60.00"),
    "Treatment": Decimal("45.00"),
    "Review": Decimal("30.00"),
    "Home visit": Decimal("75.50"),
}


def priced(clinic: Any) -> None:
    """The clinic's four usual types at the test prices."""
    for type_ in book.types_for(clinic):
        type_.price = PRICES[type_.name]
        type_.save(update_fields=["price"])


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def visit(
    clinics: dict[str, Any],
    type_name: str = "Treatment",
    day: date | None = None,
    status: str = Status.DONE,
    *,
    clinic_key: str = "home",
    patient_key: str = "patient",
    practitioner_key: str = "practitioner",
    hour: int = 9,
) -> Appointment:
    """A visit in the past (by default a week ago), done unless told otherwise."""
    clinic = clinics[clinic_key]
    day = day or days_ago(7)
    starts = timezone.make_aware(datetime.combine(day, time(hour, 0)))
    type_ = book.types_for(clinic).get(name=type_name)
    return Appointment.objects.create(
        clinic=clinic,
        patient=clinics[patient_key],
        practitioner=clinics[practitioner_key],
        type=type_,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=type_.duration_minutes),
        status=status,
        created_by=clinics[practitioner_key],
    )
