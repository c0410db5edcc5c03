"""Engine results move from hand-built dicts to the JSON of typed, versioned models.

Stored answers take the new intake shape (local findings with a side), and each stored
screening and plan is re-derived by the engine from the record's own answers, dates and
decisions. The plan's points and exclusions are re-drafted even where today's rules
would hold treatment back: the plan page must still open, and the session check stops
any new needling.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import migrations, models

# A lymphoedema recorded before sides existed names no limb: every limb is treated as
# affected until the practitioner takes a new intake. The safer error.
_ALL_LIMBS = [
    {"finding": "lymphoedema", "region": "lower-leg", "side": "both"},
    {"finding": "lymphoedema", "region": "forearm", "side": "both"},
]


def _answers(old: dict[str, Any]) -> dict[str, Any]:
    answers = dict(old)
    local = [{**item, "side": "both"} for item in answers.pop("skin_problems", [])]
    if "lymphoedema" in answers.get("history", []):
        answers["history"] = [h for h in answers["history"] if h != "lymphoedema"]
        local += _ALL_LIMBS
    if local:
        answers["local_findings"] = local
    return answers


def _decided(intake: Any, decision_model: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    latest = (
        decision_model.objects.filter(intake_id=intake.pk)
        .exclude(kind="guardian_consent")
        .order_by("-created", "-id")
        .first()
    )
    if latest is not None and latest.kind == "clearance_received":
        extra["physician_clearance"] = latest.on.isoformat()
    return extra


def forward(apps: Any, schema_editor: Any) -> None:
    from acuback.clinical.course_plan import draft
    from acuback.clinical.intake import read_intake
    from acuback.clinical.screening import screen
    from acuback.knowledge.loader import knowledge_base

    kb = knowledge_base()
    intakes = apps.get_model("care", "IntakeRecord")
    plans = apps.get_model("care", "PlanRecord")
    decisions = apps.get_model("care", "Decision")
    for intake in intakes.objects.all():
        intake.answers = _answers(intake.answers)
        recorded = read_intake(intake.answers, kb, today=date.today())
        screening = screen(recorded, kb)
        intake.screening_json = screening.model_dump(mode="json")
        intake.triage_level = screening.level.value
        intake.save(update_fields=["answers", "screening_json", "triage_level"])
        decided = read_intake({**intake.answers, **_decided(intake, decisions)}, kb)
        current = screen(decided, kb)
        for plan in plans.objects.filter(intake_id=intake.pk):
            course = draft(decided, current, kb, plan.start)
            plan.course_json = course.model_dump(mode="json")
            plan.save(update_fields=["course_json"])


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [
        migrations.RenameField("intakerecord", "screening", "screening_json"),
        migrations.AlterField(
            "intakerecord",
            "screening_json",
            models.JSONField(help_text="The engine's screening as shown, typed"),
        ),
        migrations.RenameField("planrecord", "plan", "course_json"),
        migrations.AlterField(
            "planrecord",
            "course_json",
            models.JSONField(help_text="The engine's course plan as drafted, typed"),
        ),
        migrations.AddField(
            "sessionrecord",
            "restrictions_applied",
            models.JSONField(
                blank=True,
                default=list,
                help_text="Keys of the restrictions the practitioner applied",
            ),
        ),
        migrations.AlterField(
            "decision",
            "kind",
            models.CharField(
                choices=[
                    ("clearance_received", "Doctor's approval received"),
                    ("referred", "Referred to a doctor or service"),
                    ("deferred", "Treatment deferred"),
                    ("declined", "Doctor advised against acupuncture"),
                    ("guardian_consent", "Parent's or guardian's consent recorded"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
