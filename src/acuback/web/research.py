"""The research export: de-identified CSV files of courses, sessions, scores, adverse events.

Nothing that names or reaches a patient leaves: no names, contact details, addresses, GP,
insurer or policy, no date of birth (age in whole years at the course's start, and a 5-year
band, both top-coded at 90), no free text, no database ids. Each patient gets a random
research id and one random date offset for this export only; every date of that patient is
moved by it, so intervals are kept and the offset itself is never written.
"""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from acuback.web.care.models import AdverseEvent, PlanRecord, ScoreRecord, SessionRecord

MAX_SHIFT_DAYS = 180
AGE_TOP = 90  # ages from here on are written as 90 (and band "90+"): rare ages identify


class ExportError(Exception):
    """A request the export refuses (a directory with files in it)."""


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    kind: str  # type and units


@dataclass
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)


COURSES = (
    Column("patient_id", "Random research id of the patient, this export only", "text"),
    Column("course_id", "Random research id of the course (plan), this export only", "text"),
    Column("clinic_id", "Random research id of the clinic, this export only", "text"),
    Column("sex", "Sex as recorded: female, male, other, unknown", "code"),
    Column("age_years", "Age at the course's start, whole years, 90 means 90 or more", "years"),
    Column("age_band", "Age at the course's start in 5-year bands (e.g. 55-59; 90+)", "code"),
    Column("start_day", "First day of the course, shifted (see README.txt)", "date ISO 8601"),
    Column("triage_level", "Triage level of the intake the course was planned from", "code"),
    Column("conditions", "Knowledge-base condition codes of the plan, ';'-separated", "codes"),
    Column("planned_points", "Planned points as code:side, ';'-separated", "codes"),
    Column("methods", "Knowledge-base method codes of the plan, ';'-separated", "codes"),
    Column("planned_sessions", "Number of sessions the plan schedules", "count"),
    Column(
        "sessions_closed", "Number of closed (charted) sessions exported for the course", "count"
    ),
)

SESSIONS = (
    Column("patient_id", "Random research id of the patient", "text"),
    Column("course_id", "Random research id of the course", "text"),
    Column("session_number", "Session number within the course (1 = first)", "integer"),
    Column("day", "Day of the session, shifted (see README.txt)", "date ISO 8601"),
    Column("days_from_start", "Days from the course's start to the session", "days"),
    Column("points", "STRICTA 2a-b: points needled as code:side (left, right, both)", "codes"),
    Column("point_count", "Number of distinct points needled", "count"),
    Column("needles_inserted", "STRICTA 2b: needles inserted", "count"),
    Column("needles_removed", "Needles removed (equal to inserted on a closed session)", "count"),
    Column(
        "needle_type_recorded",
        "STRICTA 2g: 1 when a needle type was charted; the text itself (maker, material) "
        "is free text and excluded",
        "0/1",
    ),
    Column("needle_diameter_mm", "STRICTA 2g: needle diameter", "mm"),
    Column("needle_length_mm", "STRICTA 2g: needle length", "mm"),
    Column(
        "depth_mm",
        "STRICTA 2c: depth of insertion as a number or range (e.g. 10-25); left empty when "
        "charted as anything else (free text, excluded)",
        "mm",
    ),
    Column("response_sought", "STRICTA 2d: de_qi, twitch, none", "code"),
    Column("stimulation", "STRICTA 2e: manual, electrical, none", "code"),
    Column(
        "electrical_settings_recorded",
        "STRICTA 2e: 1 when electrical settings were charted; the settings are free text "
        "and excluded",
        "0/1",
    ),
    Column("retention_minutes", "STRICTA 2f: needle retention time", "minutes"),
    Column("moxibustion", "STRICTA 3a: moxibustion given", "0/1"),
    Column("cupping", "STRICTA 3a: cupping given", "0/1"),
    Column("tui_na", "STRICTA 3a: tui na given", "0/1"),
    Column("ear_seeds", "STRICTA 3a: ear seeds given", "0/1"),
    Column("restrictions_applied", "Keys of safety restrictions applied, ';'-separated", "codes"),
    Column("nrs_before", "Pain before needling, numeric rating scale", "0-10"),
    Column("nrs_after", "Pain after the session, numeric rating scale", "0-10"),
)

