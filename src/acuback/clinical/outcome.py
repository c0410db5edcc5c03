"""Whether the course is working: change from baseline judged against minimal important change.

The decision follows the knowledge base's rules: improvement by the minimal important
change continues the course; a partial response earns one extension (GERAC); no change
is too early to judge before results are due (seed 004, 6-8 weeks), calls for a change of
approach after that, and stops the course once lasting results were due or the extension
is spent; any worsening by the minimal important change stops it (CMS NCD 30.3.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuback.clinical import codes
from acuback.clinical.intake import IntakeError, validated
from acuback.clinical.screening import Reason
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import Threshold

Decision = Literal["continue", "extend", "change", "stop"]
Trend = Literal["improved", "partial", "unchanged", "worse"]
PAIN_INSTRUMENTS = (codes.NRS, codes.PEG)
# GERAC counted 10-50 % less pain as a partial response worth five more sessions.
PARTIAL_RESPONSE = 0.10


class Score(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    value: float


class Series(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date | None = Field(default=None, description="First session; else the first score")
    extended: bool = Field(default=False, description="Whether an extension was already given")
    scores: dict[str, list[Score]] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Series:
        for instrument, scores in self.scores.items():
            days = [s.date for s in scores]
            if days != sorted(days):
                raise ValueError(f"scores of {instrument} must be in date order")
        return self


@dataclass(frozen=True)
class Measure:
    instrument: str
    baseline: float
    latest: float
    change: float
    percent: float
    trend: Trend
    threshold: Threshold

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "baseline": self.baseline,
            "latest": self.latest,
            "improvement": round(self.change, 2),
            "improvement_percent": round(self.percent * 100, 1),
            "responder": self.trend == "improved",
            "trend": self.trend,
            "threshold": {
                "code": self.threshold.code,
                "absolute": self.threshold.absolute,
                "relative": self.threshold.relative,
                "sources": list(self.threshold.sources),
            },
        }


@dataclass(frozen=True)
class OutcomeDecision:
    decision: Decision
    weeks: float
    measures: tuple[Measure, ...]
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "weeks_since_start": round(self.weeks, 1),
            "measures": [m.to_json() for m in self.measures],
            "reasons": [r.to_json() for r in self.reasons],
        }


def read_series(raw: Any, kb: KnowledgeBase) -> Series:
    series = validated(Series, raw, "series")
    thresholds = {t.instrument for t in kb.thresholds.values()}
    for instrument, scores in series.scores.items():
        if instrument not in kb.instruments or instrument not in thresholds:
            known = ", ".join(sorted(thresholds))
            raise IntakeError(f"scores.{instrument}", f"no minimal important change; use {known}")
        low, high = kb.instruments[instrument].minimum, kb.instruments[instrument].maximum
        for index, score in enumerate(scores):
            if not low <= score.value <= high:
                raise IntakeError(
                    f"scores.{instrument}[{index}].value",
                    f"must be between {low:g} and {high:g}, got {score.value:g}",
                )
    if not any(len(scores) >= 2 for scores in series.scores.values()):
        raise IntakeError("scores", "needs a baseline and at least one later score")
    return series


def threshold_for(kb: KnowledgeBase, instrument: str) -> Threshold:
    return next(t for t in kb.thresholds.values() if t.instrument == instrument)


def important_change(threshold: Threshold, baseline: float) -> float:
    """The smallest change from this baseline that counts as important.

    Either rule is enough (points, or a share of the baseline), so the smaller decides.
    """
    if not baseline:
        return threshold.absolute
    return min(threshold.absolute, threshold.relative * baseline)


def _measure(instrument: str, scores: list[Score], kb: KnowledgeBase) -> Measure:
    threshold = threshold_for(kb, instrument)
    higher_is_worse = kb.instruments[instrument].higher_is_worse
    baseline, latest = scores[0].value, scores[-1].value
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
    return Measure(instrument, baseline, latest, change, percent, trend, threshold)


def _rule(kb: KnowledgeBase, code: str, text: str) -> Reason:
    entry = kb.course_rules[code]
    return Reason(entry.code, entry.label, text, tuple(entry.sources))


def decide(series: Series, kb: KnowledgeBase, today: date | None = None) -> OutcomeDecision:
    measures = tuple(
        _measure(instrument, scores, kb)
        for instrument, scores in series.scores.items()
        if len(scores) >= 2
    )
    first = min(s.date for scores in series.scores.values() for s in scores)
    last = max(s.date for scores in series.scores.values() for s in scores)
    weeks = ((today or last) - (series.start or first)).days / 7
    due = kb.course_rules[codes.REVIEW_RESULTS_DUE].review_weeks or (6, 8)
    lasting = kb.course_rules[codes.REVIEW_LASTING_RESULTS].review_weeks or (10, 12)

    def mic(m: Measure) -> Reason:
        t = m.threshold
        verb = {
            "improved": "improved",
            "worse": "worsened",
            "partial": "improved a little",
            "unchanged": "not changed",
        }[m.trend]
        text = (
            f"{m.instrument.upper()} {m.baseline:g} -> {m.latest:g}: {verb} by {m.change:g} "
            f"({m.percent:.0%}); important change is {t.absolute:g} points or {t.relative:.0%}."
        )
        return Reason(t.code, t.label, text, tuple(t.sources))

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
    return OutcomeDecision(decision, weeks, measures, tuple(reasons))
