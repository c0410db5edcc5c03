"""Conditions that came in through a FHIR import.

Our own conditions are the intake's condition codes; one imported from another system has no
intake behind it, so it is kept here, as received (after checking), and served again beside
the intake's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from acuback.web.clinics.models import Clinic, Patient


class ImportedCondition(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # At least one of the two: our knowledge-base condition code and/or a SNOMED CT code
    # from the list acuback emits.
    condition_code = models.CharField(max_length=60, blank=True, default="")
    snomed_code = models.CharField(max_length=20, blank=True, default="")
    clinical_status = models.CharField(max_length=20, default="active")
    verification_status = models.CharField(max_length=20, blank=True, default="")
    onset = models.DateField(null=True, blank=True)
    recorded = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(condition_code="", snomed_code=""),
                name="imported_condition_has_a_code",
            )
        ]

    def __str__(self) -> str:
        return f"Imported condition {self.pk} ({self.condition_code or self.snomed_code})"
