from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from acuback.web.cascade import deleted_with_another


class ReportsConfig(AppConfig):
    name = "acuback.web.reports"
    label = "reports"

    def ready(self) -> None:
        from acuback.web.care.models import PlanRecord, ScoreRecord, SessionRecord

        # Signals rather than calls in each service: forms, the API, FHIR, the portal and
        # the admin all write these rows, and a course judged on stale data would count
        # wrongly without anyone noticing. Bulk writes (the demo cohort) judge their own.
        for model in (PlanRecord, ScoreRecord, SessionRecord):
            post_save.connect(_course_written, sender=model, dispatch_uid=f"outcome-{model}")
            post_delete.connect(_course_written, sender=model, dispatch_uid=f"outcome-d-{model}")


def _course_written(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from acuback.web.care.models import PlanRecord, ScoreRecord, ScoreSource
    from acuback.web.reports.service import refresh_outcomes

    if raw:  # loaddata: the backup carries the judgements as they were
        return
    if kwargs.get("signal") is post_delete and deleted_with_another(sender, kwargs.get("origin")):
        return  # deleted with its patient or plan: the outcome goes with the plan
    if isinstance(instance, PlanRecord):
        if kwargs.get("signal") is not post_delete:
            refresh_outcomes([instance.pk])
    elif isinstance(instance, ScoreRecord):
        # A patient's own diary never judges a course.
        if instance.source == ScoreSource.CLINIC:
            refresh_outcomes(
                PlanRecord.objects.filter(patient_id=instance.patient_id).values_list(
                    "pk", flat=True
                )
            )
    else:
        refresh_outcomes([instance.plan_id])