SCORES = (
    Column("patient_id", "Random research id of the patient", "text"),
    Column("course_id", "Research id of the course the score belongs to", "text"),
    Column("instrument", "Knowledge-base instrument code (e.g. nrs, odi, peg)", "code"),
    Column("value", "The score", "instrument's units"),
    Column("source", "clinic: recorded by the clinic; patient: the patient's own diary", "code"),
    Column("day", "Day the score was measured, shifted (see README.txt)", "date ISO 8601"),
    Column("days_from_start", "Days from the course's start to the score", "days"),
    Column("session_number", "Session the score was taken at, empty when none", "integer"),
)

ADVERSE_EVENTS = (
    Column("patient_id", "Random research id of the patient", "text"),
    Column("course_id", "Random research id of the course", "text"),
    Column("session_number", "Session the event followed", "integer"),
    Column("day", "Day of that session, shifted (see README.txt)", "date ISO 8601"),
    Column("severity", "mild, moderate, serious", "code"),
)

DICTIONARY = (
    Column("file", "File the column is in", "text"),
    Column("column", "Column name", "text"),
    Column("meaning", "What the column holds", "text"),
    Column("type", "Type and units", "text"),
)

EXCLUDED = (
    "Left out of every file: names, contact details, addresses, emergency contacts, "
    "guardians, GP, insurer and policy numbers, dates of birth, database ids, and every "
    "free-text field (session advice, needle type, electrical settings, non-numeric depths, "
    "adverse event descriptions and follow-up, decision notes, messages, intake answers)."
)

README = """acuback research export
=======================

Files: courses, sessions, scores, adverse-events (CSV{parquet}); data-dictionary.csv
describes every column.

Identifiers. patient_id, course_id and clinic_id are random for this export and are not
derived from any database id: two exports give the same patient different ids.

Dates. Every date of a patient (course start, session days, score days) is moved by one
random number of days, between -{shift} and +{shift}, drawn for that patient in this export
only. The same patient's dates all move together, so intervals between them are exact;
different patients move by different amounts. The offsets are not written anywhere.
Ages are computed from the true dates: whole years at the course's start, 90 or more
written as 90, and a 5-year band.

{excluded}

Selection: courses starting {window}{clinic}; sessions are the closed (charted) sessions of
those courses; scores are those taken at those sessions or by the patient on or after the
course's start (before the patient's next course), adverse events those of the sessions.
All rows were read in one transaction, so the files agree with each other.
"""

_DEPTH = re.compile(r"^\s*\d{1,3}(\.\d+)?(\s*[-–]\s*\d{1,3}(\.\d+)?)?\s*(mm)?\s*$")


def _research_id(prefix: str, taken: set[str]) -> str:
    while True:
        candidate = f"{prefix}{secrets.token_hex(5)}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _age(born: date, on: date) -> int:
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return min(max(years, 0), AGE_TOP)


def _band(age: int) -> str:
    if age >= AGE_TOP:
        return f"{AGE_TOP}+"
    low = age // 5 * 5
    return f"{low}-{low + 4}"


def _flag(value: bool) -> int:
    return 1 if value else 0


def _depth(text: str) -> str:
    if not _DEPTH.match(text):
        return ""
    return re.sub(r"\s|mm", "", text).replace("–", "-")


def _points(points: Any) -> list[str]:
    found: list[str] = []
    for point in points if isinstance(points, list) else []:
        if not isinstance(point, dict) or not isinstance(point.get("code"), str):
            continue
        side = point.get("side") if isinstance(point.get("side"), str) else ""
        found.append(f"{point['code']}:{side}" if side else point["code"])
    return found


def _codes(values: Iterable[Any]) -> str:
    return ";".join(str(value) for value in values if isinstance(value, str))


