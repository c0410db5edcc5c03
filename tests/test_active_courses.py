"""`PlanRecord.active` always says what the definition of an active course says.

An active course is a patient's newest plan while fewer sessions are charted than were
planned. The column is kept by signals, so every history of writes must leave it equal to
the definition worked out afresh, whatever path wrote the rows.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from acuback.web import cohort
from acuback.web.care import service as care
from acuback.web.care.courses import mark_active
from acuback.web.care.models import PlanRecord, SessionRecord
from acuback.web.clinics.models import Clinic
from acuback.web.clinics.service import load_demo
from tests.test_today_views import CLEAR, a_plan, intake, patient


def defined(clinic: Clinic) -> set[int]:
    """The active courses by their definition, walked plan by plan."""
    found = set()
    for patient_id in set(PlanRecord.objects.filter(clinic=clinic).values_list("patient_id")):
        newest = (
            PlanRecord.objects.filter(patient_id=patient_id[0]).order_by("-created", "-id").first()
        )
        if newest is not None and newest.sessions.count() < newest.planned_sessions:
            found.add(newest.pk)
    return found


def marked(clinic: Clinic) -> set[int]:
    return set(PlanRecord.objects.filter(clinic=clinic, active=True).values_list("pk", flat=True))


def chart(plan: PlanRecord, user: User) -> SessionRecord:
    number = (plan.sessions.aggregate(last=Max("number"))["last"] or 0) + 1
    return SessionRecord.objects.create(
        clinic=plan.clinic, patient=plan.patient, created_by=user, plan=plan, number=number,
        day=plan.start + timedelta(days=number), points=[],
    )  # fmt: skip


def test_a_course_is_active_until_its_last_planned_session_and_gives_way_to_a_newer(
    clinics: dict[str, Any],
) -> None:
    alice, home = clinics["practitioner"], clinics["home"]
    ada = clinics["patient"]
    first = a_plan(ada, alice)
    assert marked(home) == {first.pk}
    sessions = [chart(first, alice) for _ in range(first.planned_sessions)]
    assert marked(home) == set(), "every planned session charted"
    sessions[-1].delete()
    assert marked(home) == {first.pk}, "a session deleted opens the course again"
    sessions[0].save()  # a chart saved again
    assert marked(home) == {first.pk}
    second = a_plan(ada, alice, weeks_ago=1)
    assert marked(home) == {second.pk}, "the newer plan is the course in hand"
    second.delete()
    assert marked(home) == {first.pk}, "the older plan is the newest again"
    assert marked(home) == defined(home)


def test_any_history_of_writes_leaves_the_column_as_the_definition(
    clinics: dict[str, Any],
) -> None:
    alice, home = clinics["practitioner"], clinics["home"]
    people = [clinics["patient"], patient(home, "Ben", "Okafor"), patient(home, "Cy", "Marsh")]
    rng = random.Random(20261124)
    for step in range(90):
        who = rng.choice(people)
        plans = list(PlanRecord.objects.filter(patient=who).order_by("created", "id"))
        move = rng.choice(["plan", "chart", "chart", "chart", "chart", "undo", "drop plan"])
        if move == "plan" or not plans:
            care.draft_plan(intake(who, alice, CLEAR), alice, timezone.localdate())
        elif move == "chart":
            chart(rng.choice(plans), alice)
        elif move == "undo":
            session = SessionRecord.objects.filter(patient=who).order_by("?").first()
            if session is not None:
                session.delete()
        else:
            bare = [plan for plan in plans if not plan.sessions.exists()]
            if bare:
                rng.choice(bare).delete()
        assert marked(home) == defined(home), f"after step {step}: {move} for {who}"
    assert marked(home), "the history left some course in hand"
    assert marked(clinics["other"]) == set()


def test_marking_again_changes_nothing_and_reaches_only_the_plans_given(
    clinics: dict[str, Any],
) -> None:
    alice, home = clinics["practitioner"], clinics["home"]
    plan = a_plan(clinics["patient"], alice)
    PlanRecord.objects.filter(pk=plan.pk).update(active=False)
    mark_active(PlanRecord.objects.filter(patient=patient(home, "Ben", "Okafor")))
    assert marked(home) == set()
    mark_active(PlanRecord.objects.filter(patient=plan.patient))
    assert marked(home) == {plan.pk}


@pytest.mark.django_db
def test_a_generated_cohort_marks_its_courses() -> None:
    load_demo()
    clinic = Clinic.objects.get(slug=cohort.DEMO_CLINIC)
    cohort.generate_cohort(clinic, 60)
    assert marked(clinic) == defined(clinic)
    assert 0 < len(marked(clinic)) < PlanRecord.objects.filter(clinic=clinic).count()
