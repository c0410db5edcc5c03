"""Instrument scoring rules (clinical-facts.md section 3)."""

from __future__ import annotations

import pytest

from acuback.clinical import scoring


def answers(*agreed: int) -> dict[str, int]:
    return {f"startback-{i}": int(i in agreed) for i in range(1, 10)}


@pytest.mark.parametrize(
    ("agreed", "expected"),
    [
        ((), (0, 0, "low")),
        ((1, 2, 5), (3, 1, "low")),  # total 3 is still low, whatever the subscale
        ((5, 6, 7), (3, 3, "low")),
        ((1, 2, 3, 5), (4, 1, "medium")),
        ((1, 5, 6, 7), (4, 3, "medium")),  # subscale 3 is not high
        ((5, 6, 7, 8), (4, 4, "high")),  # Hill 2008: subscale >= 4 is high
        (tuple(range(1, 10)), (9, 5, "high")),
    ],
)
def test_startback_total_subscale_and_risk(
    agreed: tuple[int, ...], expected: tuple[int, int, str]
) -> None:
    result = scoring.startback(answers(*agreed))
    assert (result.total, result.psychosocial, result.risk) == expected


def test_startback_rejects_missing_and_out_of_range_items() -> None:
    incomplete = answers(1)
    del incomplete["startback-9"]
    with pytest.raises(scoring.ScoringError, match="startback-9: answer all nine"):
        scoring.startback(incomplete)
    with pytest.raises(scoring.ScoringError, match="startback-3: must be 0"):
        scoring.startback({**answers(), "startback-3": 2})


def test_odi_allows_one_missing_section_and_no_more() -> None:
    sections: dict[str, int | None] = {f"odi-{i}": 2 for i in range(1, 11)}
    assert scoring.odi(sections) == 40.0
    sections["odi-8"] = None  # e.g. the sex-life section left blank: denominator 45
    sections["odi-1"] = 5
    assert scoring.odi(sections) == round((5 + 2 * 8) / 45 * 100, 1)
    sections["odi-2"] = None
    with pytest.raises(scoring.ScoringError, match="2 sections unanswered"):
        scoring.odi(sections)


def test_peg_is_the_mean_of_three_and_rmdq_counts_endorsements() -> None:
    assert scoring.peg(6, 5, 4) == 5.0
    with pytest.raises(scoring.ScoringError, match="peg-2: must be between 0 and 10"):
        scoring.peg(6, 11, 4)
    assert scoring.rmdq([1, 4, 24]) == 3
    with pytest.raises(scoring.ScoringError, match="rmdq-4: endorsed twice"):
        scoring.rmdq([4, 4])
    with pytest.raises(scoring.ScoringError, match="from 1 to 23"):
        scoring.rmdq([24], items=23)
