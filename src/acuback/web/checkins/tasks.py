"""The check-in task, run by `acuback worker` (django-tasks-db's `db_worker`)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from acuback.web.checkins import service


def link_to(check_in_id: int) -> str:
    """The portal page's full address; the worker has no request to build it from."""
    base = str(getattr(settings, "ACUBACK_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + reverse("portal-check-in", args=[check_in_id])


@task()
def send_check_in(check_in_id: int, attempt: int = 1) -> str:
    """Send one check-in's email if still wanted; the result says what happened."""
    return service.deliver(check_in_id, link_to(check_in_id), attempt)
