from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from acuback.web.cascade import deleted_with_another


class CareConfig(AppConfig):
    name = "acuback.web.care"
    label = "care"
    verbose_name = "Care pathway"

    def ready(self) -> None:
        from acuback.web.care.models import PlanRecord, SessionRecord

        for model in (PlanRecord, SessionRecord):
            post_save.connect(_course_written, sender=model, dispatch_uid=f"active-{model}")
            post_delete.connect(_course_written, sender=model, dispatch_uid=f"active-d-{model}")


def _course_written(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from acuback.web.care.courses import mark_active
    from acuback.web.care.models import PlanRecord, SessionRecord

    if raw:  # a restore brings the column back as it was saved, at the same migrations
        return
    if kwargs.get("signal") is post_delete:
        if deleted_with_another(sender, kwargs.get("origin")):
            return  # deleted with its patient: its courses go with it
    elif sender is SessionRecord and not kwargs.get("created"):
        return  # a chart saved again charts no more sessions
    mark_active(PlanRecord.objects.filter(patient_id=instance.patient_id))
