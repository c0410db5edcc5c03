"""Helpers shared by the appointment-book tests: dates on the clinic's grid and a course."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.appointments import service
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord


def a_weekday_ahead(days: int = 7) -> date:
    """A Monday at least `days` ahead, so no booking in a test lies in the past."""
    day = timezone.localdate() + timedelta(days=days)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def moment(day: date, hh: int, mm: int = 0) -> datetime:
    return service.at(day, time(hh, mm))


def type_named(clinic: Any, name: str) -> Any:
    return service.types_for(clinic).get(name=name)


def a_plan(clinics: dict[str, Any], start: date | None = None) -> PlanRecord:
    """A drafted course for Ada (chronic low back pain, nothing that holds treatment)."""
    patient, user = clinics["patient"], User.objects.get(username="alice")
    answers = {
        "age": 57,
        "sex": "female",
        "pain_duration_weeks": 30.0,
        "pain_sites": ["lumbar"],
        "conditions": ["chronic-low-back-pain"],
        "nrs": 6.0,
    }
    intake = care.record_intake(
        patient.clinic, patient, user, read_intake(answers, knowledge_base()), answers
    )
    return care.draft_plan(intake, user, start or timezone.localdate())
