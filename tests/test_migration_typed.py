"""Records stored before the engine's results were typed move to the new shapes intact."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from acuback.clinical.course_plan import CoursePlan
from acuback.clinical.screening import Screening

OLD = [("care", "0001_initial"), ("clinics", "0001_initial")]
NEW = [("care", "0002_typed_engine_results")]


@pytest.fixture
def back_to_latest() -> Any:
    yield
    # Later tests expect the newest schema, whatever migrations come after these.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_intakes_and_plans_are_re_derived_in_the_typed_shape(back_to_latest: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(OLD)
    apps = executor.loader.project_state(OLD).apps
    user = apps.get_model("auth", "User").objects.create(username="old-hand")
    clinic = apps.get_model("clinics", "Clinic").objects.create(name="Old", slug="old")
    patient = apps.get_model("clinics", "Patient").objects.create(
        clinic=clinic, given_name="Ada", family_name="Fenwick", date_of_birth=date(1968, 4, 12)
    )
    answers: dict[str, Any] = {
        "age": 58,
        "sex": "female",
        "pain_duration_weeks": 30.0,
        "conditions": ["chronic-low-back-pain"],
        "history": ["diabetes", "lymphoedema"],
        "devices": ["pacemaker"],
        "skin_problems": [{"finding": "scar-or-keloid", "region": "popliteal"}],
    }
    common = {"clinic": clinic, "patient": patient, "created_by": user}
    intake = apps.get_model("care", "IntakeRecord").objects.create(
        **common, answers=answers, triage_level="caution", screening={"triage": {}}
    )
    apps.get_model("care", "Decision").objects.create(
        **common, intake=intake, kind="clearance_received", on=date.today() - timedelta(days=30)
    )
    start = date.today() - timedelta(days=14)
    plan = apps.get_model("care", "PlanRecord").objects.create(
        **common, intake=intake, start=start, plan={"points": [], "screening": {}}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(NEW)
    apps = executor.loader.project_state(NEW).apps
    moved = apps.get_model("care", "IntakeRecord").objects.get(pk=intake.pk)
    assert "skin_problems" not in moved.answers
    assert {"finding": "scar-or-keloid", "region": "popliteal", "side": "both"} in moved.answers[
        "local_findings"
    ]
    assert "lymphoedema" not in moved.answers["history"], "a limb finding now has a place"
    screening = Screening.model_validate(moved.screening_json)
    assert screening.level == "physician_clearance" and moved.triage_level == "physician_clearance"
    course = CoursePlan.model_validate(
        apps.get_model("care", "PlanRecord").objects.get(pk=plan.pk).course_json
    )
    assert course.start == start and course.points
    assert "electroacupuncture" not in {m.code for m in course.methods}
    assert "bl40" in {p.code for p in course.excluded_points}, "the scar behind the knee"
