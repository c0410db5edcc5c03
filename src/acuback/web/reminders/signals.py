"""Queue a reminder whenever a booked appointment is created or moved.

The appointment book knows nothing of reminders: these receivers watch its saves. A move
is told apart from any other save by the start stored before it, read in `pre_save`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from acuback.web.appointments.models import Appointment
from acuback.web.reminders import service

PREVIOUS_START = "_reminders_previous_start"


@receiver(pre_save, sender=Appointment, dispatch_uid="reminders-previous-start")
def remember_start(sender: type[Appointment], instance: Appointment, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None:
        return
    fields = kwargs.get("update_fields")
    if fields is not None and "starts_at" not in fields:
        return
    previous: datetime | None = (
        Appointment.objects.filter(pk=instance.pk).values_list("starts_at", flat=True).first()
    )
    setattr(instance, PREVIOUS_START, previous)


@receiver(post_save, sender=Appointment, dispatch_uid="reminders-schedule")
def schedule_reminder(
    sender: type[Appointment], instance: Appointment, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return
    previous = instance.__dict__.pop(PREVIOUS_START, None)
    if created:
        service.schedule(instance)
    elif previous is not None and previous != instance.starts_at:
        service.moved(instance)
