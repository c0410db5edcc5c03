"""The engine's CLI contract: JSON on stdout, exit 2 with a message on stderr for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "acuback", *args], capture_output=True, text=True, check=False
    )


def write(tmp_path: Path, data: Any, name: str = "input.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


INTAKE = {
    "age": 52,
    "sex": "male",
    "pain_duration_weeks": 26,
    "conditions": ["chronic-low-back-pain", "sciatica"],
    "devices": ["pacemaker"],
    "physician_clearance": "2026-01-02",  # before any start these tests use
    "startback": {f"startback-{i}": int(i in (1, 2, 5, 6)) for i in range(1, 10)},
}


def test_screen_prints_the_documented_keys(tmp_path: Path) -> None:
    result = run("screen", write(tmp_path, INTAKE))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["triage"]["level"] in {"caution", "proceed"}
    assert isinstance(out["triage"]["reasons"], list)
    assert set(out["contraindications"]) == {"absolute", "relative", "temporary"}
    assert "electroacupuncture" in [m["code"] for m in out["excluded_methods"]]
    assert isinstance(out["excluded_points"], list)
    assert (out["startback"]["total"], out["startback"]["psychosocial"]) == (4, 2)
    assert out["startback"]["risk"] == "medium"


def test_plan_prints_dated_sessions_and_points(tmp_path: Path) -> None:
    start = date.today().isoformat()  # a course starts within a year of today
    result = run("plan", write(tmp_path, INTAKE), "--start", start)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert plan["sessions"][0] == {"number": 1, "date": start, "phase": "initial"}
    assert plan["points"] and all(p["reason"]["sources"] for p in plan["points"])
    assert "electroacupuncture" not in [m["code"] for m in plan["methods"]]


def test_plan_is_withheld_with_the_action_when_triage_forbids(tmp_path: Path) -> None:
    result = run("plan", write(tmp_path, {**INTAKE, "history": ["intoxication"]}))
    out = json.loads(result.stdout)
    assert out["triage"]["level"] == "defer"
    assert out["plan"] is None
    assert out["plan_withheld"]


def test_outcome_prints_the_decision(tmp_path: Path) -> None:
    scores = [{"date": "2026-01-05", "value": 7}, {"date": "2026-02-16", "value": 4}]
    result = run("outcome", write(tmp_path, {"scores": {"nrs": scores}}))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["decision"] == "continue"


def test_bad_input_exits_2_with_a_message_naming_the_field(tmp_path: Path) -> None:
    cases = [
        (
            ["screen", write(tmp_path, {**INTAKE, "conditions": ["backache"]}, "code.json")],
            "conditions[0]",
        ),
        (["screen", write(tmp_path, "{not json", "broken.json")], "not valid JSON"),
        (["screen", str(tmp_path / "missing.json")], "cannot read"),
        (["plan", write(tmp_path, INTAKE, "ok.json"), "--start", "next tuesday"], "--start"),
        (["outcome", write(tmp_path, {"scores": {"nrs": []}}, "series.json")], "scores"),
    ]
    for args, words in cases:
        result = run(*args)
        assert result.returncode == 2, args
        assert result.stdout == ""
        assert words in result.stderr


def test_hostile_or_mistyped_input_exits_2_never_a_traceback(tmp_path: Path) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    big = json.dumps({**INTAKE, "padding": "x" * 1_100_000})
    cases = [
        ({**INTAKE, "age": "40"}, "age: must be a whole number, got '40'"),
        ({**INTAKE, "age": True}, "age: must be a whole number, got True"),
        ('{"age": NaN, "pain_duration_weeks": 3}', "NaN"),
        ('{"age": 40, "pain_duration_weeks": Infinity}', "Infinity"),
        (nested, "nested too deeply"),
        (big, "over the 1 MB"),
        ({**INTAKE, "local_findings": [{"finding": "numb-skin", "region": "thigh",
                                         "side": "middle"}]}, "local_findings.0.side"),
    ]  # fmt: skip
    for index, (data, words) in enumerate(cases):
        result = run("screen", write(tmp_path, data, f"case{index}.json"))
        assert result.returncode == 2, (words, result.stderr[-500:])
        assert words in result.stderr
        assert "Traceback" not in result.stderr


def test_a_course_start_far_away_exits_2(tmp_path: Path) -> None:
    result = run("plan", write(tmp_path, INTAKE), "--start", "9999-12-31")
    assert result.returncode == 2
    assert "--start: 31 Dec 9999 is not within a year of today" in result.stderr


def test_plan_records_sides_and_restrictions(tmp_path: Path) -> None:
    numb = {"finding": "numb-skin", "region": "popliteal", "side": "left"}
    intake = {**INTAKE, "medications": ["anticoagulant"], "local_findings": [numb]}
    result = run("plan", write(tmp_path, intake), "--start", date.today().isoformat())
    out = json.loads(result.stdout)
    sides = {p["code"]: p["side"] for p in out["plan"]["points"]}
    assert sides.get("bl40") == "right"
    assert {"code": "bl40", "side": "left"}.items() <= next(
        p for p in out["plan"]["excluded_points"] if p["code"] == "bl40"
    ).items()
    restriction = next(r for r in out["restricted_methods"] if r["method"] == "manual-acupuncture")
    assert restriction["reason"]["sources"]
