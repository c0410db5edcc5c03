"""Whether the course is working: change from baseline judged against minimal important change.

The decision follows the knowledge base's rules: improvement by the minimal important
change continues the course; a partial response earns one extension (GERAC); no change
is too early to judge before results are due (seed 004, 6-8 weeks), calls for a change of
approach after that, and stops the course once lasting results were due or the extension
is spent; any worsening by the minimal important change stops it (CMS NCD 30.3.3).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from acuback.clinical import codes
from acuback.clinical.base import Input, InputError, IsoDate, Number, Result, spoken, validated
from acuback.clinical.screening import Reason
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import ReviewRule, Threshold

Decision = Literal["continue", "extend", "change", "stop"]
Trend = Literal["improved", "partial", "unchanged", "worse"]
PAIN_INSTRUMENTS = (codes.NRS, codes.PEG)
# GERAC counted 10-50 % less pain as a partial response worth five more sessions.
PARTIAL_RESPONSE = 0.10


class Score(Input):
    date: IsoDate
    value: Number


class Series(Input):
    start: IsoDate | None = Field(default=None, description="First session; else the first score")
    extended: bool = Field(default=False, strict=True, description="An extension was given")
    scores: dict[str, list[Score]] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Series:
        for instrument, scores in self.scores.items():
            days = [s.date for s in scores]
            if days != sorted(days):
                raise ValueError(f"scores of {instrument} must be in date order")
        return self


class ThresholdUsed(Result):
    code: str
    absolute: float
    relative: float
    sources: tuple[str, ...]


class Measure(Result):
    instrument: str
    baseline: float
    latest: float
    improvement: float
    improvement_percent: float
    responder: bool
    trend: Trend
    threshold: ThresholdUsed


class OutcomeDecision(Result):
    version: Literal[2] = 2
    decision: Decision
    weeks_since_start: float
    measures: tuple[Measure, ...]
    reasons: tuple[Reason, ...]


def read_series(raw: Any, kb: KnowledgeBase, today: dt.date | None = None) -> Series:
    """Validate a score series, or raise InputError naming the field."""
    series = validated(Series, raw, "series")
    today = today or dt.date.today()
    thresholds = {t.instrument for t in kb.thresholds.values()}
    for instrument, scores in series.scores.items():
        if instrument not in kb.instruments or instrument not in thresholds:
            known = ", ".join(sorted(thresholds))
            raise InputError(f"scores.{instrument}", f"no minimal important change; use {known}")
        low, high = kb.instruments[instrument].minimum, kb.instruments[instrument].maximum
        for index, score in enumerate(scores):
            if not low <= score.value <= high:
                raise InputError(
                    f"scores.{instrument}[{index}].value",
                    f"must be between {low:g} and {high:g}, got {score.value:g}",
                )
    if not any(len(scores) >= 2 for scores in series.scores.values()):
        raise InputError("scores", "needs a baseline and at least one later score")
    for instrument, scores in series.scores.items():
        for index, score in enumerate(scores):
            if score.date > today:
                raise InputError(
                    f"scores.{instrument}[{index}].date", f"{spoken(score.date)} is in the future"
                )
    latest = max(s.date for scores in series.scores.values() for s in scores)
    if series.start is not None and series.start > latest:
        raise InputError("start", f"{spoken(series.start)} is after every score of the course")
    return series


def review_window(start: dt.date, kb: KnowledgeBase) -> tuple[dt.date, dt.date]:
    """The first and last day of a course's review (weeks 6-8 by the knowledge base).

    Scores before the first day are the course's baseline; the last score inside the
    window is the one the review judges.
    """
    first_week, last_week = kb.rule(codes.REVIEW_RESULTS_DUE, ReviewRule).review_weeks[:2]
    return start + dt.timedelta(weeks=first_week), start + dt.timedelta(weeks=last_week)


def important_change(threshold: Threshold, baseline: float) -> float:
    """The smallest change from this baseline that counts as important.

    Either rule is enough (points, or a share of the baseline), so the smaller decides.
    """
    if not baseline:
        return threshold.absolute
    return min(threshold.absolute, threshold.relative * baseline)


def _measure(instrument: str, scores: list[Score], kb: KnowledgeBase) -> Measure:
    return measure(instrument, scores[0].value, scores[-1].value, kb)


def measure(instrument: str, baseline: float, latest: float, kb: KnowledgeBase) -> Measure:
    """Change from baseline judged against the instrument's minimal important change."""
    threshold = kb.threshold_for(instrument)
    higher_is_worse = kb.instruments[instrument].higher_is_worse
    change = (baseline - latest) if higher_is_worse else (latest - baseline)
    percent = change / baseline if baseline else 0.0
    trend: Trend
    if change >= threshold.absolute or (baseline and percent >= threshold.relative):
        trend = "improved"
    elif -change >= threshold.absolute or (baseline and -percent >= threshold.relative):
        trend = "worse"
    elif instrument in PAIN_INSTRUMENTS and percent >= PARTIAL_RESPONSE:
        trend = "partial"
    else:
        trend = "unchanged"
    return Measure(
        instrument=instrument,
        baseline=baseline,
        latest=latest,
        improvement=round(change, 2),
        improvement_percent=round(percent * 100, 1),
        responder=trend == "improved",
        trend=trend,
        threshold=ThresholdUsed(
            code=threshold.code,
            absolute=threshold.absolute,
            relative=threshold.relative,
            sources=tuple(threshold.sources),
        ),
    )


