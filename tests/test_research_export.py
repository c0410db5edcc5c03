"""`acuback export research`: de-identified files (issue 12).

A small cohort is built through the care service with identifying details and marker
strings in every free-text field; the command is run through typer's CliRunner and every
written file is searched for them.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from acuback.cli import app
from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web import research
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord, ScoreRecord, SessionRecord
from acuback.web.clinics.models import Patient
from tests.check_in_helpers import CLEAR

STRICTA = {
    "points",
    "point_count",
    "needles_inserted",
    "needles_removed",
    "needle_type_recorded",
    "needle_diameter_mm",
    "needle_length_mm",
    "depth_mm",
    "response_sought",
    "stimulation",
    "electrical_settings_recorded",
    "retention_minutes",
    "moxibustion",
    "cupping",
    "tui_na",
    "ear_seeds",
    "nrs_before",
    "nrs_after",
}

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["export", "research", *args])


def a_patient(clinic: Any, n: int, born: date) -> tuple[Patient, list[str]]:
    secret = f"ZQX{n}MARK"
    patient = Patient.objects.create(
        clinic=clinic,
        given_name=f"Given{secret}",
        family_name=f"Family{secret}",
        date_of_birth=born,
        sex="female",
        phone=f"+4477009{n:05d}",
        email=f"mail{secret.lower()}@example.org",
        address=f"{n} Street{secret}, Town",
        emergency_contact_name=f"Emergency{secret}",
        gp_name=f"DrGp{secret}",
        gp_practice=f"Practice{secret}",
        gp_contact=f"GpContact{secret}",
        insurer=f"Insurer{secret}",
        policy_number=f"POL{secret}",
        guardian_name=f"Guardian{secret}",
    )
    leaks = [
        patient.given_name,
        patient.family_name,
        patient.phone,
        patient.phone[3:],
        patient.email,
        f"Street{secret}",
        secret,
        born.isoformat(),
        born.strftime("%d/%m/%Y"),
    ]
    return patient, leaks


def a_course(patient: Patient, user: Any, start: date, days: list[int]) -> PlanRecord:
    intake = care.record_intake(
        patient.clinic, patient, user, read_intake(CLEAR, knowledge_base()), CLEAR
    )
    plan = care.draft_plan(intake, user, start)
    marker = patient.given_name.removeprefix("Given")
    for offset in days:
        session = SessionRecord.objects.create(
            clinic=patient.clinic, patient=patient, created_by=user, plan=plan,
            number=care.next_session_number(plan), day=start + timedelta(days=offset),
            points=[{"code": "bl23", "side": "both"}, {"code": "bl40", "side": "left"}],
            needles_inserted=3, needles_removed=3, needle_type=f"Needle{marker}",
            needle_diameter_mm=Decimal("0.25"), needle_length_mm=40, depth_mm="10-25",
            response_sought="de_qi", stimulation="electrical",
            electrical_settings=f"2 Hz Settings{marker}", retention_minutes=20,
            moxibustion=True, cupping=False, tui_na=True, ear_seeds=False,
            advice=f"Advice{marker} walk daily", nrs_before=6, nrs_after=Decimal("3.5"),
        )  # fmt: skip
        care.close_session(session, user)
    return plan


@pytest.fixture
def cohort(clinics: dict[str, Any]) -> dict[str, Any]:
    user = clinics["practitioner"]
    today = timezone.localdate()
    people = []
    for n, (born, start, days) in enumerate(
        [
            (date(1968, 4, 12), today - timedelta(days=40), [0, 7, 19]),
            (date(1979, 11, 3), today - timedelta(days=30), [0, 5]),
            (date(1990, 2, 28), today - timedelta(days=20), [0, 9]),
            (date(1951, 7, 9), today - timedelta(days=10), [0, 3]),
        ]
    ):
        patient, leaks = a_patient(clinics["home"], n, born)
        plan = a_course(patient, user, start, days)
        first = plan.sessions.order_by("number").first()
        assert first is not None
        care.record_adverse_event(
            first,
            user,
            {
                "severity": "mild",
                "description": f"Bruise{leaks[6]} at bl23",
                "follow_up": f"Called{leaks[6]}",
            },
        )
        ScoreRecord.objects.create(
            clinic=patient.clinic, patient=patient, created_by=user, instrument="nrs",
            value=4, day=start + timedelta(days=2), source="patient",
        )  # fmt: skip
        care.record_message(patient.clinic, patient, user, f"Message{leaks[6]}")
        people.append({"patient": patient, "leaks": leaks, "plan": plan, "start": start})
    return {"people": people, "today": today}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def exported(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "export"
    result = run(str(out), *args)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.django_db(transaction=True)
def test_no_identifier_leaks_anywhere(cohort: dict[str, Any], tmp_path: Path) -> None:
    out = exported(tmp_path)
    files = sorted(out.iterdir())
    names = {path.name for path in files}
    assert {
        "courses.csv",
        "sessions.csv",
        "scores.csv",
        "adverse-events.csv",
        "data-dictionary.csv",
        "README.txt",
    } <= names
    text = "\n".join(
        path.read_text(encoding="utf-8") for path in files if path.suffix != ".parquet"
    )
    lowered = text.lower()
    for person in cohort["people"]:
        for leak in person["leaks"]:
            assert leak.lower() not in lowered, leak
        for word in ("Advice", "Needle", "Settings", "Bruise", "Called", "Message"):
            assert f"{word}ZQX".lower() not in lowered
    assert "zqx" not in lowered  # no marker at all, in any field
    pks = {str(person["patient"].pk) for person in cohort["people"]}
    plan_pks = {str(person["plan"].pk) for person in cohort["people"]}
    for name in ("courses.csv", "sessions.csv", "scores.csv", "adverse-events.csv"):
        for row in read_csv(out / name):
            assert re.fullmatch(r"P[0-9a-f]{10}", row["patient_id"]), row
            assert re.fullmatch(r"C[0-9a-f]{10}", row["course_id"]), row
            assert row["patient_id"].removeprefix("P") not in pks
            assert row["course_id"].removeprefix("C") not in plan_pks
    courses = read_csv(out / "courses.csv")
    assert len(courses) == 4
    assert len({row["patient_id"] for row in courses}) == 4
    ages = sorted(int(row["age_years"]) for row in courses)
    assert all(row["age_band"] for row in courses)
    today = cohort["today"]
    expected = sorted(
        research._age(person["patient"].date_of_birth, person["start"])
        for person in cohort["people"]
    )
    assert ages == expected and ages[0] < today.year - 1968
    # A second export gives everyone new ids: nothing ties them to the database.
    again = read_csv(exported(tmp_path / "again") / "courses.csv")
    assert not {row["patient_id"] for row in courses} & {row["patient_id"] for row in again}


@pytest.mark.django_db(transaction=True)
def test_dates_shift_per_patient_and_keep_intervals(cohort: dict[str, Any], tmp_path: Path) -> None:
    out = exported(tmp_path)
    courses = read_csv(out / "courses.csv")
    sessions = read_csv(out / "sessions.csv")
    scores = read_csv(out / "scores.csv")
    events = read_csv(out / "adverse-events.csv")
    shifts = []
    by_age = {int(row["age_years"]): row for row in courses}
    for person in cohort["people"]:
        row = by_age[research._age(person["patient"].date_of_birth, person["start"])]
        shift = (date.fromisoformat(row["start_day"]) - person["start"]).days
        assert -research.MAX_SHIFT_DAYS <= shift <= research.MAX_SHIFT_DAYS
        shifts.append(shift)
        real = list(person["plan"].sessions.order_by("number").values_list("day", flat=True))
        mine = sorted(
            (s for s in sessions if s["course_id"] == row["course_id"]),
            key=lambda s: int(s["session_number"]),
        )
        assert len(mine) == len(real)
        for session, day in zip(mine, real, strict=True):
            assert session["patient_id"] == row["patient_id"]
            assert (date.fromisoformat(session["day"]) - day).days == shift
            assert int(session["days_from_start"]) == (day - person["start"]).days
        # The interval between two sessions of the patient is kept.
        assert (date.fromisoformat(mine[-1]["day"]) - date.fromisoformat(mine[0]["day"])) == (
            real[-1] - real[0]
        )
        theirs = [s for s in scores if s["patient_id"] == row["patient_id"]]
        assert {s["source"] for s in theirs} == {"clinic", "patient"}
        diary = next(s for s in theirs if s["source"] == "patient")
        assert (date.fromisoformat(diary["day"]) - person["start"]).days == shift + 2
        assert diary["session_number"] == "" and diary["days_from_start"] == "2"
        event = next(e for e in events if e["patient_id"] == row["patient_id"])
        assert event["day"] == mine[0]["day"] and event["severity"] == "mild"
    # One offset per patient, not one for everybody (4 patients: all equal is 1 in 361^3).
    assert len(set(shifts)) > 1
    # The offsets are never written: the README of another export, made with other
    # offsets, reads the same word for word (it names only the range, -180 to +180 days).
    again = exported(tmp_path / "again")
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert readme == (again / "README.txt").read_text(encoding="utf-8")
    assert all(str(shift) not in readme.split() for shift in shifts if abs(shift) != 180)


@pytest.mark.django_db(transaction=True)
def test_every_stricta_column_and_a_complete_dictionary(
    cohort: dict[str, Any], tmp_path: Path
) -> None:
    out = exported(tmp_path)
    sessions = read_csv(out / "sessions.csv")
    assert set(sessions[0]) >= STRICTA
    first = sessions[0]
    assert set(first["points"].split(";")) == {"bl23:both", "bl40:left"}
    assert first["point_count"] == "2" and first["needles_inserted"] == "3"
    assert first["needle_diameter_mm"] == "0.25" and first["needle_length_mm"] == "40"
    assert first["depth_mm"] == "10-25" and first["response_sought"] == "de_qi"
    assert first["stimulation"] == "electrical" and first["retention_minutes"] == "20"
    assert (first["moxibustion"], first["cupping"], first["tui_na"], first["ear_seeds"]) == (
        "1",
        "0",
        "1",
        "0",
    )
    assert first["needle_type_recorded"] == "1" and first["electrical_settings_recorded"] == "1"
    assert Decimal(first["nrs_before"]) == 6 and Decimal(first["nrs_after"]) == Decimal("3.5")
    dictionary = read_csv(out / "data-dictionary.csv")
    covered = {(row["file"], row["column"]) for row in dictionary}
    for path in out.glob("*.csv"):
        header = next(csv.reader(path.open(encoding="utf-8")))
        for column in header:
            assert (path.name, column) in covered, (path.name, column)
    assert all(row["meaning"] and row["type"] for row in dictionary)
    excluded = " ".join(row["meaning"] for row in dictionary).lower()
    assert "free-text" in excluded and "advice" in excluded
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert "moved by one" in readme and "-180 and +180" in readme


@pytest.mark.django_db(transaction=True)
def test_from_to_select_courses_by_start(cohort: dict[str, Any], tmp_path: Path) -> None:
    today = cohort["today"]
    out = exported(
        tmp_path,
        "--from",
        (today - timedelta(days=35)).isoformat(),
        "--to",
        (today - timedelta(days=15)).isoformat(),
    )
    courses = read_csv(out / "courses.csv")
    assert len(courses) == 2  # the courses that started 30 and 20 days ago
    kept = {row["patient_id"] for row in courses}
    for name in ("sessions.csv", "scores.csv", "adverse-events.csv"):
        rows = read_csv(out / name)
        assert rows and {row["patient_id"] for row in rows} <= kept
    assert len(read_csv(out / "sessions.csv")) == 4
    other = exported(tmp_path / "other", "--clinic", "other")
    assert read_csv(other / "courses.csv") == []
    # Each export is on the audit trail: the whole cohort's, and the one clinic's in its own.
    exports = AuditEvent.objects.filter(action=Action.EXPORT, path__startswith="acuback export")
    assert [e.clinic.slug if e.clinic else None for e in exports.order_by("id")] == [None, "other"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "--from"),
        (["--to", "yesterday"], "--to"),
        (["--from", "2026-1-5"], "--from"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "after --to"),
        (["--clinic", "nowhere"], "--clinic"),
    ],
)
def test_bad_input_exits_2(
    clinics: dict[str, Any], tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(str(tmp_path / "out"), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.django_db(transaction=True)
def test_a_directory_with_files_is_refused(clinics: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    result = run(str(out))
    assert result.exit_code == 2 and "not empty" in result.output
    assert [path.name for path in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(str(empty)).exit_code == 0
    assert (empty / "courses.csv").exists()


@pytest.mark.django_db(transaction=True)
def test_parquet_when_pyarrow_is_there(cohort: dict[str, Any], tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed here")
    out = exported(tmp_path)
    table = pq.read_table(out / "sessions.parquet")
    assert set(table.column_names) >= STRICTA
