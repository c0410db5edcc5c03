"""An append-only record of every view, change and export of patient data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from acuback.web.clinics.models import Clinic


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted."""


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    EXPORT = "export", "Exported"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    # Turned away by the throttle before any password was checked.
    LOGIN_REFUSED = "login_refused", "Sign-in refused"
    LOGOUT = "logout", "Signed out"
    # A signed-in user (or an API token) answered 403 or 404: a look at what is not theirs.
    REFUSED = "refused", "Refused"


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One event. The database refuses UPDATE, DELETE and TRUNCATE on this table (triggers,
    migration 0004); the links to the clinic and the account are not foreign-key constraints
    in the database, because a row that can never change cannot follow a key that does (a
    restore replaces clinics and accounts and keeps the trail). PROTECT still stops the ORM
    from deleting a clinic or an account that has events."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    clinic = models.ForeignKey(
        Clinic, null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    username = models.CharField(max_length=150, help_text="Kept even if the account goes")
    action = models.CharField(max_length=20, choices=Action.choices)
    what = models.CharField(max_length=200, help_text="e.g. patient 12, session 40")
    patient_id = models.BigIntegerField(null=True, db_index=True)
    path = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # {field label: [old, new]} as shown on screen; free text (notes, addresses) is
    # [None, None]: the trail says it changed, never what it says.
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class SignInThrottle(models.Model):
    """Sign-in attempts in the current window, for one account name or one client address.

    Not audit data: rows are counters, changed in place. An attempt is reserved here before
    the password is checked, so simultaneous attempts cannot all slip under the limit.
    """

    key = models.CharField(max_length=200, unique=True, help_text="user:NAME or ip:ADDRESS")
    window_start = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.attempts} since {self.window_start:%Y-%m-%d %H:%M}"
