"""Backup and restore of a whole acuback database, on SQLite or PostgreSQL alike.

A backup is one gzip'd JSON-lines file: a header line (format, acuback version, the applied
migrations of every app, the row count of every model, when it was made), then every row of
every model, one per line, written by Django's own `jsonl` serializer with the models in
foreign-key order. The format belongs to neither database, so a backup taken on SQLite
restores into PostgreSQL: that is how a clinic that outgrows one machine moves.

Consistency while the server runs: every row is read from one snapshot. On PostgreSQL the
rows are read in one REPEATABLE READ, READ ONLY transaction, which never blocks the clinic's
writes. SQLite (without WAL) would hold its writers back for as long as a read transaction
lasts, so the live file is first copied with SQLite's online backup API in one step (the
lock is held only for the page copy), and the rows are read from that private copy.

Restore runs the migrations, refuses a database that already holds clinic data (unless told
to replace it) and a backup made under other migrations, then inserts every row in one
transaction without calling the models' own `save()` (an audit event's refuses a row that
already has an id; stored values are kept exactly as they were), checks each model's count
against the header, and resets PostgreSQL's id sequences so that the next new row does not
collide. The audit trail is append-only in the database (triggers refuse DELETE): `--replace`
empties every other table and leaves the trail as it is; the backup's audit events that the
database already holds (the same id at the same time) are left out, the others added.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time
from graphlib import CycleError, TopologicalSorter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "acuback-backup"
FORMAT_VERSION = 1

# Not clinic data, and harmful or useless after a move: sign-in sessions (every user signs
# in again on the new server), the sign-in throttle's counters, and the task queue, which
# `acuback worker` refills at start from the appointments and check-ins still to send.
LEFT_OUT = {"sessions.session", "audit.signinthrottle", "django_tasks_database.dbtaskresult"}
# Created by `migrate` in every new database; the backup's own rows replace them.
MADE_BY_MIGRATE = {"contenttypes.contenttype", "auth.permission"}

SNAPSHOT_ALIAS = "acuback_backup_snapshot"

# start(label, total) is called as each model begins and returns a function that is
# called with the number of rows done since its last call.
Progress = Callable[[str, int], Callable[[int], None]]


class BackupError(Exception):
    """A backup cannot be written or restored; the message is one sentence for the user."""


@dataclass(frozen=True)
class Header:
    format: str
    version: int
    acuback_version: str
    created: str
    database: str
    migrations: dict[str, list[str]]
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def acuback_version() -> str:
    try:
        return version("acuback")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "unknown"


def backed_up_models(alias: str = DEFAULT_DB_ALIAS) -> list[type[models.Model]]:
    """Every model a backup holds, each after the models its foreign keys point to.

    A model without a table (one whose migration is still to be written) holds nothing.

    Django's `sort_dependencies` orders only models with natural keys, so the order is
    taken from every concrete foreign key (and many-to-many, whose rows are written with
    their model) with the standard library's topological sort.
    """
    tables = set(connections[alias].introspection.table_names())
    chosen = {
        model._meta.label_lower: model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in LEFT_OUT
        and model._meta.db_table in tables
    }
    graph: TopologicalSorter[str] = TopologicalSorter()
    for label in sorted(chosen):
        model = chosen[label]
        targets = [
            field.related_model
            for field in model._meta.get_fields()
            if (field.many_to_one or field.one_to_one or field.many_to_many)
            and field.concrete
            and field.related_model is not None
        ]
        graph.add(
            label,
            *sorted(
                target._meta.label_lower
                for target in targets
                if not isinstance(target, str) and target._meta.label_lower in chosen
                if target is not model
            ),
        )
    try:
        order = list(graph.static_order())
    except CycleError as exc:  # pragma: no cover - no such models today
        raise BackupError(f"the models' foreign keys form a cycle: {exc.args[1]}") from None
    return [chosen[label] for label in order]


def code_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _grouped(migrations: set[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for app, name in sorted(migrations):
        grouped.setdefault(app, []).append(name)
    return grouped


# --- backup ------------------------------------------------------------------------------


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds.

    DjangoJSONEncoder writes ECMAScript's millisecond form, which would round away part of
    every stored time (an audit event's, a sign-in's) on the way through a backup.
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


@contextmanager
def _snapshot(work: Path, alias: str = DEFAULT_DB_ALIAS) -> Iterator[str]:
    """The alias of a database connection that sees one unchanging state of `alias`.

    SQLite's copy is made in a private folder under `work` (beside the backup, on the disk
    the operator chose for it, rather than in a possibly small /tmp).
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        raise RuntimeError("a backup reads its own snapshot and cannot run inside a transaction")
    if connection.vendor == "postgresql":
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield alias
        return
    if connection.vendor != "sqlite":
        with transaction.atomic(using=alias):
            yield alias
        return
    # A private (0700) folder: the copy holds patient data.
    with tempfile.TemporaryDirectory(prefix=".acuback-backup-", dir=work) as directory:
        copy_path = os.path.join(directory, "snapshot.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(copy_path)
        try:
            # One step: the source is read-locked only while its pages are copied, and a
            # write cannot land half in the copy.
            connection.connection.backup(target, pages=-1)
        finally:
            target.close()
        settings = dict(connection.settings_dict)
        settings["NAME"] = copy_path
        settings["CONN_MAX_AGE"] = 0
        # A connection of this thread only, kept out of the project's settings: the copy is
        # no database anyone else should be routed to.
        connections[SNAPSHOT_ALIAS] = type(connection)(settings, alias=SNAPSHOT_ALIAS)
        try:
            with transaction.atomic(using=SNAPSHOT_ALIAS):
                yield SNAPSHOT_ALIAS
        finally:
            connections[SNAPSHOT_ALIAS].close()
            del connections[SNAPSHOT_ALIAS]


def _counting(rows: Iterator[Any], advance: Callable[[int], None]) -> Iterator[Any]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % 200 == 0:
            advance(200)
    advance(done % 200)


def _no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda done: None


def backup(
    path: Path,
    progress: Progress = _no_progress,
    *,
    during: Callable[[str], None] | None = None,
) -> Header:
    """Write the whole database to `path` (replaced only once the new backup is complete).

    `during(label)` is called after each model is written; tests use it to write to the
    database while the backup runs.
    """
    directory = path.parent
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a directory")
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=directory)
    # mkstemp creates the file 0600: a backup holds patient data.
    try:
        with os.fdopen(fd, "wb") as raw, _snapshot(directory) as alias:
            header = _write(raw, alias, progress, during)
        os.replace(partial, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(partial)
        raise
    _audit(
        "EXPORT", f"whole-database backup, {header.rows} rows", f"acuback backup {path.resolve()}"
    )
    return header


def _audit(action: str, what: str, command: str) -> None:
    """A backup carries every patient's record out: the audit trail says who, like a view."""
    from acuback.web.audit.models import Action
    from acuback.web.audit.service import record_command

    record_command(Action[action], what, command)


def _write(
    raw: IO[bytes], alias: str, progress: Progress, during: Callable[[str], None] | None
) -> Header:
    applied = set(MigrationRecorder(connections[alias]).applied_migrations())
    if code_migrations() - applied:
        raise BackupError("the database is not fully migrated: run `acuback manage migrate` first")
    chosen = backed_up_models(alias)
    counts = {m._meta.label_lower: m._base_manager.using(alias).count() for m in chosen}
    header = Header(
        format=FORMAT,
        version=FORMAT_VERSION,
        acuback_version=acuback_version(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        database=connections[alias].vendor,
        migrations=_grouped(applied),
        counts=counts,
    )
    with (
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
        io.TextIOWrapper(zipped, encoding="utf-8", newline="\n") as text,
    ):
        text.write(json.dumps(asdict(header), sort_keys=True) + "\n")
        for model in chosen:
            label = model._meta.label_lower
            rows = model._base_manager.using(alias).order_by("pk").iterator(chunk_size=1000)
            serializers.serialize(
                "jsonl",
                _counting(rows, progress(label, counts[label])),
                stream=text,
                cls=ExactJSONEncoder,
            )
            if during is not None:
                during(label)
    return header


# --- restore -----------------------------------------------------------------------------


@contextmanager
def _reading(path: Path) -> Iterator[tuple[Header, IO[str]]]:
    """The backup's header, and its text positioned on the first row."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(2)
        # Opened apart from the `with` below so that each failure gets its own message.
        handle = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise BackupError(f"{path}: cannot read: {exc.strerror}") from None
    if magic != b"\x1f\x8b":
        handle.close()
        raise BackupError(f"{path} is not an acuback backup (not a gzip file)")
    with handle:
        try:
            first = handle.readline()
        except (gzip.BadGzipFile, EOFError, zlib.error, UnicodeDecodeError):
            raise BackupError(
                f"{path} is damaged: it ends early or its bytes are corrupt"
            ) from None
        except OSError as exc:
            raise BackupError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            data = json.loads(first)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError
        except ValueError:
            raise BackupError(f"{path} is not an acuback backup (no backup header)") from None
        if data.get("version") != FORMAT_VERSION:
            raise BackupError(
                f"{path} is in backup format {data.get('version')!r}, and this acuback "
                f"reads format {FORMAT_VERSION} only"
            )
        try:
            header = Header(**data)
        except TypeError:
            raise BackupError(
                f"{path} is not an acuback backup (its header is incomplete)"
            ) from None
        yield header, handle


def read_header(path: Path) -> Header:
    with _reading(path) as (header, _):
        return header


def _check_migrations(path: Path, header: Header) -> None:
    theirs = {(app, name) for app, names in header.migrations.items() for name in names}
    ours = code_migrations()
    if theirs - ours:
        raise BackupError(
            f"{path} was made by a newer acuback ({header.acuback_version}) whose database "
            f"has changes this one does not know: upgrade acuback, then restore"
        )
    if ours - theirs:
        raise BackupError(
            f"{path} was made by an older acuback ({header.acuback_version}): restore it "
            f"with that version, then upgrade acuback and run `acuback manage migrate`"
        )


def holding_data(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The models that hold rows a backup would restore (what `migrate` makes aside)."""
    return [
        model._meta.label_lower
        for model in backed_up_models(alias)
        if model._meta.label_lower not in MADE_BY_MIGRATE
        and model._base_manager.using(alias).exists()
    ]


AUDIT = "audit.auditevent"


def _held_audit(objects: list[Any], alias: str) -> dict[int, Any]:
    """Of these audit events from a backup, the ids the database already holds, with their
    times: an event is the same one when its id and its time are."""
    from acuback.web.audit.models import AuditEvent

    ids = [event.pk for event in objects]
    return dict(AuditEvent._base_manager.using(alias).filter(pk__in=ids).values_list("pk", "at"))


def _insert_audit_afresh(objects: list[Any], alias: str) -> None:
    """Events whose id the database gave to another event: inserted with new ids, as stored."""
    from acuback.web.audit.models import AuditEvent

    if not objects:
        return
    for event in objects:
        event.pk = None
    fields = [f for f in AuditEvent._meta.local_concrete_fields if not f.primary_key]
    AuditEvent._base_manager.using(alias)._insert(  # type: ignore[attr-defined]
        objects, fields=fields, using=alias, raw=True
    )


def restore(
    path: Path,
    progress: Progress = _no_progress,
    *,
    replace: bool = False,
) -> Header:
    """Restore the backup at `path` into the database, in one transaction."""
    alias = DEFAULT_DB_ALIAS
    with _reading(path) as (header, _):
        _check_migrations(path, header)
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    if not replace and (found := holding_data(alias)):
        raise BackupError(
            f"the database already holds data ({', '.join(found[:3])}"
            f"{', …' if len(found) > 3 else ''}); restore into an empty database, or pass "
            f"--replace to delete everything in it first"
        )
    connection = connections[alias]
    try:
        with _reading(path) as (header, rows), transaction.atomic(using=alias):
            # The audit trail is append-only (the database refuses to delete from it): it stays
            # as it is, and the backup adds the events it holds that the database does not.
            from acuback.web.audit.models import AuditEvent

            audit_table = AuditEvent._meta.db_table
            tables = [
                table
                for table in connection.introspection.django_table_names(only_existing=True)
                if table != audit_table
            ]
            connection.ops.execute_sql_flush(
                connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
            )
            afresh: list[Any] = []
            loaded = _load(path, header, rows, alias, progress, afresh)
            if loaded != {label: n for label, n in header.counts.items() if n}:
                raise BackupError(f"{path} is damaged: its rows do not match its header's counts")
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(
                    no_style(), backed_up_models(alias)
                ):
                    cursor.execute(statement)
            _insert_audit_afresh(afresh, alias)
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackupError(
            f"{path} cannot be restored; the database refused it: {first_line}"
        ) from None
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    kept = f"; {len(afresh)} audit entries given new numbers" if afresh else ""
    _audit(
        "CREATE",
        f"whole database restored, {header.rows} rows from a backup made {header.created}{kept}",
        f"acuback restore {path.resolve()}",
    )
    return header


# Rows inserted per INSERT statement (fewer where the database limits a query's parameters):
# one statement per row made a move to PostgreSQL take minutes for a year of audit events.
BATCH = 500


def _load(
    path: Path,
    header: Header,
    rows: IO[str],
    alias: str,
    progress: Progress,
    audit_afresh: list[Any],
) -> dict[str, int]:
    """Insert the backup's rows; audit events the database already holds are left out, and
    those whose id it gave to another event are put in `audit_afresh`, to be inserted with
    new ids once the id counters are past every restored row."""
    loaded: dict[str, int] = {}
    pending: list[DeserializedObject] = []
    advance = _no_progress("", 0)

    def insert() -> None:
        if not pending:
            return
        model = type(pending[0].object)
        # What Model.save_base(raw=True) inserts, many rows at a time: every stored value as
        # it is (no auto_now, no custom save(), no signals).
        fields = [f for f in model._meta.local_concrete_fields if not f.generated]
        objects = [found.object for found in pending]
        if model._meta.label_lower == AUDIT:
            held = _held_audit(objects, alias)
            # Another event under the same number: given a new one once every row is in.
            audit_afresh.extend(
                o
                for o in objects
                if o.pk in held and held[o.pk] != o.at  # type: ignore[attr-defined]
            )
            objects = [o for o in objects if o.pk not in held]
        size = max(1, min(BATCH, connections[alias].ops.bulk_batch_size(fields, objects)))
        if model._meta.parents:  # pragma: no cover - no model inherits another's table today
            for found in pending:
                found.save(using=alias, force_insert=True)
        else:
            for first in range(0, len(objects), size):
                # QuerySet._insert: the one call both save() and bulk_create() insert with.
                model._base_manager.using(alias)._insert(  # type: ignore[attr-defined]
                    objects[first : first + size], fields=fields, using=alias, raw=True
                )
        for found in pending:
            for accessor, related in (found.m2m_data or {}).items():
                getattr(found.object, accessor).set(related)
        label = model._meta.label_lower
        loaded[label] = loaded.get(label, 0) + len(pending)
        advance(len(pending))
        pending.clear()

    try:
        for found in serializers.deserialize("jsonl", rows, using=alias):
            model = type(found.object)
            label = model._meta.label_lower
            if label in LEFT_OUT:
                raise BackupError(f"{path} holds {label} rows, which a backup never does")
            if pending and type(pending[0].object) is not model:
                insert()
            if not pending and label not in loaded:
                advance = progress(label, header.counts.get(label, 0))
            pending.append(found)
            if len(pending) >= BATCH:
                insert()
        insert()
    except (gzip.BadGzipFile, EOFError, zlib.error, UnicodeDecodeError):
        raise BackupError(f"{path} is damaged: it ends early or its bytes are corrupt") from None
    except DeserializationError as exc:
        raise BackupError(f"{path} is damaged: a row cannot be read ({exc})") from None
    return loaded
