"""The clinic outcomes report: counted by the database, judged by the engine's own rules.

Three queries whatever the clinic's size: one row per course started in the period with its
sessions, its baseline and review scores and the day of its first session beyond each visit
limit (all as subqueries), one for the courses finished in the period, and one for sessions
and their adverse events by severity. The engine then judges each course from those values
(`acuback.clinical.outcome.measure`), so a responder here is the responder of the patient page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from statistics import median
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from acuback.clinical import codes
from acuback.clinical.base import spoken
from acuback.clinical.outcome import Measure, course_responded, measure
from acuback.knowledge.loader import knowledge_base
from acuback.knowledge.schema import BlockRule, CapRule, ReviewRule
from acuback.web.care.models import (
    PlanRecord,
    ScoreRecord,
    ScoreSource,
    SessionRecord,
    Severity,
)
from acuback.web.clinics.models import Clinic

# A report over more than a few years is not what a clinic lead reads; it is an export.
LONGEST_PERIOD_DAYS = 5 * 366
NOT_RECORDED = "Not recorded"


class PeriodNotValid(Exception):
    """The dates asked for do not make a period."""


@dataclass(frozen=True)
class Responders:
    label: str
    judged: int  # courses with a baseline and a score at the review
    responded: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.responded / self.judged, 1) if self.judged else None


@dataclass(frozen=True)
class AdverseRate:
    label: str
    events: int
    per_thousand: float | None


@dataclass(frozen=True)
class CapUse:
    label: str
    limit: int
    window_days: int
    over: int  # courses that charted more visits in the window than the limit


@dataclass(frozen=True)
class OutcomeReport:
    clinic: Clinic
    start: dt.date
    end: dt.date
    review_weeks: tuple[int, int]
    started: int
    finished: int
    by_instrument: list[Responders]
    by_condition: list[Responders]
    by_risk: list[Responders]
    by_practitioner: list[Responders]
    sessions: int
    adverse: list[AdverseRate]
    visits_mean: float | None
    visits_median: float | None
    visits_most: int | None
    caps: list[CapUse]

    @property
    def period(self) -> str:
        return f"{spoken(self.start)} to {spoken(self.end)}"


def check_period(start: dt.date, end: dt.date, today: dt.date) -> None:
    if end < start:
        raise PeriodNotValid(f"The period ends ({spoken(end)}) before it starts ({spoken(start)}).")
    if start > today:
        raise PeriodNotValid(f"The period starts after today ({spoken(start)}).")
    if (end - start).days > LONGEST_PERIOD_DAYS:
        raise PeriodNotValid("The period is longer than five years.")


def _instruments() -> list[str]:
    kb = knowledge_base()
    return [t.instrument for t in kb.thresholds.values()]


def _caps() -> list[CapRule]:
    return [c for c in knowledge_base().course_rules.values() if isinstance(c, CapRule)]


def _course_rows(clinic: Clinic, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    closed = SessionRecord.objects.filter(plan=OuterRef("pk"), closed__isnull=False)
    annotations: dict[str, Any] = {
        "visits": Coalesce(
            Subquery(
                closed.order_by().values("plan").annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    }
    for instrument in _instruments():
        scores = ScoreRecord.objects.filter(
            patient=OuterRef("patient"), source=ScoreSource.CLINIC, instrument=instrument
        )
        # The course's first score (from its intake or start, as the patient page judges
        # it), before the review window; and the last score inside the window. The dates
        # are the plan's own columns, so each lookup is a range of one index.
        annotations[f"baseline_{instrument}"] = Subquery(
            scores.filter(day__gte=OuterRef("began"), day__lt=OuterRef("review_opens"))
            .order_by("day", "id")
            .values("value")[:1]
        )
        annotations[f"review_{instrument}"] = Subquery(
            scores.filter(day__gte=OuterRef("review_opens"), day__lte=OuterRef("review_closes"))
            .order_by("-day", "-id")
            .values("value")[:1]
        )
    for cap in _caps():
        # The day of the first visit beyond the limit: over the limit if it falls inside the window.
        annotations[f"beyond_{cap.code}"] = Subquery(
            closed.order_by("day", "number").values("day")[cap.max_sessions : cap.max_sessions + 1]
        )
    return list(
        PlanRecord.objects.filter(clinic=clinic, start__gte=start, start__lte=end)
        .annotate(**annotations)
        .values(
            "pk",
            "start",
            "condition",
            "startback_risk",
            "visits",
            "created_by__username",
            "created_by__first_name",
            "created_by__last_name",
            *[k for k in annotations if k.startswith(("baseline_", "review_", "beyond_"))],
        )
        .order_by("pk")
    )


def _finished(clinic: Clinic, start: dt.date, end: dt.date) -> int:
    """Courses whose last charted session fell in the period and completed the block."""
    kb = knowledge_base()
    closed = SessionRecord.objects.filter(plan=OuterRef("pk"), closed__isnull=False)
    rows = (
        # A course that finished in the period started before its end.
        PlanRecord.objects.filter(clinic=clinic, start__lte=end)
        .annotate(
            last=Subquery(closed.order_by("-day", "-number").values("day")[:1]),
            visits=Subquery(
                closed.order_by().values("plan").annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
            block=KT("course_json__schedule__code"),
        )
        .filter(last__gte=start, last__lte=end)
        .values_list("visits", "block")
    )
    planned = {
        code: rule.max_sessions
        for code, rule in kb.course_rules.items()
        if isinstance(rule, BlockRule)
    }
    return sum(1 for visits, block in rows if block in planned and visits >= planned[block])


def _adverse(clinic: Clinic, start: dt.date, end: dt.date) -> tuple[int, list[AdverseRate]]:
    counted = SessionRecord.objects.filter(
        clinic=clinic, closed__isnull=False, day__gte=start, day__lte=end
    ).aggregate(
        sessions=Count("id", distinct=True),
        **{
            severity.value: Count(
                "adverse_events",
                filter=Q(adverse_events__severity=severity.value),
                distinct=True,
            )
            for severity in Severity
        },
    )
    sessions = counted["sessions"]
    return sessions, [
        AdverseRate(
            label=str(severity.label),
            events=counted[severity.value],
            per_thousand=round(1000 * counted[severity.value] / sessions, 1) if sessions else None,
        )
        for severity in Severity
    ]


def _practitioner(row: dict[str, Any]) -> str:
    name = f"{row['created_by__first_name']} {row['created_by__last_name']}".strip()
    return name or row["created_by__username"]


def outcomes(clinic: Clinic, start: dt.date, end: dt.date, today: dt.date) -> OutcomeReport:
    """The report for one clinic and period; PeriodNotValid for dates that make none."""
    check_period(start, end, today)
    kb = knowledge_base()
    review = kb.rule(codes.REVIEW_RESULTS_DUE, ReviewRule).review_weeks
    rows = _course_rows(clinic, start, end)

    per_instrument: dict[str, list[bool]] = defaultdict(list)
    groups: dict[str, dict[str, list[bool]]] = {
        "condition": defaultdict(list),
        "risk": defaultdict(list),
        "practitioner": defaultdict(list),
    }
    # Scores are a few whole numbers, so the same pair comes back thousands of times in a
    # large clinic: each is judged by the engine once.
    judgements: dict[tuple[str, float, float], Measure] = {}
    for row in rows:
        measures: list[Measure] = []
        for instrument in _instruments():
            baseline, latest = row[f"baseline_{instrument}"], row[f"review_{instrument}"]
            if baseline is None or latest is None:
                continue
            key = (instrument, float(baseline), float(latest))
            if key not in judgements:
                judgements[key] = measure(*key, kb)
            judged = judgements[key]
            measures.append(judged)
            per_instrument[instrument].append(judged.responder)
        responded = course_responded(measures)
        if responded is None:
            continue
        condition = kb.conditions.get(row["condition"] or "")
        groups["condition"][condition.label if condition else NOT_RECORDED].append(responded)
        risk = row["startback_risk"]
        groups["risk"][f"{risk.capitalize()} risk" if risk else NOT_RECORDED].append(responded)
        groups["practitioner"][_practitioner(row)].append(responded)

    def table(found: dict[str, list[bool]]) -> list[Responders]:
        return [
            Responders(label=label, judged=len(flags), responded=sum(flags))
            for label, flags in sorted(found.items(), key=lambda item: item[0])
        ]

    risk_order = {f"{r.capitalize()} risk": i for i, r in enumerate(("low", "medium", "high"))}
    visits = [row["visits"] for row in rows]
    sessions, adverse = _adverse(clinic, start, end)
    return OutcomeReport(
        clinic=clinic,
        start=start,
        end=end,
        review_weeks=(review[0], review[1]),
        started=len(rows),
        finished=_finished(clinic, start, end),
        by_instrument=[
            Responders(
                label=kb.instruments[i].label,
                judged=len(per_instrument[i]),
                responded=sum(per_instrument[i]),
            )
            for i in _instruments()
        ],
        by_condition=table(groups["condition"]),
        by_risk=sorted(table(groups["risk"]), key=lambda r: risk_order.get(r.label, 9)),
        by_practitioner=table(groups["practitioner"]),
        sessions=sessions,
        adverse=adverse,
        visits_mean=round(sum(visits) / len(visits), 1) if visits else None,
        visits_median=median(visits) if visits else None,
        visits_most=max(visits) if visits else None,
        caps=[
            CapUse(
                label=cap.label,
                limit=cap.max_sessions,
                window_days=cap.window_days,
                over=sum(
                    1
                    for row in rows
                    if row[f"beyond_{cap.code}"] is not None
                    and row[f"beyond_{cap.code}"] < row["start"] + timedelta(days=cap.window_days)
                ),
            )
            for cap in _caps()
        ],
    )


def csv_rows(report: OutcomeReport) -> list[list[str]]:
    """The report as rows of section, group, figure and value, for a spreadsheet."""

    def number(value: float | int | None) -> str:
        return "" if value is None else f"{value:g}"

    rows = [
        ["Section", "Group", "Figure", "Value"],
        ["Period", "", "From", report.start.isoformat()],
        ["Period", "", "To", report.end.isoformat()],
        ["Courses", "", "Started", str(report.started)],
        ["Courses", "", "Finished", str(report.finished)],
    ]
    for section, table in (
        ("Responders by instrument", report.by_instrument),
        ("Responders by condition", report.by_condition),
        ("Responders by STarT Back risk", report.by_risk),
        ("Responders by practitioner", report.by_practitioner),
    ):
        for r in table:
            rows += [
                [section, r.label, "Courses judged", str(r.judged)],
                [section, r.label, "Responders", str(r.responded)],
                [section, r.label, "Responders (%)", number(r.percent)],
            ]
    rows.append(["Adverse events", "", "Sessions", str(report.sessions)])
    for a in report.adverse:
        rows += [
            ["Adverse events", a.label, "Events", str(a.events)],
            ["Adverse events", a.label, "Per 1,000 sessions", number(a.per_thousand)],
        ]
    rows += [
        ["Visits per course", "", "Mean", number(report.visits_mean)],
        ["Visits per course", "", "Median", number(report.visits_median)],
        ["Visits per course", "", "Most", number(report.visits_most)],
    ]
    for cap in report.caps:
        rows.append(["Visit limits", cap.label, "Courses over the limit", str(cap.over)])
    return rows
