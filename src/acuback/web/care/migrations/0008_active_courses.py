from typing import Any

from django.conf import settings
from django.db import migrations, models

from acuback.web.care.courses import mark_active
from acuback.web.care.models import review_dates


def fill_reviews_and_mark_courses(apps: Any, schema_editor: Any) -> None:
    plan_model = apps.get_model("care", "PlanRecord")
    plans = list(plan_model.objects.only("course_json"))
    for plan in plans:
        plan.reviews = review_dates(plan.course_json)
    plan_model.objects.bulk_update(plans, ["reviews"], batch_size=500)
    mark_active(plan_model.objects.all())


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0007_today_indexes"),
        ("clinics", "0005_patient_name_words_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="planrecord",
            name="reviews",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="planrecord",
            name="active",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="planrecord",
            index=models.Index(
                fields=["clinic", "created_by"],
                condition=models.Q(active=True),
                name="plan_active",
            ),
        ),
        migrations.RunPython(fill_reviews_and_mark_courses, migrations.RunPython.noop),
    ]