def _read(start: date | None, end: date | None, clinic_slug: str | None) -> list[Table]:
    """Every row of the export (the caller holds the transaction)."""
    plans = PlanRecord.objects.select_related("patient", "intake", "clinic").order_by(
        "patient_id", "start", "id"
    )
    if start is not None:
        plans = plans.filter(start__gte=start)
    if end is not None:
        plans = plans.filter(start__lte=end)
    if clinic_slug is not None:
        plans = plans.filter(clinic__slug=clinic_slug)

    taken: set[str] = set()
    patient_ids: dict[int, str] = {}
    shifts: dict[int, timedelta] = {}
    clinic_ids: dict[int, str] = {}
    course_ids: dict[int, str] = {}
    plan_rows: dict[int, PlanRecord] = {}
    courses = Table("courses", COURSES)
    for plan in plans:
        patient = plan.patient
        if patient.pk not in patient_ids:
            patient_ids[patient.pk] = _research_id("P", taken)
            days = secrets.randbelow(2 * MAX_SHIFT_DAYS + 1) - MAX_SHIFT_DAYS
            shifts[patient.pk] = timedelta(days=days)
        if plan.clinic_id not in clinic_ids:
            clinic_ids[plan.clinic_id] = _research_id("K", taken)
        course_ids[plan.pk] = _research_id("C", taken)
        plan_rows[plan.pk] = plan
        course = plan.course
        age = _age(patient.date_of_birth, plan.start)
        courses.rows.append(
            {
                "patient_id": patient_ids[patient.pk],
                "course_id": course_ids[plan.pk],
                "clinic_id": clinic_ids[plan.clinic_id],
                "sex": patient.sex,
                "age_years": age,
                "age_band": _band(age),
                "start_day": (plan.start + shifts[patient.pk]).isoformat(),
                "triage_level": plan.intake.triage_level,
                "conditions": _codes(reason.code for reason in course.conditions),
                "planned_points": ";".join(f"{point.code}:{point.side}" for point in course.points),
                "methods": _codes(reason.code for reason in course.methods),
                "planned_sessions": len(course.sessions),
                "sessions_closed": 0,
            }
        )
    by_course = {row["course_id"]: row for row in courses.rows}

    sessions = Table("sessions", SESSIONS)
    session_numbers: dict[int, tuple[int, int]] = {}  # session pk -> (plan pk, number)
    closed = SessionRecord.objects.filter(
        plan_id__in=list(plan_rows), closed__isnull=False
    ).order_by("plan_id", "number")
    for session in closed:
        plan = plan_rows[session.plan_id]
        shift = shifts[session.patient_id]
        session_numbers[session.pk] = (session.plan_id, session.number)
        points = _points(session.points)
        by_course[course_ids[plan.pk]]["sessions_closed"] += 1
        sessions.rows.append(
            {
                "patient_id": patient_ids[session.patient_id],
                "course_id": course_ids[plan.pk],
                "session_number": session.number,
                "day": (session.day + shift).isoformat(),
                "days_from_start": (session.day - plan.start).days,
                "points": ";".join(points),
                "point_count": len({point.split(":")[0] for point in points}),
                "needles_inserted": session.needles_inserted,
                "needles_removed": session.needles_removed,
                "needle_type_recorded": _flag(bool(session.needle_type.strip())),
                "needle_diameter_mm": session.needle_diameter_mm,
                "needle_length_mm": session.needle_length_mm,
                "depth_mm": _depth(session.depth_mm),
                "response_sought": session.response_sought,
                "stimulation": session.stimulation,
                "electrical_settings_recorded": _flag(bool(session.electrical_settings.strip())),
                "retention_minutes": session.retention_minutes,
                "moxibustion": _flag(session.moxibustion),
                "cupping": _flag(session.cupping),
                "tui_na": _flag(session.tui_na),
                "ear_seeds": _flag(session.ear_seeds),
                "restrictions_applied": _codes(session.restrictions_applied or []),
                "nrs_before": session.nrs_before,
                "nrs_after": session.nrs_after,
            }
        )

    # A score not taken at a session belongs to the patient's latest course started by then
    # (counting courses outside the selection, whose scores then stay out).
    starts: dict[int, list[tuple[date, int]]] = {}
    for plan_pk, patient_pk, begun in PlanRecord.objects.filter(
        patient_id__in=list(patient_ids)
    ).values_list("pk", "patient_id", "start"):
        starts.setdefault(patient_pk, []).append((begun, plan_pk))
    scores = Table("scores", SCORES)
    for score in ScoreRecord.objects.filter(patient_id__in=list(patient_ids)).order_by(
        "patient_id", "day", "id"
    ):
        number: int | None = None
        if score.session_id is not None:
            if score.session_id not in session_numbers:
                continue  # a session outside the export (another course, or still open)
            plan_pk, number = session_numbers[score.session_id]
        else:
            earlier = [found for found in starts[score.patient_id] if found[0] <= score.day]
            if not earlier or max(earlier)[1] not in plan_rows:
                continue  # before any course, or in a course not exported
            plan_pk = max(earlier)[1]
        owner = plan_rows[plan_pk]
        scores.rows.append(
            {
                "patient_id": patient_ids[score.patient_id],
                "course_id": course_ids[owner.pk],
                "instrument": score.instrument,
                "value": score.value,
                "source": score.source,
                "day": (score.day + shifts[score.patient_id]).isoformat(),
                "days_from_start": (score.day - owner.start).days,
                "session_number": number,
            }
        )

    events = Table("adverse-events", ADVERSE_EVENTS)
    for event in (
        AdverseEvent.objects.filter(session_id__in=list(session_numbers))
        .select_related("session")
        .order_by("session__plan_id", "session__number", "id")
    ):
        plan_pk, number = session_numbers[event.session_id]
        events.rows.append(
            {
                "patient_id": patient_ids[event.patient_id],
                "course_id": course_ids[plan_pk],
                "session_number": number,
                "day": (event.session.day + shifts[event.patient_id]).isoformat(),
                "severity": event.severity,
            }
        )
    return [courses, sessions, scores, events]


