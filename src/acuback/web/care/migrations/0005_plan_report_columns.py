from typing import Any

from django.db import migrations, models
from django.utils import timezone

from acuback.clinical.outcome import review_window
from acuback.knowledge.loader import knowledge_base


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
    plan_model.objects.bulk_update(
        plans,
        ["began", "review_opens", "review_closes", "condition", "startback_risk"],
        batch_size=500,
    )


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
        migrations.RunPython(fill_report_columns, migrations.RunPython.noop),
    ]
