"""SQLite as configured for production: WAL, synchronous=NORMAL, IMMEDIATE transactions and a
busy timeout, so that concurrent read-then-write writers queue instead of failing.

tests/test_hardening_sqlite.py proves the lock order on a bare table; this one proves the
pragmas and the app's own read-then-write (a patient row and an audit row) under 8 writers.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import RequestFactory


@pytest.fixture
def sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has no pragmas; it takes row locks instead")


def _pragma(name: str, through: Any = connection) -> Any:
    with through.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_every_connection_runs_in_wal_with_normal_sync_and_a_busy_timeout(
    sqlite_only: None, db: Any
) -> None:
    assert str(_pragma("journal_mode")).lower() == "wal"
    assert _pragma("synchronous") == 1  # NORMAL
    assert _pragma("busy_timeout") == 20_000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    # A fresh connection gets the same, not just the first one opened.
    fresh = connections.create_connection("default")
    try:
        assert str(_pragma("journal_mode", fresh)).lower() == "wal"
        assert _pragma("synchronous", fresh) == 1
    finally:
        fresh.close()


WRITERS = 8
TRANSACTIONS = 25


@pytest.mark.django_db(transaction=True)
def test_eight_read_then_write_writers_never_see_a_locked_database(
    sqlite_only: None, clinics: dict[str, Any]
) -> None:
    from acuback.web.audit.models import Action, AuditEvent
    from acuback.web.audit.service import record
    from acuback.web.clinics.models import Patient

    patient, home = clinics["patient"], clinics["home"]
    Patient.objects.filter(pk=patient.pk).update(insurer_visits=0)
    barrier = threading.Barrier(WRITERS, timeout=30)
    locked: list[BaseException] = []
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        request = RequestFactory().get(f"/patients/{patient.pk}/")
        request.user = clinics["practitioner"]
        try:
            barrier.wait()
            for _ in range(TRANSACTIONS):
                with transaction.atomic():
                    # Read, then write what was read plus one: a lost update or a lock
                    # upgrade failure would show in the final count or as an error.
                    visits = Patient.objects.values_list("insurer_visits", flat=True).get(
                        pk=patient.pk
                    )
                    Patient.objects.filter(pk=patient.pk).update(insurer_visits=visits + 1)
                    record(request, Action.CHANGE, f"writer {index}", clinic=home)
        except OperationalError as exc:
            locked.append(exc)
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert locked == [] and errors == []
    patient.refresh_from_db()
    assert patient.insurer_visits == WRITERS * TRANSACTIONS
    assert AuditEvent.objects.filter(what__startswith="writer ").count() == WRITERS * TRANSACTIONS
