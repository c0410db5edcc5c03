"""`acuback backup` and `acuback restore` (issue 12), on whichever database the suite runs on.

A whole clinic is built (the demo plus every kind of record the demo lacks), backed up
through the command line, the database emptied, the backup restored, and every model's
rows compared field by field with what was there before.
"""

from __future__ import annotations

import gzip
import json
import stat
import threading
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone
from typer.testing import CliRunner

from acuback.cli import app
from acuback.web import backup as backups
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.billing import service as billing
from acuback.web.care import service as care
from acuback.web.care.models import IntakeRecord
from acuback.web.clinics.models import Clinic, Patient, Role
from tests.billing_helpers import days_ago, priced, visit
from tests.check_in_helpers import closed_session

runner = CliRunner()
transactional = pytest.mark.django_db(transaction=True)


def whole_clinic(clinics: dict[str, Any]) -> None:
    """The demo clinics, and beside them one record of every kind the demo leaves out."""
    call_command("load_demo", stdout=StringIO())
    alice, bob, ada = clinics["practitioner"], clinics["colleague"], clinics["patient"]
    session = closed_session(ada, alice)
    intake = IntakeRecord.objects.get(patient=ada)
    care.record_decision(intake, alice, "clearance_received", days_ago(2), "GP agrees")
    care.record_adverse_event(
        session, alice, {"severity": "mild", "description": "Small bruise at BL23"}
    )
    care.record_score(
        ada.clinic, ada, alice, "rmdq", Decimal("11"), timezone.localdate() - timedelta(days=1)
    )
    care.record_message(ada.clinic, ada, alice, "See you on Tuesday, Ada.")
    priced(clinics["home"])
    invoice = billing.issue(clinics["home"], bob, Role.RECEPTION, visit(clinics))
    billing.mark_paid(invoice, bob, Role.RECEPTION, days_ago(0), "card")
    for n in range(3):
        AuditEvent.objects.create(
            clinic=clinics["home"],
            user=alice,
            username="alice",
            action=Action.VIEW,
            what=f"patient {ada.pk}",
            patient_id=ada.pk,
            path=f"/patients/{ada.pk}/?n={n}",
            ip_address="127.0.0.1",
        )
    desk = Group.objects.create(name="Front desk")
    desk.permissions.add(Permission.objects.get(codename="view_patient"))
    bob.groups.add(desk)
    bob.user_permissions.add(Permission.objects.get(codename="change_patient"))


def everything() -> dict[str, list[dict[str, Any]]]:
    """Every backed-up model's rows as the database returns them, and the users' links."""
    rows = {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in backups.backed_up_models()
    }
    rows["links"] = [
        {
            "user": user.username,
            "groups": sorted(g.name for g in user.groups.all()),
            "permissions": sorted(p.codename for p in user.user_permissions.all()),
            "group permissions": sorted(
                p.codename for g in user.groups.all() for p in g.permissions.all()
            ),
        }
        for user in User.objects.order_by("pk")
    ]
    return rows


def empty_the_database() -> None:
    call_command("flush", interactive=False, verbosity=0)
    assert not Patient.objects.exists() and not AuditEvent.objects.exists()


@transactional
def test_a_whole_clinic_comes_back_field_for_field(clinics: dict[str, Any], tmp_path: Path) -> None:
    whole_clinic(clinics)
    before = everything()
    kinds = [label for label, rows in before.items() if rows]
    for label in (
        "care.decision",
        "care.adverseevent",
        "care.sessionrecord",
        "care.scorerecord",
        "appointments.appointment",
        "billing.invoiceline",
        "audit.auditevent",
        "portal.patientaccount",
        "checkins.checkin",
    ):
        assert label in kinds, label

    file = tmp_path / "clinic.jsonl.gz"
    result = runner.invoke(app, ["backup", str(file)])
    assert result.exit_code == 0, result.output
    total = sum(len(rows) for label, rows in before.items() if label != "links")
    assert f"backed up {total} rows of" in result.output
    assert result.output.strip().endswith(f"to {file}")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.partial"))
    exported = AuditEvent.objects.get(action=Action.EXPORT)
    assert exported.what == f"whole-database backup, {total} rows"
    assert exported.path == f"acuback backup {file}" and exported.username.startswith("command")

    empty_the_database()
    restoring_from = timezone.now()
    result = runner.invoke(app, ["restore", str(file)])
    assert result.exit_code == 0, result.output
    assert f"restored {total} rows of" in result.output

    after = everything()
    assert after.keys() == before.keys()
    restored = after["audit.auditevent"].pop()
    assert restored["action"] == "create" and restored["path"] == f"acuback restore {file}"
    assert restored["what"].startswith(f"whole database restored, {total} rows from a backup")
    for label in before:
        assert after[label] == before[label], label
    # Restored raw: the audit trail keeps its own times, not the restore's.
    assert all(event.at < restoring_from for event in AuditEvent.objects.exclude(pk=restored["id"]))

    # The id counters were set past the restored rows: new records go in after them.
    newest = Patient.objects.order_by("-pk").first()
    added = Patient.objects.create(
        clinic=Clinic.objects.get(slug="home"),
        given_name="Nova",
        family_name="Restored",
        date_of_birth=date(1990, 1, 1),
    )
    assert added.pk > newest.pk
    audit = AuditEvent.objects.create(username="dora", action=Action.VIEW, what="after", path="/")
    assert audit.pk > restored["id"] > max(row["id"] for row in before["audit.auditevent"])


