"""What the clinic sent on paper and must keep a record of: the doctor's-approval letters."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from acuback.web.care.models import Decision, IntakeRecord
from acuback.web.clinics.models import Clinic, Patient


class ApprovalLetter(models.Model):
    """A letter to the patient's GP asking whether acupuncture is safe, and its reply.

    The letter is recorded when it is printed (who, when, the question asked). The GP's
    reply is a care Decision on the intake, so the planning rules follow from it.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    intake = models.ForeignKey(
        IntakeRecord, on_delete=models.CASCADE, related_name="approval_letters"
    )
    question = models.TextField()
    sent_on = models.DateField(help_text="The day the letter was printed to be sent")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reply = models.OneToOneField(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="letter"
    )

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Approval letter {self.reference}"

    @property
    def reference(self) -> str:
        """What the GP quotes when replying: short, and unique within the clinic."""
        return f"A-{self.pk:05d}"
