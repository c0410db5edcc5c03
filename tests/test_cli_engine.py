"""The engine's CLI contract: JSON on stdout, exit 2 with a message on stderr for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
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
    "physician_clearance": "2026-01-02",
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
    result = run("plan", write(tmp_path, INTAKE), "--start", "2026-02-02")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert plan["sessions"][0] == {"number": 1, "date": "2026-02-02", "phase": "initial"}
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
