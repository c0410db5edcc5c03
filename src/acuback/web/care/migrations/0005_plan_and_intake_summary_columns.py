from typing import Any

from django.db import migrations, models
from django.utils import timezone

from acuback.clinical.outcome import review_window
from acuback.knowledge.loader import knowledge_base
from acuback.web.care.models import screening_holds_for_approval


def fill_report_columns(apps: Any, schema_editor: Any) -> None:
    """Every plan's report columns, as PlanRecord.summarise() now keeps them."""
    plan_model = apps.get_model("care", "PlanRecord")
    kb = knowledge_base()
    plans = list(plan_model.objects.select_related("intake"))
    for plan in plans:
        plan.began = min(timezone.localdate(plan.intake.created), plan.start)
        plan.review_opens, plan.review_closes = review_window(plan.start, kb)
        plan.condition = (plan.course_json.get("conditions") or [{}])[0].get("code", "")
        plan.startback_risk = (plan.intake.screening_json.get("startback") or {}).get("risk", "")
        plan.planned_sessions = len(plan.course_json.get("sessions") or ())
    plan_model.objects.bulk_update(
        plans,
        ["began", "review_opens", "review_closes", "condition", "startback_risk",
         "planned_sessions"],
        batch_size=500,
    )  # fmt: skip
    intake_model = apps.get_model("care", "IntakeRecord")
    intakes = list(intake_model.objects.all())
    for intake in intakes:
        intake.held_for_approval = screening_holds_for_approval(intake.screening_json)
    intake_model.objects.bulk_update(intakes, ["held_for_approval"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("care", "0004_outcome_report_indexes")]

    operations = [
        migrations.AddField(
            model_name="planrecord",
            name="began",
            field=models.DateField(
                editable=False, help_text="Intake or start, if earlier", null=True
            ),
        ),
        migrations.AddField(
            model_name="planrecord",
            name="review_opens",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="planrecord",
            name="review_closes",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="planrecord",
            name="condition",
            field=models.CharField(blank=True, editable=False, max_length=60),
        ),
        migrations.AddField(
            model_name="planrecord",
            name="startback_risk",
            field=models.CharField(blank=True, editable=False, max_length=10),
        ),
        migrations.AddField(
            model_name="planrecord",
            name="planned_sessions",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="intakerecord",
            name="held_for_approval",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(fill_report_columns, migrations.RunPython.noop),
    ]
