"""The audit table is append-only in the database itself: raw SQL cannot change or delete an
event, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from acuback.web.audit import triggers
from acuback.web.audit.models import Action, AuditEvent


@pytest.fixture
def event(db: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        username="dora", action=Action.VIEW, what="patient 1", path="/"
    )


def refused(sql: str, params: list[Any] | None = None) -> str:
    """The database's error for `sql`, run in a savepoint so the test goes on after it."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(raised.value)


def test_the_triggers_are_in_the_database(db: Any) -> None:
    expected = (
        {"audit_auditevent_no_update", "audit_auditevent_no_delete"}
        if connection.vendor == "sqlite"
        else {"audit_auditevent_no_change", "audit_auditevent_no_truncate"}
    )
    assert triggers.installed(connection) == expected


def test_raw_sql_cannot_change_an_event(event: AuditEvent) -> None:
    message = refused("UPDATE audit_auditevent SET what = %s WHERE id = %s", ["nothing", event.pk])
    assert "append-only" in message and "UPDATE" in message
    assert AuditEvent.objects.get(pk=event.pk).what == "patient 1"


def test_raw_sql_cannot_delete_an_event_or_empty_the_table(event: AuditEvent) -> None:
    for statement, params in (
        ("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]),
        ("DELETE FROM audit_auditevent", None),
    ):
        message = refused(statement, params)
        assert "append-only" in message and "DELETE" in message
    if connection.vendor == "postgresql":
        assert "TRUNCATE" in refused("TRUNCATE audit_auditevent")
        assert "TRUNCATE" in refused("TRUNCATE audit_auditevent, clinics_clinic CASCADE")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_can_still_add_events(event: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, username, action, what, path, user_agent, changes)"
            " VALUES (%s, 'dora', 'view', 'patient 2', '/', '', '{}')",
            [event.at],
        )
    assert AuditEvent.objects.count() == 2


def test_flush_is_refused_outside_the_tests(
    event: AuditEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(triggers, "TEST_FLUSH_ALLOWED", False)
    with pytest.raises(Exception, match="flushed"), transaction.atomic():
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_tests_own_flush_puts_the_triggers_back() -> None:
    AuditEvent.objects.create(username="dora", action=Action.VIEW, what="patient 1", path="/")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert len(triggers.installed(connection)) == 2