def read_consistent(start: date | None, end: date | None, clinic_slug: str | None) -> list[Table]:
    """The rows of every file from one read transaction (one snapshot on PostgreSQL)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _read(start, end, clinic_slug)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def dictionary(tables: list[Table]) -> Table:
    rows: list[dict[str, Any]] = []
    for table in [*tables, Table("data-dictionary", DICTIONARY)]:
        for column in table.columns:
            rows.append(
                {
                    "file": f"{table.name}.csv",
                    "column": column.name,
                    "meaning": column.meaning,
                    "type": column.kind,
                }
            )
    rows.append({"file": "(all files)", "column": "(excluded)", "meaning": EXCLUDED, "type": "-"})
    return Table("data-dictionary", DICTIONARY, rows)


def check_directory(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory}: exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()):
        raise ExportError(f"{directory}: not empty; give a new or empty directory")


def parquet_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _write_csv(table: Table, directory: Path) -> None:
    with (directory / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[column.name for column in table.columns])
        writer.writeheader()
        for row in table.rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})


def _write_parquet(table: Table, directory: Path) -> None:
    import pyarrow as pa  # type: ignore[import-not-found, unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]

    columns = {
        column.name: [
            None if row[column.name] is None else str(row[column.name]) for row in table.rows
        ]
        for column in table.columns
    }
    pq.write_table(pa.table(columns), directory / f"{table.name}.parquet")


def export(
    directory: Path,
    start: date | None = None,
    end: date | None = None,
    clinic_slug: str | None = None,
    step: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write the export into `directory` (new or empty); returns the row count per file."""
    check_directory(directory)
    tables = read_consistent(start, end, clinic_slug)
    directory.mkdir(parents=True, exist_ok=True)
    parquet = parquet_available()
    window = (
        f"from {start.isoformat() if start else 'the first'} "
        f"to {end.isoformat() if end else 'the last'}"
    )
    written: dict[str, int] = {}
    for table in [*tables, dictionary(tables)]:
        _write_csv(table, directory)
        if parquet and table.name != "data-dictionary":
            _write_parquet(table, directory)
        written[f"{table.name}.csv"] = len(table.rows)
        if step is not None:
            step(table.name)
    (directory / "README.txt").write_text(
        README.format(
            parquet=" and Parquet" if parquet else "",
            shift=MAX_SHIFT_DAYS,
            excluded=EXCLUDED,
            window=window,
            clinic=" at the one clinic asked for" if clinic_slug else " at every clinic",
        ),
        encoding="utf-8",
    )
    if step is not None:
        step("README.txt")
    return written


STEPS = 6  # four tables, the dictionary, the README