@transactional
def test_a_database_with_data_is_refused_unless_told_to_replace_it(
    clinics: dict[str, Any], tmp_path: Path
) -> None:
    file = tmp_path / "b.jsonl.gz"
    backups.backup(file)
    before = everything()
    # The backup's own audit row comes after the moment it holds.
    exported = before["audit.auditevent"].pop()
    assert exported["action"] == "export"
    Clinic.objects.create(name="Opened since", slug="since")
    looked = AuditEvent.objects.create(
        clinic=clinics["home"], user=clinics["practitioner"], username="alice",
        action=Action.VIEW, what="patient 1", patient_id=1, path="/patients/1/",
    )  # fmt: skip
    looked_then = AuditEvent.objects.filter(pk=looked.pk).values().get()

    result = runner.invoke(app, ["restore", str(file)])
    assert result.exit_code == 2
    assert "already holds data" in result.output and "--replace" in result.output
    assert "Traceback" not in result.output
    assert Clinic.objects.filter(slug="since").exists()

    result = runner.invoke(app, ["restore", "--replace", str(file)])
    assert result.exit_code == 0, result.output
    assert not Clinic.objects.filter(slug="since").exists()
    after = everything()
    restored = after["audit.auditevent"].pop()
    assert restored["action"] == "create" and restored["what"].startswith("whole database")
    assert "new numbers" not in restored["what"]
    # The trail is append-only: restoring left every event where it was, the backup's own
    # events (already held) were not added twice, and what happened after the backup stays,
    # at its own time and number: the backup's export and alice's look at a record.
    kept = [after["audit.auditevent"].pop() for _ in range(2)][::-1]
    assert kept == [exported, looked_then]
    assert after == before


@transactional
def test_audit_events_of_another_database_get_new_numbers_beside_the_held_ones(
    clinics: dict[str, Any], tmp_path: Path
) -> None:
    for n in range(3):
        AuditEvent.objects.create(username="alice", action=Action.VIEW, what=f"p {n}", path="/")
    file = tmp_path / "b.jsonl.gz"
    backups.backup(file)
    before = everything()["audit.auditevent"][:-1]  # the backup's own export is not in it
    empty_the_database()  # the tests' own flush, which also restarts the id counters
    first = before[0]["id"]
    # Events of this database up to the backup's first number: that one collides.
    here = [
        AuditEvent.objects.create(username="dora", action=Action.VIEW, what=f"here {n}", path="/")
        for n in range(first)
    ]
    assert here[-1].pk == first
    held = list(AuditEvent.objects.order_by("pk").values())

    result = runner.invoke(app, ["restore", "--replace", str(file)])
    assert result.exit_code == 0, result.output
    events = list(AuditEvent.objects.order_by("pk").values())
    assert events[: len(held)] == held  # untouched, numbers and all
    restored = events.pop()
    assert restored["what"].endswith("; 1 audit entries given new numbers")
    added = events[len(held) :]

    def without_id(entry: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in entry.items() if key != "id"}

    assert [without_id(e) for e in added] == [without_id(e) for e in before[1:] + before[:1]]
    assert [e["id"] for e in added[:-1]] == [e["id"] for e in before[1:]]
    assert added[-1]["id"] > max(e["id"] for e in before)


@transactional
def test_a_damaged_backup_changes_nothing(clinics: dict[str, Any], tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl.gz"
    backups.backup(good)
    before = everything()
    cut = tmp_path / "cut.jsonl.gz"
    # Cut near the end: most rows are read and inserted before the file runs out.
    cut.write_bytes(good.read_bytes()[:-100])

    result = runner.invoke(app, ["restore", "--replace", str(cut)])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"acuback: {cut} is damaged: it ends early or its bytes are corrupt"
    )
    # The rows already inserted and the emptying before them were rolled back together.
    assert everything() == before


