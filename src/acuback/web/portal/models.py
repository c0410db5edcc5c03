"""Patients' own sign-in to the portal, and the invitations that create it.

A patient account is a Django user with a `PatientAccount` and no `Membership`: the two
never meet on one user, so a patient never reaches a staff page and staff never sign in
to the portal. Only a hash of an invitation's secret is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from acuback.web.clinics.models import Clinic, Patient


class PatientAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_account"
    )
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="account")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Portal account of {self.patient}"


class Invitation(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Set when the patient chose a password, or when a newer invitation replaced this one.
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created")),
                name="invitation_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.patient}"
