"""What the outcomes report reads of each course, kept beside the course as it is charted.

Judging a course needs its baseline and review scores per instrument, its visits and the
day of its first visit beyond each limit: a dozen lookups per course, over a second for a
clinic group's ten thousand courses. They are judged once, when a session, a score or the
plan itself is written (see `service.refresh_outcomes`), so the report only counts rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from acuback.web.care.models import PlanRecord
from acuback.web.clinics.models import Clinic


class CourseOutcome(models.Model):
    plan = models.OneToOneField(
        PlanRecord, primary_key=True, on_delete=models.CASCADE, related_name="outcome"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    start = models.DateField()
    condition = models.CharField(max_length=60, blank=True)
    startback_risk = models.CharField(max_length=10, blank=True)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visits = models.PositiveIntegerField()
    last_visit = models.DateField(null=True)
    # Charted every session its block planned.
    completed_block = models.BooleanField()
    # Improved by the important change on one instrument and worse on none; None when no
    # instrument had a baseline and a score inside the review window.
    responded = models.BooleanField(null=True)
    # {instrument: responder} for each instrument judged.
    responders = models.JSONField(default=dict)
    # {cap rule code: True} for each visit limit the course went over.
    over_limits = models.JSONField(default=dict)
    # The rules it was judged by: another knowledge base judges it again.
    rules = models.CharField(max_length=16)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "start"], name="outcome_clinic_start"),
            models.Index(fields=["clinic", "last_visit"], name="outcome_clinic_last_visit"),
        ]

    def __str__(self) -> str:
        return f"Outcome of plan {self.plan_id}"
