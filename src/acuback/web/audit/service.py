"""Write and read the audit trail. Views call `record`; nothing else writes it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.clinics.models import Clinic

# Five wrong passwords for one account or from one address lock sign-in for 15 minutes:
# enough for typing slips, far too few for guessing.
LOGIN_ATTEMPTS = 5
LOGIN_LOCKOUT = timedelta(minutes=15)


def client_ip(request: HttpRequest) -> str | None:
    # Behind no proxy by default: REMOTE_ADDR is the only address we can trust.
    return request.META.get("REMOTE_ADDR") or None


def record(
    request: HttpRequest,
    action: Action,
    what: str,
    *,
    clinic: Clinic | None = None,
    patient_id: int | None = None,
    username: str = "",
    user: User | None = None,
    path: str | None = None,
) -> AuditEvent:
    if user is None:
        signed_in = getattr(request, "user", None)
        user = signed_in if isinstance(signed_in, User) else None
    event = AuditEvent(
        clinic=clinic,
        user=user,
        username=(user.get_username() if user else username)[:150],
        action=action,
        what=what[:200],
        patient_id=patient_id,
        path=(path or request.get_full_path())[:500],
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )
    event.save()
    return event


def login_locked(username: str, ip_address: str | None) -> bool:
    since = timezone.now() - LOGIN_LOCKOUT
    who = Q(username=username[:150])
    if ip_address:
        who |= Q(ip_address=ip_address)
    failures = AuditEvent.objects.filter(who, action=Action.LOGIN_FAILED, at__gte=since)
    return failures.count() >= LOGIN_ATTEMPTS


def trail_of(clinic: Clinic, patient_id: int | None = None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(clinic=clinic)
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    return events
