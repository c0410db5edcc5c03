"""Outcome decisions against minimal important change (Ostelo 2008; Farrar 2001;
GERAC for partial response; seed 004 for when results are due; CMS for stopping)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from acuback.clinical.base import InputError
from acuback.clinical.outcome import decide, read_series
from acuback.knowledge.loader import knowledge_base

KB = knowledge_base()
START = date(2026, 1, 5)


def series(instrument: str, values: list[float], weeks: float, **extra: Any) -> dict[str, Any]:
    step = weeks / (len(values) - 1)
    return {
        "start": START.isoformat(),
        "scores": {
            instrument: [
                {"date": (START + timedelta(weeks=i * step)).isoformat(), "value": v}
                for i, v in enumerate(values)
            ]
        },
        **extra,
    }


def decision(raw: dict[str, Any]) -> str:
    return decide(read_series(raw, KB), KB).decision


@pytest.mark.parametrize(
    ("instrument", "values", "weeks", "expected"),
    [
        ("nrs", [8, 7, 6], 6, "continue"),  # 2 points: minimal important change reached
        ("nrs", [5, 4, 3.5], 6, "continue"),  # 1.5 points but 30 %
        ("rmdq", [14, 11, 9], 6, "continue"),  # 5 points
        ("odi", [40, 35, 30], 6, "continue"),  # 10 points
        ("nrs", [8, 7.5, 7], 8, "extend"),  # 12.5 % less pain: partial response (GERAC)
        ("nrs", [6, 6, 6], 3, "continue"),  # too early: results are due at 6-8 weeks
        ("nrs", [6, 6, 6], 8, "change"),  # due and absent: change the approach
        ("nrs", [6, 6, 6], 13, "stop"),  # lasting results were due: stop (CMS)
        ("nrs", [4, 5, 6], 4, "stop"),  # worse by 2 points: stop and reassess
        ("rmdq", [10, 12, 15], 4, "stop"),  # worse by 5 points
    ],
)
def test_decision_rule(instrument: str, values: list[float], weeks: float, expected: str) -> None:
    assert decision(series(instrument, values, weeks)) == expected


def test_extension_is_given_once() -> None:
    assert decision(series("nrs", [8, 7.5, 7], 8, extended=True)) == "stop"


def test_measures_report_change_and_threshold_with_sources() -> None:
    result = decide(read_series(series("nrs", [8, 5], 6), KB), KB)
    measure = result.model_dump(mode="json")["measures"][0]
    assert measure["improvement"] == 3
    assert measure["improvement_percent"] == 37.5
    assert measure["responder"] is True
    assert measure["threshold"]["code"] == "mic-nrs"
    assert "ostelo-2008" in measure["threshold"]["sources"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (series("nrs", [8, 11], 4), "scores.nrs[1].value"),
        ({"scores": {"nrs": [{"date": "2026-01-05", "value": 5}]}}, "scores"),
        ({"scores": {"shoe-size": []}}, "scores.shoe-size"),
        ({"scores": {}}, "scores"),
    ],
)
def test_bad_series_names_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        read_series(raw, KB)
    assert caught.value.field == field


def test_a_series_with_dates_that_make_no_sense_is_refused() -> None:
    from acuback.clinical.base import InputError
    from acuback.clinical.outcome import read_series
    from acuback.knowledge.loader import knowledge_base

    kb = knowledge_base()
    nrs = [{"date": "2026-01-05", "value": 7}, {"date": "2026-02-16", "value": 4}]
    today = date(2026, 2, 20)
    with pytest.raises(InputError, match="in the future") as future:
        read_series({"scores": {"nrs": nrs}}, kb, today=date(2026, 2, 1))
    assert future.value.field == "scores.nrs[1].date"
    with pytest.raises(InputError, match="after every score") as late:
        read_series({"start": "2026-03-01", "scores": {"nrs": nrs}}, kb, today=today)
    assert late.value.field == "start"
    with pytest.raises(InputError, match="must be a number"):
        read_series({"scores": {"nrs": [{**nrs[0], "value": "7"}, nrs[1]]}}, kb, today=today)
    assert read_series({"start": "2026-01-12", "scores": {"nrs": nrs}}, kb, today=today)
