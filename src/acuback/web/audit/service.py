"""Write and read the audit trail (views call `record`; nothing else writes it), and count
sign-in attempts for the throttle."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from acuback.clinical.base import spoken
from acuback.web.audit.models import Action, AuditEvent, SignInThrottle
from acuback.web.clinics.models import Clinic, Membership

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
    changes: dict[str, list[str | None]] | None = None,
) -> AuditEvent:
    """One event. The path is kept without its query string (a search box's words are a
    patient's name); `changes` is what `changes_of` returns."""
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
        path=(path or request.path).split("?", 1)[0][:500],
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        changes=changes or {},
    )
    event.save()
    return event


def changes_of(form: forms.ModelForm[Any]) -> dict[str, list[str | None]]:
    """{field label: [old, new]} for each field a saved form changed, as the page shows them.

    Free text (a model TextField: addresses, notes) is [None, None]: the trail says that it
    changed, never what it said, so the trail does not become a second copy of the notes."""
    model_fields = {field.name: field for field in form.instance._meta.get_fields()}
    changes: dict[str, list[str | None]] = {}
    for name in form.changed_data:
        field = form.fields[name]
        label = str(field.label or name)
        if isinstance(model_fields.get(name), models.TextField):
            changes[label] = [None, None]
            continue
        old, new = form.initial.get(name), form.cleaned_data.get(name)
        changes[label] = [_shown(field, old), _shown(field, new)]
    return changes


def _shown(field: forms.Field, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{spoken(timezone.localtime(value).date())} {timezone.localtime(value):%H:%M}"
    if isinstance(value, date):
        return spoken(value)
    # A field read into several values (a chart's points and sides): each in turn.
    if isinstance(value, list | tuple):
        return ", ".join(_shown(field, item) for item in value)
    if isinstance(value, dict):
        return " ".join(_shown(field, item) for item in value.values())
    if isinstance(value, str) and "\n" in value:
        return ", ".join(line.strip() for line in value.splitlines() if line.strip())
    choices = dict(getattr(field, "choices", None) or [])
    return str(choices.get(value, value))


def record_command(
    action: Action, what: str, command: str, *, clinic: Clinic | None = None
) -> AuditEvent:
    """An entry for something done at the command line (a backup, an export, a token), made
    by whoever is signed in to the machine."""
    try:
        who = getpass.getuser()
    except (OSError, KeyError):  # no login name, e.g. a container without a passwd entry
        who = f"uid {os.getuid()}"
    return record(
        HttpRequest(), action, what, clinic=clinic, username=f"command line ({who})", path=command
    )


def clinic_named_by(username: str) -> Clinic | None:
    """The clinic of the account a sign-in names, so that its admin sees the attempts."""
    user = (
        get_user_model()
        ._default_manager.filter(**{get_user_model().USERNAME_FIELD: username})
        .first()
    )
    return clinic_of_account(user) if user is not None else None


def clinic_of_account(user: Any) -> Clinic | None:
    """The clinic a staff member works in, or the clinic a patient account belongs to."""
    from acuback.web.portal.models import PatientAccount  # the portal builds on the audit

    membership = Membership.objects.filter(user_id=user.pk).select_related("clinic").first()
    if membership is not None:
        return membership.clinic
    account = PatientAccount.objects.filter(user_id=user.pk).select_related("clinic").first()
    return account.clinic if account is not None else None


class SignInLocked(Exception):
    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"sign-in locked for another {retry_after}")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignInReservation:
    """One attempt counted against each key; given back when the password was right."""

    keys: tuple[str, ...]


def _throttle_keys(username: str, ip_address: str | None) -> tuple[str, ...]:
    keys = [f"user:{username[:150]}"]
    if ip_address:
        keys.append(f"ip:{ip_address}")
    # One order for every transaction, so two of them never wait on each other's rows.
    return tuple(sorted(keys))


def reserve_sign_in(username: str, ip_address: str | None) -> SignInReservation:
    """Count an attempt for the account name and the address, before the password is checked.

    Raises SignInLocked, counting nothing, when either has had LOGIN_ATTEMPTS attempts in
    the current LOGIN_LOCKOUT window. The read and the write happen under a row lock
    (PostgreSQL) or SQLite's write lock (IMMEDIATE transactions), so of any number of
    simultaneous attempts only LOGIN_ATTEMPTS get through to a password check.
    """
    keys = _throttle_keys(username, ip_address)
    # The rows exist before they are locked: two first attempts cannot both insert one.
    SignInThrottle.objects.bulk_create(
        [SignInThrottle(key=key, window_start=timezone.now()) for key in keys],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        rows = list(SignInThrottle.objects.select_for_update().filter(key__in=keys).order_by("key"))
        now = timezone.now()
        for row in rows:
            if row.attempts == 0 or row.window_start <= now - LOGIN_LOCKOUT:
                row.window_start, row.attempts = now, 0
        full = [row for row in rows if row.attempts >= LOGIN_ATTEMPTS]
        if full:
            raise SignInLocked(max(row.window_start for row in full) + LOGIN_LOCKOUT - now)
        for row in rows:
            row.attempts += 1
            row.save(update_fields=["window_start", "attempts"])
    return SignInReservation(keys)


def give_back(reservation: SignInReservation) -> None:
    """A right password does not count towards the limit."""
    SignInThrottle.objects.filter(key__in=reservation.keys, attempts__gt=0).update(
        attempts=F("attempts") - 1
    )


def trail_of(clinic: Clinic, patient_id: int | None = None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(clinic=clinic)
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    return events
