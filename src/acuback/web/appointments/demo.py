"""Fictional appointments for the demo clinic, so its book shows a working week."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from acuback.web.appointments import service
from acuback.web.appointments.models import Appointment, Kind
from acuback.web.care.models import PlanRecord
from acuback.web.clinics.models import Clinic, Patient


def _next_weekday(after: datetime) -> datetime:
    day = after + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@transaction.atomic
def load_demo_book(clinic: Clinic, practitioner: User, now: datetime | None = None) -> bool:
    """Book the demo course's coming sessions, a first assessment and a home visit.

    False when the clinic already has appointments: the demo never books twice.
    """
    if Appointment.objects.filter(clinic=clinic).exists():
        return False
    now = now or timezone.now()
    treatment = service.types_for(clinic).get(kind=Kind.TREATMENT)
    plan = PlanRecord.objects.filter(clinic=clinic).order_by("-created").first()
    if plan is not None:
        course = service.propose_course(plan, practitioner, treatment, time(10, 0), now=now)
        starts = [(p.number, p.offered) for p in course.proposals if p.free or p.nearest]
        service.book_course(clinic, practitioner, plan, practitioner, treatment, starts, now=now)
    others = Patient.objects.filter(clinic=clinic)
    if plan is not None:
        others = others.exclude(pk=plan.patient_id)
    day = timezone.localtime(_next_weekday(now)).date()
    first = service.types_for(clinic).get(kind=Kind.FIRST_ASSESSMENT)
    home = service.types_for(clinic).get(kind=Kind.HOME_VISIT)
    for patient, kind, clock in zip(
        others, (first, home), (time(14, 0), time(16, 0)), strict=False
    ):
        service.book(
            clinic,
            practitioner,
            service.Booking(
                patient,
                practitioner,
                kind,
                service.at(day, clock),
                address="12 Harbour Lane, Demo Town" if kind == home else "",
                travel_before=20 if kind == home else 0,
                travel_after=20 if kind == home else 0,
            ),
            now=now,
        )
    return True