def course_responded(measures: tuple[Measure, ...] | list[Measure]) -> bool | None:
    """A course responded when a measure improved by the important change and none worsened
    by it, as `decide` weighs them (worse stops the course before better continues it).
    None without a measure to judge by."""
    if not measures:
        return None
    trends = {m.trend for m in measures}
    return "improved" in trends and "worse" not in trends


def _rule(kb: KnowledgeBase, code: str, text: str) -> Reason:
    entry = kb.course_rules[code]
    return Reason(code=entry.code, label=entry.label, text=text, sources=tuple(entry.sources))


def decide(series: Series, kb: KnowledgeBase, today: dt.date | None = None) -> OutcomeDecision:
    measures = tuple(
        _measure(instrument, scores, kb)
        for instrument, scores in series.scores.items()
        if len(scores) >= 2
    )
    first = min(s.date for scores in series.scores.values() for s in scores)
    last = max(s.date for scores in series.scores.values() for s in scores)
    weeks = ((today or last) - (series.start or first)).days / 7
    due = kb.rule(codes.REVIEW_RESULTS_DUE, ReviewRule).review_weeks
    lasting = kb.rule(codes.REVIEW_LASTING_RESULTS, ReviewRule).review_weeks

    def mic(m: Measure) -> Reason:
        t = kb.thresholds[m.threshold.code]
        verb = {
            "improved": "improved",
            "worse": "worsened",
            "partial": "improved a little",
            "unchanged": "not changed",
        }[m.trend]
        text = (
            f"{kb.instruments[m.instrument].label} {m.baseline:g} -> {m.latest:g}: {verb} by "
            f"{m.improvement:g} ({m.improvement_percent:g}%); important change is "
            f"{t.absolute:g} points or {t.relative:.0%}."
        )
        return Reason(code=t.code, label=t.label, text=text, sources=tuple(t.sources))

    reasons = [mic(m) for m in measures]
    trends = {m.trend for m in measures}
    decision: Decision
    if "worse" in trends:
        decision = "stop"
        reasons.append(
            _rule(kb, codes.CAP_CMS_EXTENSION, "Worse than at the start: stop, reassess.")
        )
    elif "improved" in trends:
        decision = "continue"
        if weeks >= lasting[0]:
            reasons.append(
                _rule(
                    kb, codes.MAINTENANCE, "Lasting results reached: consider spacing sessions out."
                )
            )
    elif "partial" in trends and not series.extended:
        decision = "extend"
        reasons.append(
            _rule(
                kb, codes.EXTENSION_GERAC_PARTIAL, "Partial response: one extension is reasonable."
            )
        )
    elif weeks < due[0]:
        decision = "continue"
        reasons.append(
            _rule(
                kb,
                codes.REVIEW_RESULTS_DUE,
                f"Too early to judge: results are due at {due[0]}-{due[1]} weeks.",
            )
        )
    elif weeks < lasting[1] and not series.extended:
        decision = "change"
        reasons.append(
            _rule(
                kb,
                codes.REVIEW_RESULTS_DUE,
                "No important change by the time results are due: "
                "change the approach (points, method or co-interventions) and review again.",
            )
        )
    else:
        decision = "stop"
        reasons.append(
            _rule(
                kb, codes.CAP_CMS_EXTENSION, "Not improving after the course and its review: stop."
            )
        )
    return OutcomeDecision(
        decision=decision,
        weeks_since_start=round(weeks, 1),
        measures=measures,
        reasons=tuple(reasons),
    )
