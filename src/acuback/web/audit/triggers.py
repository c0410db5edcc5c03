"""The database's own refusal to change or delete audit events (no Django import here, so
that the test configuration can open the one door below before Django is set up).

SQLite: BEFORE UPDATE and BEFORE DELETE triggers that abort. PostgreSQL: one plpgsql
function, run BEFORE UPDATE OR DELETE for each row and BEFORE TRUNCATE for the statement.
Raw SQL, the Django shell and a bug in a view all meet the same refusal.

Caution for later migrations: on SQLite, Django alters a column by rebuilding the table,
which drops its triggers; a migration that alters `audit_auditevent` must call `install`
again (tests/test_audit_append_only.py fails if the triggers are missing).
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"

_SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END",
]
_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
]
_POSTGRES_INSTALL = [
    f"CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = 'audit events are append-only: ' || TG_OP "
    "|| ' refused', ERRCODE = 'insufficient_privilege'; END; $$",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()",
]
_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
]

# Set by the tests' conftest only: a transactional test ends by flushing every table (Django's
# TransactionTestCase), the audit table included. Nothing in the application or its settings
# sets it; whoever runs code in the process could drop the triggers anyway.
TEST_FLUSH_ALLOWED = False


def _statements(vendor: str, *, remove: bool) -> list[str]:
    if vendor == "sqlite":
        return _SQLITE_REMOVE if remove else _SQLITE_INSTALL
    if vendor == "postgresql":
        return _POSTGRES_REMOVE if remove else _POSTGRES_INSTALL
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def install(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, remove=False):
            cursor.execute(statement)


def remove(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, remove=True):
            cursor.execute(statement)


def installed(connection: Any) -> set[str]:
    """The names of the append-only triggers the database holds on the audit table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        return {name for (name,) in cursor.fetchall()}
