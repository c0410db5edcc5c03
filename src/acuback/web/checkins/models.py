"""One check-in per closed session: when it goes out, what came back, who has seen it.

The answers are kept as the patient gave them (the pure rule's codes); what they mean is
`acuback.clinical.check_in`'s to say, and each reported effect is also an AdverseEvent of
the session, so the adverse-event record stays the one place a practitioner looks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from acuback.web.care.models import SessionRecord
from acuback.web.clinics.models import Clinic, Patient


class NotSent(models.TextChoices):
    NO_ACCOUNT = "no_account", "The patient has no portal account"
    MISSED = "missed", "Not sent within 48 hours of the session"
    MAIL_FAILED = "mail_failed", "The email could not be sent"


class CheckIn(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="check_ins")
    session = models.OneToOneField(SessionRecord, on_delete=models.CASCADE, related_name="check_in")
    created = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(help_text="The session's end + 24 hours")
    send_by = models.DateTimeField(help_text="After this the email is not sent (48 hours)")
    expires_at = models.DateTimeField(help_text="Answers are accepted until then")
    # Set by the one worker that claims the sending; given back if the email fails.
    sent_at = models.DateTimeField(null=True, blank=True)
    not_sent = models.CharField(max_length=12, choices=NotSent.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(null=True, blank=True, help_text="acuback.clinical.check_in.Answers")
    severity = models.CharField(
        max_length=10, blank=True, help_text="none, mild, moderate, serious"
    )
    alert = models.BooleanField(default=False)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(send_by__gt=models.F("due_at"))
                & models.Q(expires_at__gte=models.F("send_by")),
                name="check_in_windows_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"Check-in after session {self.session_id}"
