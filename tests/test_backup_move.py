"""A clinic moves from SQLite to PostgreSQL with `acuback backup` and `acuback restore`.

Runs when the suite runs on PostgreSQL (scripts/with-postgres.sh): the demo clinic is made
in a SQLite file by the real commands, backed up, and restored into a new, empty database
on the test server; a second backup, taken from PostgreSQL, must hold the same rows.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ACUBACK = str(Path(sys.executable).parent / "acuback")

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="moving to PostgreSQL needs a PostgreSQL server: run under scripts/with-postgres.sh",
)


def acuback(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [ACUBACK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def rows_of(path: Path) -> tuple[dict[str, Any], dict[tuple[str, Any], dict[str, Any]]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        rows = {(r["model"], r["pk"]): r["fields"] for r in map(json.loads, handle)}
    return header, rows


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """The address of a new, empty database on the test server, dropped afterwards."""
    import psycopg

    settings = connection.settings_dict
    name = f"acuback_move_{uuid.uuid4().hex[:10]}"
    server = {
        "host": settings["HOST"],
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_clinic_backed_up_on_sqlite_restores_into_postgresql(
    tmp_path: Path, empty_postgres: str
) -> None:
    on_sqlite = os.environ | {
        "ACUBACK_VAR_DIR": str(tmp_path),
        "ACUBACK_DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite3'}",
    }
    acuback(on_sqlite, "manage", "migrate", "--verbosity", "0")
    acuback(on_sqlite, "demo")
    moved = tmp_path / "clinic.jsonl.gz"
    assert acuback(on_sqlite, "backup", str(moved)).startswith("backed up ")

    on_postgres = on_sqlite | {"ACUBACK_DATABASE_URL": empty_postgres}
    said = acuback(on_postgres, "restore", str(moved))
    header, rows = rows_of(moved)
    assert said.startswith(f"restored {sum(header['counts'].values())} rows of ")

    again = tmp_path / "again.jsonl.gz"
    acuback(on_postgres, "backup", str(again))
    header_after, rows_after = rows_of(again)
    assert (header["database"], header_after["database"]) == ("sqlite", "postgresql")
    # The restore wrote its own audit row in the new database, after the restored ones.
    restored = [
        (model, pk)
        for (model, pk), fields in rows_after.items()
        if model == "audit.auditevent" and fields["path"].startswith("acuback restore")
    ]
    assert restored == [("audit.auditevent", header["counts"]["audit.auditevent"] + 1)]
    del rows_after[restored[0]]
    header_after["counts"]["audit.auditevent"] -= 1
    assert header_after["counts"] == header["counts"]
    assert header_after["migrations"] == header["migrations"]
    assert header["counts"]["care.sessionrecord"] == 6 and header["counts"]["clinics.patient"]
    # Every row, field by field (JSON objects compare by content: PostgreSQL's jsonb keeps
    # its own key order).
    assert rows_after.keys() == rows.keys()
    for key, fields in rows.items():
        assert rows_after[key] == fields, key
    session = next(f for (m, _), f in rows_after.items() if m == "care.sessionrecord")
    assert session["points"] and session["needles_inserted"] == session["needles_removed"]

    # PostgreSQL's id sequences were moved past the restored rows.
    highest = max(pk for (model, pk) in rows if model == "clinics.patient")
    made = acuback(
        on_postgres,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "from datetime import date\n"
        "from acuback.web.clinics.models import Clinic, Patient\n"
        "p = Patient.objects.create(clinic=Clinic.objects.first(), given_name='New',"
        " family_name='Arrival', date_of_birth=date(1990, 1, 1))\n"
        "print(p.pk)",
    )
    assert int(made.split()[-1]) > highest
