"""The pure check-in rule: beyond mild always alerts; a worse answer never lowers severity."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from acuback.clinical.check_in import (
    CLINIC_TOLD,
    MILD_ADVICE,
    NOTHING_ADVICE,
    URGENT,
    Answers,
    Severity,
    read_answers,
)
from acuback.knowledge.loader import knowledge_base

# Each question's answers from best to worst.
LADDERS: dict[str, tuple[str, ...]] = {
    "soreness": ("none", "mild", "a_lot"),
    "bruising": ("none", "small", "large"),
    "dizziness": ("no", "yes"),
    "pain": ("no", "a_little", "much_worse"),
    "warning_signs": ("no", "yes"),
}
NONE = {q: ladder[0] for q, ladder in LADDERS.items()}

ranks = st.fixed_dictionaries({q: st.integers(0, len(ladder) - 1) for q, ladder in LADDERS.items()})
notes = st.sampled_from(["", "   ", "I slept badly.", "x" * 2000])


def answers(rank: dict[str, int], note: str = "") -> Answers:
    return Answers(**{q: LADDERS[q][i] for q, i in rank.items()}, note=note)


@given(rank=ranks, note=notes)
def test_anything_beyond_mild_alerts_and_the_advice_says_the_clinic_was_told(
    rank: dict[str, int], note: str
) -> None:
    reading = read_answers(answers(rank, note))
    assert reading.severity == max((e.severity for e in reading.effects), default=Severity.NONE)
    if reading.severity > Severity.MILD:
        assert reading.alert
        assert CLINIC_TOLD in reading.advice
    else:
        assert reading.alert == bool(note.strip())
        assert CLINIC_TOLD not in reading.advice
    assert (URGENT in reading.advice) == (rank["warning_signs"] == 1) == reading.urgent
    # Every reported effect is one row; "none" and "no" are no effect.
    assert len(reading.effects) == sum(1 for i in rank.values() if i > 0)


@given(rank=ranks, question=st.sampled_from(sorted(LADDERS)), note=notes)
def test_severity_never_goes_down_as_an_answer_gets_worse(
    rank: dict[str, int], question: str, note: str
) -> None:
    before = read_answers(answers(rank, note))
    worse = {**rank, question: min(rank[question] + 1, len(LADDERS[question]) - 1)}
    after = read_answers(answers(worse, note))
    assert after.severity >= before.severity
    assert after.alert >= before.alert
    assert len(after.effects) >= len(before.effects)


@pytest.mark.parametrize(
    ("override", "severity"),
    [
        ({}, Severity.NONE),
        ({"soreness": "mild"}, Severity.MILD),
        ({"bruising": "small", "pain": "a_little"}, Severity.MILD),
        ({"soreness": "a_lot"}, Severity.MODERATE),
        ({"bruising": "large"}, Severity.MODERATE),
        ({"dizziness": "yes"}, Severity.MODERATE),
        ({"pain": "much_worse"}, Severity.MODERATE),
        ({"warning_signs": "yes"}, Severity.SERIOUS),
        ({"soreness": "mild", "warning_signs": "yes"}, Severity.SERIOUS),
    ],
)
def test_each_answer_is_graded(override: dict[str, str], severity: Severity) -> None:
    reading = read_answers(Answers(**{**NONE, **override}))
    assert reading.severity == severity


def test_what_the_patient_is_told() -> None:
    assert read_answers(Answers(**NONE)).advice[0] == NOTHING_ADVICE
    assert read_answers(Answers(**{**NONE, "soreness": "mild"})).advice[0] == MILD_ADVICE
    assert "within a day" in MILD_ADVICE.text
    serious = read_answers(Answers(**{**NONE, "warning_signs": "yes"}))
    assert serious.advice[0] == URGENT  # urgent care comes first
    dizzy = read_answers(Answers(**{**NONE, "dizziness": "yes"}))
    assert any("sit or lie down" in s.text for s in dizzy.advice)


def test_every_statement_cites_a_known_source() -> None:
    kb = knowledge_base()
    known = set(kb.seeds) | set(kb.literature)
    rank = {q: len(ladder) - 1 for q, ladder in LADDERS.items()}
    statements = {
        s for r in (answers(rank, "a note"), Answers(**NONE)) for s in read_answers(r).advice
    }
    statements |= {MILD_ADVICE, NOTHING_ADVICE}
    for statement in statements:
        assert statement.sources and set(statement.sources) <= known, statement


@pytest.mark.parametrize(
    "bad",
    [
        {"soreness": "terrible"},
        {"pain": None},
        {"note": "x" * 2001},
        {"extra": "no"},
    ],
)
def test_answers_are_strict(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Answers(**{**NONE, **bad})


def test_a_note_describing_a_warning_sign_is_urgent_whatever_was_ticked() -> None:
    from acuback.clinical.check_in import Answers, Severity, read_answers
    from acuback.knowledge.loader import knowledge_base

    note = "Since yesterday I have numbness around my bottom and can't control my bladder."
    quiet = Answers(soreness="none", bruising="none", dizziness="no", pain="no",
                    warning_signs="no", note=note)  # fmt: skip
    reading = read_answers(quiet, knowledge_base())
    assert reading.urgent and reading.severity == Severity.SERIOUS and reading.alert
    assert reading.advice[0].text.startswith("New numbness")
    assert any(e.question == "note" for e in reading.effects)
    # Without a warning sign the note is only read, and nothing is raised.
    calm = read_answers(quiet.model_copy(update={"note": "Felt relaxed."}), knowledge_base())
    assert calm.severity == Severity.NONE and not calm.urgent and calm.needs_reading
