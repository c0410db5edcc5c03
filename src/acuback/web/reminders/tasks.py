"""The reminder task, run by `acuback worker` (django-tasks-db's `db_worker`)."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from acuback.web.reminders import service


@task()
def send_reminder(appointment_id: int, booked_for: str, attempt: int = 1) -> str:
    """Send one appointment's reminder if still wanted; the result says what happened."""
    return service.deliver(appointment_id, datetime.fromisoformat(booked_for), attempt)
