"""Scoring rules of the outcome and screening instruments.

Only item codes and scoring rules live here; no questionnaire wording is shipped
(see instruments.yaml for the licence notes). Each function validates its input
and raises ScoringError naming the item that is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple, cast

from acuback.clinical.base import InputError


class ScoringError(InputError):
    """Answers that cannot be scored; `field` names the item."""


Risk = Literal["low", "medium", "high"]

STARTBACK_ITEMS = tuple(f"startback-{i}" for i in range(1, 10))
# Items 5-9 form the psychosocial subscale (Hill 2008).
STARTBACK_PSYCHOSOCIAL = STARTBACK_ITEMS[4:]
_STARTBACK_SET = frozenset(STARTBACK_ITEMS)
_PSYCHOSOCIAL_FROM = STARTBACK_ITEMS.index(STARTBACK_PSYCHOSOCIAL[0])


class StartBack(NamedTuple):
    total: int
    psychosocial: int
    risk: Risk


def _binary(answers: Mapping[str, int], item: str) -> int:
    if item not in answers:
        raise ScoringError(item, "answer all nine STarT Back items, or none")
    value = answers[item]
    if isinstance(value, bool) or value not in (0, 1):
        raise ScoringError(item, f"must be 0 (disagree) or 1 (agree), got {value!r}")
    return value


def startback(answers: Mapping[str, int]) -> StartBack:
    """Keele STarT Back: nine items scored 0/1 (item 9 is 1 for 'very much' or 'extremely').

    Low risk if the total is 3 or less; high if the psychosocial subscale is 4 or more;
    otherwise medium.
    """
    given = tuple(map(answers.get, STARTBACK_ITEMS))
    scores: tuple[int, ...]
    # Nine answers, all on the items, each the integer 0 or 1 (True is not an answer),
    # as nearly every intake gives; anything else takes the walk that names the problem.
    if (
        len(answers) == len(STARTBACK_ITEMS)
        and set(map(type, given)) == {int}
        and set(given) <= {0, 1}
    ):
        scores = cast(tuple[int, ...], given)
    else:
        unknown = answers.keys() - _STARTBACK_SET
        if unknown:
            raise ScoringError(sorted(unknown)[0], "not a STarT Back item")
        scores = tuple(_binary(answers, item) for item in STARTBACK_ITEMS)
    total = sum(scores)
    psychosocial = sum(scores[_PSYCHOSOCIAL_FROM:])
    risk: Risk
    if total <= 3:
        risk = "low"
    elif psychosocial >= 4:
        risk = "high"
    else:
        risk = "medium"
    return StartBack(total, psychosocial, risk)


def _in_range(name: str, value: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScoringError(name, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise ScoringError(name, f"must be between {low:g} and {high:g}, got {value:g}")
    return float(value)


def nrs(value: float) -> float:
    """Numeric rating scale of pain, 0 (none) to 10 (worst imaginable)."""
    return _in_range("nrs", value, 0, 10)


def peg(pain: float, enjoyment: float, activity: float) -> float:
    """PEG: the mean of three 0-10 ratings (Krebs 2009), rounded to one decimal."""
    values = [
        _in_range("peg-1", pain, 0, 10),
        _in_range("peg-2", enjoyment, 0, 10),
        _in_range("peg-3", activity, 0, 10),
    ]
    return round(sum(values) / 3, 1)


def rmdq(endorsed: Sequence[int], items: int = 24) -> int:
    """Roland-Morris: one point per endorsed statement (numbers 1..items)."""
    if items not in (23, 24):
        raise ScoringError("rmdq", "the questionnaire has 24 items (23 in the Cherkin version)")
    seen: set[int] = set()
    for number in endorsed:
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= items:
            raise ScoringError("rmdq", f"item numbers run from 1 to {items}, got {number!r}")
        if number in seen:
            raise ScoringError(f"rmdq-{number}", "endorsed twice")
        seen.add(number)
    return len(seen)


def odi(sections: Mapping[str, int | None]) -> float:
    """Oswestry Disability Index v2.1a as a percentage.

    Ten sections scored 0-5; unanswered sections (None) leave the denominator,
    and more than one missing section makes the score missing (AO rule).
    """
    names = [f"odi-{i}" for i in range(1, 11)]
    unknown = set(sections) - set(names)
    if unknown:
        raise ScoringError(sorted(unknown)[0], "not an ODI section")
    answered = {}
    for name in names:
        value = sections.get(name)
        if value is not None:
            answered[name] = _in_range(name, value, 0, 5)
    if len(answered) < len(names) - 1:
        missing = len(names) - len(answered)
        raise ScoringError("odi", f"{missing} sections unanswered; at most one may be missing")
    return round(sum(answered.values()) / (5 * len(answered)) * 100, 1)
