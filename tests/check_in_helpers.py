"""A session closed by alice for a patient, and moving a check-in's clock instead of waiting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord, SessionRecord
from acuback.web.checkins.models import CheckIn

CLEAR = {
    "age": 57,
    "sex": "female",
    "pain_duration_weeks": 30.0,
    "pain_sites": ["lumbar"],
    "conditions": ["chronic-low-back-pain"],
    "nrs": 6.0,
}


def a_plan(patient: Any, user: Any) -> PlanRecord:
    found = PlanRecord.objects.filter(patient=patient).first()
    if found is not None:
        return found
    intake = care.record_intake(
        patient.clinic, patient, user, read_intake(CLEAR, knowledge_base()), CLEAR
    )
    return care.draft_plan(intake, user, timezone.localdate() - timedelta(days=7))


def open_session(patient: Any, user: Any) -> SessionRecord:
    plan = a_plan(patient, user)
    return SessionRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=user, plan=plan,
        number=care.next_session_number(plan), day=timezone.localdate(),
        points=[{"code": "bl23", "side": "both"}], needles_inserted=2, needles_removed=2,
        nrs_before=6,
    )  # fmt: skip


def closed_session(patient: Any, user: Any) -> SessionRecord:
    """Closed through the care service, as the session page does."""
    session = open_session(patient, user)
    care.close_session(session, user)
    return session


def hours_ago(check_in: CheckIn, hours: float) -> CheckIn:
    """As if the session had closed `hours` ago: every window of the check-in moves back."""
    closed = timezone.now() - timedelta(hours=hours)
    CheckIn.objects.filter(pk=check_in.pk).update(
        due_at=closed + timedelta(hours=24),
        send_by=closed + timedelta(hours=48),
        expires_at=closed + timedelta(days=7),
    )
    check_in.refresh_from_db()
    return check_in
