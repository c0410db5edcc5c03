"""`acuback ask`: the CLI contract of issue 11 (JSON shape, text, exit 2 on bad input).

Source: the contract in the issue, as documented for the README; run through a
subprocess like tests/test_cli_engine.py.
"""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "acuback", "ask", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_json_has_exactly_the_documented_keys() -> None:
    result = run("how many sessions will I need?", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"answered", "answers", "urgent"}
    assert out["answered"] is True and out["urgent"] is None
    assert 1 <= len(out["answers"]) <= 5
    first = out["answers"][0]
    assert set(first) == {"topic", "title", "score", "sources"}
    assert first["topic"] == "how-many-sessions"
    assert first["title"] == "How many sessions will I need?"
    assert isinstance(first["score"], float) and first["sources"]
    scores = [a["score"] for a in out["answers"]]
    assert scores == sorted(scores, reverse=True)


def test_json_red_flag_gives_the_action_and_reasons() -> None:
    out = json.loads(run("I have gone numb around my bottom, does it hurt?", "--json").stdout)
    assert set(out["urgent"]) == {"action", "reasons"}
    assert "call emergency services" in out["urgent"]["action"]
    assert out["urgent"]["reasons"] == ["Numbness in the saddle area"]


def test_json_off_topic_is_not_answered() -> None:
    out = json.loads(run("how do I bake bread", "--json").stdout)
    assert out == {"answered": False, "answers": [], "urgent": None}


def test_text_puts_the_urgent_advice_first_then_answers_with_sources() -> None:
    result = run("I have a fever, does acupuncture hurt?")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("URGENT: Please see a doctor today")
    assert "1. Does acupuncture hurt?" in result.stdout
    assert "Sources: " in result.stdout
    assert "no answer" in run("what is the capital of France").stdout


def test_empty_or_over_long_questions_exit_2_with_a_message() -> None:
    for question in ["", "   ", "x" * 1001]:
        result = run(question, "--json")
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr.startswith("acuback: question: ")
        assert "Traceback" not in result.stderr