@transactional
def test_a_write_during_the_backup_is_wholly_in_or_wholly_out(
    clinics: dict[str, Any], tmp_path: Path
) -> None:
    """A clinic and its patient committed together while the backup is between tables.

    The clinics are written before the patients, so a backup that read each table at its
    own moment would hold the patient without the clinic it belongs to.
    """
    committed = threading.Event()

    def elsewhere() -> None:
        try:
            with transaction.atomic():
                late = Clinic.objects.create(name="Late Clinic", slug="late")
                Patient.objects.create(
                    clinic=late,
                    given_name="Lena",
                    family_name="Late",
                    date_of_birth=date(1980, 5, 5),
                )
            committed.set()
        finally:
            connections.close_all()

    def during(label: str) -> None:
        if label == "clinics.clinic":
            writer = threading.Thread(target=elsewhere)
            writer.start()
            writer.join(timeout=30)

    started: dict[str, int] = {}
    advanced: dict[str, int] = {}

    def progress(label: str, total: int) -> Any:
        started[label] = total

        def advance(done: int) -> None:
            advanced[label] = advanced.get(label, 0) + done

        return advance

    file = tmp_path / "b.jsonl.gz"
    header = backups.backup(file, progress, during=during)
    assert committed.is_set() and Patient.objects.filter(family_name="Late").exists()

    with gzip.open(file, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle][1:]
    clinics_in = {r["fields"]["slug"] for r in rows if r["model"] == "clinics.clinic"}
    patients_in = {r["fields"]["family_name"] for r in rows if r["model"] == "clinics.patient"}
    assert ("late" in clinics_in) == ("Late" in patients_in)
    assert clinics_in == {"home", "other"} and patients_in == {"Fenwick", "Lindqvist"}
    # The header's counts are of the same snapshot as the rows, and the progress saw them.
    assert header.counts["clinics.patient"] == 2
    assert started == header.counts == advanced


def a_backup_header(tmp_path: Path, **changes: Any) -> Path:
    header = {
        "format": "acuback-backup",
        "version": 1,
        "acuback_version": "0.1.0",
        "created": "2026-11-23T08:00:00+00:00",
        "database": "sqlite",
        "migrations": backups._grouped(backups.code_migrations()),
        "counts": {},
    } | changes
    path = tmp_path / "made.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(header) + "\n")
    return path


def test_files_that_are_not_backups_get_one_clear_sentence(tmp_path: Path) -> None:
    not_gzip = tmp_path / "notes.txt"
    not_gzip.write_text("dear diary\n")
    no_header = tmp_path / "other.gz"
    with gzip.open(no_header, "wt") as handle:
        handle.write('{"model": "clinics.clinic", "pk": 1}\n')
    corrupt = tmp_path / "corrupt.gz"
    damaged = bytearray(gzip.compress(b'{"format": "acuback-backup"}\n' * 50))
    damaged[12:24] = b"x" * 12
    corrupt.write_bytes(bytes(damaged))
    later = dict(backups._grouped(backups.code_migrations()))
    later["care"] = [*later["care"], "9999_from_the_future"]
    cases = {
        tmp_path / "missing.jsonl.gz": "cannot read: No such file or directory",
        not_gzip: "is not an acuback backup (not a gzip file)",
        no_header: "is not an acuback backup (no backup header)",
        corrupt: "is damaged: it ends early or its bytes are corrupt",
        a_backup_header(tmp_path, version=7): "is in backup format 7, and this acuback reads",
        a_backup_header(tmp_path, migrations=later, acuback_version="9.0"): (
            "was made by a newer acuback (9.0)"
        ),
    }
    for path, message in cases.items():
        result = runner.invoke(app, ["restore", str(path)])
        assert result.exit_code == 2, (path, result.output)
        assert message in result.output, (path, result.output)
        assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_a_backup_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["backup", str(tmp_path / "no-such-folder" / "b.jsonl.gz")])
    assert result.exit_code == 2
    assert result.output == f"acuback: {tmp_path / 'no-such-folder'} is not a directory\n"


def test_an_older_backup_is_refused_rather_than_restored_without_its_data_migrations(
    tmp_path: Path,
) -> None:
    older = dict(backups._grouped(backups.code_migrations()))
    older["clinics"] = [name for name in older["clinics"] if not name.startswith("0003")]
    result = runner.invoke(
        app, ["restore", str(a_backup_header(tmp_path, migrations=older, acuback_version="0.0.9"))]
    )
    assert result.exit_code == 2
    assert "older acuback (0.0.9): restore it with that version, then upgrade" in result.output


@pytest.mark.django_db
def test_models_come_after_the_models_they_point_to() -> None:
    order = [model._meta.label_lower for model in backups.backed_up_models()]
    for model in backups.backed_up_models():
        for field in model._meta.concrete_fields:
            target = field.related_model
            if target is not None and target is not model:
                assert order.index(target._meta.label_lower) < order.index(
                    model._meta.label_lower
                ), (model, field.name)
    assert not {"sessions.session", "audit.signinthrottle"} & set(order)
