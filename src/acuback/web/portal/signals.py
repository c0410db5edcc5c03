"""An invitation goes to one address: when the clinic corrects it, the link stops working."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from acuback.web.clinics.models import Patient
from acuback.web.portal.models import Invitation


@receiver(pre_save, sender=Patient)
def cancel_invitations_to_an_old_address(sender: Any, instance: Patient, **kwargs: Any) -> None:
    # A link sent to a mistyped address would otherwise let its reader take the account.
    if instance.pk is None:
        return
    before = Patient.objects.filter(pk=instance.pk).values_list("email", flat=True).first()
    if before is not None and before.strip().lower() != instance.email.strip().lower():
        Invitation.objects.filter(patient_id=instance.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
