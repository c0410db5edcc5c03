"""Which plans are active courses: each patient's newest plan while one of its planned
sessions is still to be charted.

Kept as a column (`PlanRecord.active`), so that the Today page reads a practitioner's
courses in hand, not every plan they ever made: the history of finished courses grows
every year, the courses in hand do not. The column is set again whenever a plan is
written or deleted or a session is added or deleted, by any path (the signals in apps.py:
forms, the API, FHIR, the portal and the admin all write these rows), and by the writers
that send no signals: the demo cohort's bulk inserts and migration 0008. A restore needs
nothing: backups are restored at the migrations they were made at, the column with them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce


def mark_active(plans: QuerySet[Any]) -> int:
    """Set `active` on each of these plans from its patient's plans and its sessions.

    Takes the plans of whole patients (a plan's answer depends on its patient's newer
    plans). Written against the queryset's own model, so a migration can call it with
    its historical one.
    """
    model = plans.model
    sessions = model._meta.get_field("sessions").related_model
    newer = newer_of_the_patient(model)
    charted = (
        sessions.objects.filter(plan=OuterRef("pk"))
        .order_by()
        .values("plan")
        .annotate(n=Count("id"))
        .values("n")
    )
    active = (
        model.objects.filter(pk=OuterRef("pk"))
        .exclude(Exists(newer))
        .annotate(charted=Coalesce(Subquery(charted, output_field=IntegerField()), 0))
        .filter(charted__lt=F("planned_sessions"))
    )
    return int(plans.update(active=Exists(active)))


def newer_of_the_patient(model: type[Any]) -> QuerySet[Any]:
    """The patient's records of this kind made after the outer one (by time, then by id for
    two made in the same instant): none for the patient's newest."""
    records: QuerySet[Any] = model.objects.filter(patient=OuterRef("patient"))
    return records.filter(
        Q(created__gt=OuterRef("created")) | Q(created=OuterRef("created"), id__gt=OuterRef("id"))
    )
