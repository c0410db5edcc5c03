from typing import Any

from django.conf import settings
from django.db import migrations, models

from acuback.web.care.models import planned_end


def fill_planned_end(apps: Any, schema_editor: Any) -> None:
    plan_model = apps.get_model("care", "PlanRecord")
    plans = list(plan_model.objects.only("course_json"))
    for plan in plans:
        plan.planned_end = planned_end(plan.course_json)
    plan_model.objects.bulk_update(plans, ["planned_end"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0008_active_courses"),
        ("clinics", "0005_patient_name_words_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="planrecord",
            name="planned_end",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.RunPython(fill_planned_end, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="planrecord", name="plan_active"),
        migrations.AddIndex(
            model_name="planrecord",
            index=models.Index(
                condition=models.Q(active=True),
                fields=["clinic", "created_by", "planned_end"],
                name="plan_in_hand",
            ),
        ),
    ]
