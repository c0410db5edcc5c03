"""`acuback demo --patients N`: a cohort that obeys the same rules as a clinic's own records."""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Count, F, Max
from django.utils import timezone
from typer.testing import CliRunner

from acuback.cli import app
from acuback.clinical.intake import read_intake
from acuback.clinical.screening import screen
from acuback.knowledge.loader import knowledge_base
from acuback.web import cohort
from acuback.web.appointments.models import Appointment
from acuback.web.audit.models import AuditEvent
from acuback.web.care import service as care
from acuback.web.care.models import (
    AdverseEvent,
    Decision,
    IntakeRecord,
    PlanRecord,
    ScoreRecord,
    SessionRecord,
)
from acuback.web.clinics.models import Clinic, Patient
from acuback.web.clinics.service import load_demo, patients_of
from acuback.web.reports import service as reports

runner = CliRunner()


@pytest.fixture
def made(db: Any) -> dict[str, Any]:
    load_demo()
    clinic = Clinic.objects.get(slug=cohort.DEMO_CLINIC)
    before = Patient.objects.filter(clinic=clinic).count()
    last_before = Patient.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    steps: list[int] = []
    counts = cohort.generate_cohort(clinic, 150, progress=steps.append)
    return {
        "clinic": clinic, "before": before, "last_before": last_before, "counts": counts,
        "steps": steps,
    }  # fmt: skip


def test_the_counts_are_what_was_written_and_progress_adds_up(made: dict[str, Any]) -> None:
    clinic, counts = made["clinic"], made["counts"]
    assert sum(made["steps"]) == 150 and len(made["steps"]) >= 1
    assert Patient.objects.filter(clinic=clinic).count() == made["before"] + 150
    assert counts.patients == 150
    assert counts.intakes == IntakeRecord.objects.filter(clinic=clinic).count()
    assert counts.plans == PlanRecord.objects.filter(clinic=clinic).count()
    assert counts.adverse_events == AdverseEvent.objects.filter(clinic=clinic).count()
    assert counts.appointments <= Appointment.objects.filter(clinic=clinic).count()
    # A realistic mix: most are planned, some need a doctor first and never get a plan.
    assert 0.8 * 150 < counts.plans < 150
    assert len(counts.levels) >= 3
    assert counts.levels["physician_clearance"] > 0  # held at intake, approved, then planned


def test_every_chart_passes_the_safe_core_and_every_date_holds(made: dict[str, Any]) -> None:
    clinic = made["clinic"]
    today = timezone.localdate()
    kb = knowledge_base()
    plans = PlanRecord.objects.filter(clinic=clinic).select_related("intake", "patient")
    for plan in plans:
        permission = care.care_permission(plan.patient)
        assert permission.allowed, permission.blockers  # no plan without what screening needs
        # The stored screening is the engine's own for the answers as given at intake; an
        # approval the intake waited for is a recorded decision, as in the clinic.
        assert screen(read_intake(plan.intake.answers, kb), kb).model_dump(mode="json") == (
            plan.intake.screening_json
        )
        if plan.intake.held_for_approval:
            assert Decision.objects.filter(intake=plan.intake, kind="clearance_received")
        assert plan.began is not None and plan.began <= plan.start <= today
        assert plan.intake.created.date() <= plan.start
        for session in plan.sessions.all():
            assert care.check_session(session).ok, (plan.pk, session.number)
            assert plan.start <= session.day <= today
            assert session.needles_inserted == session.needles_removed > 0
            assert session.closed is not None
    assert not Decision.objects.filter(clinic=clinic, on__gt=today).exists()
    assert not ScoreRecord.objects.filter(clinic=clinic, day__gt=today).exists()
    assert not ScoreRecord.objects.filter(clinic=clinic, day__lt=F("patient__date_of_birth"))
    numbers = (
        SessionRecord.objects.filter(clinic=clinic)
        .values("plan")
        .annotate(n=Count("id"), top=Max("number"))
    )
    assert all(row["n"] == row["top"] for row in numbers)  # numbered 1..n without gaps


def test_no_practitioner_is_booked_twice_at_once(made: dict[str, Any]) -> None:
    booked = Appointment.objects.filter(clinic=made["clinic"]).values_list(
        "practitioner", "starts_at", "ends_at"
    )
    by_practitioner: dict[int, list[tuple[Any, Any]]] = {}
    for who, starts, ends in booked:
        by_practitioner.setdefault(who, []).append((starts, ends))
    for spans in by_practitioner.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(starts.weekday() < 5 for _, starts, _ in booked), (
        "the cohort's clinic is closed at weekends"
    )


def test_the_outcomes_report_finds_responders_and_non_responders(made: dict[str, Any]) -> None:
    today = timezone.localdate()
    report = reports.outcomes(made["clinic"], today - timedelta(days=730), today, today)
    pain = next(r for r in report.by_instrument if r.label.startswith("Pain"))
    assert 0 < pain.responded < pain.judged
    assert report.adverse and report.sessions == made["counts"].sessions
    assert {r.label for r in report.by_practitioner} >= {"Mira Achebe", "Tomas Halvorsen"}


def test_the_cohort_is_found_by_the_name_search(made: dict[str, Any]) -> None:
    someone = Patient.objects.filter(clinic=made["clinic"]).order_by("-id").first()
    assert someone is not None
    found = patients_of(made["clinic"], someone.family_name[:4])
    assert someone in found


@pytest.mark.django_db(transaction=True)
def test_the_command_grows_the_clinic_to_n_once_and_is_audited() -> None:
    first = runner.invoke(app, ["demo", "--patients", "30"])
    assert first.exit_code == 0, first.output
    clinic = Clinic.objects.get(slug=cohort.DEMO_CLINIC)
    assert Patient.objects.filter(clinic=clinic).count() == 30
    assert "added 27 patients" in first.output
    again = runner.invoke(app, ["demo", "--patients", "30"])
    assert again.exit_code == 0 and "already has 30 patients" in again.output
    assert Patient.objects.filter(clinic=clinic).count() == 30
    assert AuditEvent.objects.filter(path="acuback demo --patients 30").count() == 1
    refused = runner.invoke(app, ["demo", "--patients", "-5"])
    assert refused.exit_code == 2


def test_birth_dates_make_adults_of_the_age_given_at_intake(made: dict[str, Any]) -> None:
    decades: Counter[int] = Counter()
    intakes = IntakeRecord.objects.filter(patient__pk__gt=made["last_before"]).select_related(
        "patient"
    )
    for intake in intakes:
        seen, born = intake.created.date(), intake.patient.date_of_birth
        years = seen.year - born.year - ((seen.month, seen.day) < (born.month, born.day))
        assert years == intake.answers["age"] >= 18, (intake.patient.pk, years)
        decades[years // 10] += 1
    assert len(intakes) == 150 and len(decades) >= 4  # spread across the decades


def test_the_demo_still_loads_over_a_cohort(made: dict[str, Any]) -> None:
    from django.core.management import call_command

    from acuback.web.clinics.service import DEMO_PATIENTS

    demo_families = {family for _, _, family, _, _ in DEMO_PATIENTS}
    assert not demo_families & set(cohort.FAMILY)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    for _, given, family, _, _ in DEMO_PATIENTS:
        assert Patient.objects.filter(given_name=given, family_name=family).count() == 1
