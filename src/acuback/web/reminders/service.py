"""Appointment reminders by email: when they go, what they say, and sending each once.

A reminder is queued (a django-tasks task in the database) when a booked appointment is
created or moved, to run `BookingRules.reminder_hours_before` its start. When it runs it
re-reads the appointment and sends only if it is still booked, still at the time the
reminder was queued for, not yet reminded, still ahead, and the patient has an email.

Nothing is sent twice, across restarts and with several workers: before sending, the
appointment is claimed with one conditional UPDATE (`reminder_sent_at` from empty to now,
only while booked at that time), which exactly one worker can win. If sending fails the
claim is given back and the reminder queued again a little later, up to MAX_ATTEMPTS.
A worker that dies between claiming and sending leaves the claim standing: at most one
reminder, never two.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, Status
from acuback.web.clinics.models import Clinic

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=10)


class Outcome:
    """What a reminder task did; stored as the task's result."""

    SENT = "sent"
    GONE = "appointment deleted"
    NOT_BOOKED = "appointment no longer booked"
    MOVED = "appointment moved"
    ALREADY_SENT = "already reminded"
    TOO_LATE = "appointment already begun"
    NO_EMAIL = "patient has no email"


def due_at(appointment: Appointment) -> datetime:
    """When the appointment's reminder goes out."""
    hours = book.rules_for(appointment.clinic).reminder_hours_before
    return appointment.starts_at - timedelta(hours=hours)


def schedule(appointment: Appointment, attempt: int = 1, at: datetime | None = None) -> None:
    """Queue the reminder of a booked appointment, for the time it is booked at now."""
    if appointment.status != Status.BOOKED:
        return
    from acuback.web.reminders.tasks import send_reminder

    send_reminder.using(run_after=at or due_at(appointment)).enqueue(
        appointment.pk, appointment.starts_at.isoformat(), attempt
    )


def queued() -> set[tuple[int, datetime]]:
    """(appointment, start) of every reminder waiting in the queue."""
    from django_tasks_db.models import DBTaskResult

    from acuback.web.reminders.tasks import send_reminder

    waiting = DBTaskResult.objects.filter(
        task_path=send_reminder.module_path, status="READY"
    ).values_list("args_kwargs", flat=True)
    found = set()
    for args_kwargs in waiting:
        args = args_kwargs["args"]
        found.add((int(args[0]), datetime.fromisoformat(args[1])))
    return found


def schedule_missing(now: datetime | None = None) -> int:
    """Queue the reminder of every booked appointment ahead that has none waiting.

    Appointments booked before reminders existed, or saved without signals, are caught
    up when the worker starts; an appointment already queued is left alone.
    """
    now = now or timezone.now()
    waiting = queued()
    missing = [
        appointment
        for appointment in Appointment.objects.filter(
            status=Status.BOOKED, starts_at__gt=now, reminder_sent_at__isnull=True
        ).select_related("clinic")
        if (appointment.pk, appointment.starts_at) not in waiting
    ]
    for appointment in missing:
        schedule(appointment)
    return len(missing)


def moved(appointment: Appointment) -> None:
    """A moved appointment gets a reminder for its new time, even if the old one went out."""
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
    appointment.reminder_sent_at = None
    schedule(appointment)


def claim(appointment_id: int, booked_for: datetime, now: datetime) -> bool:
    """Mark the appointment reminded, if no one has and it is still booked at that time."""
    won = Appointment.objects.filter(
        pk=appointment_id,
        status=Status.BOOKED,
        starts_at=booked_for,
        reminder_sent_at__isnull=True,
    ).update(reminder_sent_at=now)
    return won == 1


def release(appointment_id: int, claimed_at: datetime) -> bool:
    """Give a claim back after a failed send, so that a retry can send."""
    released = Appointment.objects.filter(pk=appointment_id, reminder_sent_at=claimed_at).update(
        reminder_sent_at=None
    )
    return released == 1


def message(appointment: Appointment) -> EmailMessage:
    """The reminder: where, when, what kind of visit, how to cancel. No clinical words."""
    rules = book.rules_for(appointment.clinic)
    starts = timezone.localtime(appointment.starts_at)
    context = {
        "patient": appointment.patient,
        "clinic": appointment.clinic,
        "starts": starts,
        "type_name": appointment.type.name,
        "home_visit": appointment.type.is_home_visit,
        "practitioner": book.practitioner_name(appointment.practitioner),
        "notice_hours": rules.cancellation_notice_hours,
    }
    subject = (
        f"Reminder: your appointment at {appointment.clinic.name} on "
        f"{starts:%a} {starts.day} {starts:%b %Y} at {starts:%H:%M}"
    )
    body = render_to_string("reminders/email.txt", context).strip() + "\n"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [appointment.patient.email])


def deliver(
    appointment_id: int, booked_for: datetime, attempt: int = 1, now: datetime | None = None
) -> str:
    """Send the reminder of one appointment if it is still wanted; say what was done."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_related("clinic", "patient", "practitioner", "type")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return Outcome.GONE
    if appointment.status != Status.BOOKED:
        return Outcome.NOT_BOOKED
    if appointment.starts_at != booked_for:
        return Outcome.MOVED
    if appointment.reminder_sent_at is not None:
        return Outcome.ALREADY_SENT
    if appointment.starts_at <= now:
        return Outcome.TOO_LATE
    if not appointment.patient.email:
        return Outcome.NO_EMAIL
    email = message(appointment)
    if not claim(appointment_id, booked_for, now):
        return Outcome.ALREADY_SENT
    try:
        email.send()
    except Exception:
        release(appointment_id, now)
        retry_at = now + RETRY_AFTER
        if attempt < MAX_ATTEMPTS and retry_at < appointment.starts_at:
            schedule(appointment, attempt + 1, at=retry_at)
        logger.exception("reminder for appointment %s not sent (attempt %s)", appointment_id,
                         attempt)  # fmt: skip
        raise
    return Outcome.SENT


# --- what the clinic sees ---------------------------------------------------------------


@dataclass(frozen=True)
class Unreminded:
    """An upcoming appointment whose patient will get no reminder, and why."""

    appointment: Appointment
    reason: str


def gets_no_reminder(now: datetime) -> Q:
    """Booked appointments still to come whose patient has no email to be reminded at."""
    return Q(status=Status.BOOKED, starts_at__gt=now, patient__email="")


NO_EMAIL = "No email on record: no reminder will be sent."


def without_email(
    clinic: Clinic, now: datetime | None = None, practitioner_id: int | None = None
) -> list[Unreminded]:
    """Booked appointments still to come whose patient has no email to be reminded at."""
    now = now or timezone.now()
    found: QuerySet[Appointment] = (
        Appointment.objects.filter(gets_no_reminder(now), clinic=clinic)
        .select_related("patient", "practitioner", "type")
        .order_by("starts_at", "id")
    )
    if practitioner_id is not None:
        found = found.filter(practitioner_id=practitioner_id)
    return [Unreminded(a, NO_EMAIL) for a in found]
