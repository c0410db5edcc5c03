"""A fictional course of care for the demo clinic, so its pages show something real."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.care import service
from acuback.web.care.models import IntakeRecord
from acuback.web.clinics.models import Patient

DEMO_ANSWERS = {
    "pain_duration_weeks": 30.0,
    "pain_pattern": "constant",
    "pain_sites": ["lumbar", "buttock"],
    "conditions": ["chronic-low-back-pain"],
    "history": ["diabetes"],
    "startback": {f"startback-{i}": int(i in (1, 2, 4)) for i in range(1, 10)},
}
# Weeks after the start, pain before the session, and RMDQ where it was asked.
DEMO_SESSIONS = [(0, 7, 14), (0.5, 7, None), (1, 6, None), (1.5, 6, None), (3, 5, 10), (4, 4, None)]


@transaction.atomic
def load_demo_course(patient: Patient, practitioner: User, today: date | None = None) -> bool:
    """Give the patient an intake, a plan and charted sessions; False if they already have."""
    if IntakeRecord.objects.filter(patient=patient).exists():
        return False
    today = today or date.today()
    start = today - timedelta(weeks=4)
    answers = {
        **DEMO_ANSWERS,
        "age": (today - patient.date_of_birth).days // 365,
        "sex": patient.sex,
    }
    read = read_intake(answers, knowledge_base())
    intake = service.record_intake(patient.clinic, patient, practitioner, read, answers)
    plan = service.draft_plan(intake, practitioner, start)
    for weeks, pain, rmdq in DEMO_SESSIONS:
        day = start + timedelta(days=round(weeks * 7))
        session = service.open_session(plan, practitioner, day)
        count = sum(2 if p["side"] == "both" else 1 for p in session.points)
        session.needles_inserted = session.needles_removed = count
        session.needle_type = "Single-use stainless steel, guide tube"
        session.needle_diameter_mm = Decimal("0.25")
        session.needle_length_mm = 40
        session.depth_mm = "10-30"
        session.response_sought = "de_qi"
        session.stimulation = "manual"
        session.retention_minutes = 20
        session.nrs_before = Decimal(pain)
        session.nrs_after = Decimal(max(pain - 2, 0))
        session.advice = "Keep active; walk daily."
        # The demo charts through the same check as a practitioner's save.
        session.restrictions_applied = [r.key for r in service.check_session(session).applied]
        service.save_chart(session)
        service.close_session(session, practitioner)
        if rmdq is not None:
            service.record_score(patient.clinic, patient, practitioner, "rmdq", Decimal(rmdq), day)
    return True
