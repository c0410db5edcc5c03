"""The clinic outcomes report: counted by the database, judged by the engine's own rules.

Each course is judged when it is written (`refresh_outcomes`, from the signals in apps.py):
its visits, its baseline and review scores and the day of its first visit beyond each limit
are read in one query of subqueries, and the engine judges it
(`acuback.clinical.outcome.measure`), so a responder here is the responder of the patient
page. The report then counts those judgements with a few grouped queries, whatever the
clinic's size; courses never judged, or judged by other rules, are judged first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Concat

from acuback.clinical import codes
from acuback.clinical.base import spoken
from acuback.clinical.outcome import Measure, course_responded, measure
from acuback.knowledge.loader import KnowledgeBase, knowledge_base
from acuback.knowledge.schema import BlockRule, CapRule, ReviewRule
from acuback.web.care.models import (
    AdverseEvent,
    PlanRecord,
    ScoreRecord,
    ScoreSource,
    SessionRecord,
    Severity,
)
from acuback.web.clinics.models import Clinic
from acuback.web.reports.models import CourseOutcome

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


# Bumped when the way a course is judged below changes, so stored judgements are redone.
JUDGED_BY = 1


@cache
def rules_fingerprint() -> str:
    """The knowledge base's rules a course is judged by, in a few letters."""
    kb = knowledge_base()
    rules = {
        "judged_by": JUDGED_BY,
        "thresholds": [t.model_dump(mode="json") for t in kb.thresholds.values()],
        "worse": {code: i.higher_is_worse for code, i in kb.instruments.items()},
        "rules": [r.model_dump(mode="json") for r in kb.course_rules.values()],
    }
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16]


def _course_rows(plans: QuerySet[PlanRecord]) -> list[dict[str, Any]]:
    """Each course's visits, last visit, block, baseline and review score per instrument
    and the day of its first visit beyond each limit, all as subqueries of one query."""
    closed = SessionRecord.objects.filter(plan=OuterRef("pk"), closed__isnull=False)
    annotations: dict[str, Any] = {
        "visits": Coalesce(
            Subquery(
                closed.order_by().values("plan").annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        "last_visit": Subquery(closed.order_by("-day", "-number").values("day")[:1]),
        "block": KT("course_json__schedule__code"),
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
        plans.annotate(**annotations).values(
            "pk",
            "clinic_id",
            "start",
            "condition",
            "startback_risk",
            "created_by_id",
            *annotations,
        )
    )


def _judged(row: dict[str, Any], fingerprint: str, kb: KnowledgeBase) -> CourseOutcome:
    measures: list[Measure] = []
    responders: dict[str, bool] = {}
    for instrument in _instruments():
        baseline, latest = row[f"baseline_{instrument}"], row[f"review_{instrument}"]
        if baseline is None or latest is None:
            continue
        judged = _measure(instrument, float(baseline), float(latest))
        measures.append(judged)
        responders[instrument] = judged.responder
    planned = {
        code: rule.max_sessions
        for code, rule in kb.course_rules.items()
        if isinstance(rule, BlockRule)
    }
    return CourseOutcome(
        plan_id=row["pk"],
        clinic_id=row["clinic_id"],
        start=row["start"],
        condition=row["condition"],
        startback_risk=row["startback_risk"],
        practitioner_id=row["created_by_id"],
        visits=row["visits"],
        last_visit=row["last_visit"],
        completed_block=row["block"] in planned and row["visits"] >= planned[row["block"]],
        responded=course_responded(measures),
        responders=responders,
        over_limits={
            cap.code: True
            for cap in _caps()
            if (beyond := row[f"beyond_{cap.code}"]) is not None
            and beyond < row["start"] + timedelta(days=cap.window_days)
        },
        rules=fingerprint,
    )


@cache
def _measure(instrument: str, baseline: float, latest: float) -> Measure:
    # Scores are a few whole numbers, so the same pair comes back thousands of times in a
    # large clinic: each is judged by the engine once.
    return measure(instrument, baseline, latest, knowledge_base())


# Courses judged per query: the plans' ids go into one IN list.
REFRESH_BATCH = 500


def refresh_outcomes(plan_ids: Iterable[int]) -> int:
    """Judge these courses again from their sessions and scores and store what the report
    reads of them. Called whenever a plan, a session or a clinic score is written."""
    kb = knowledge_base()
    fingerprint = rules_fingerprint()
    ids = sorted(set(plan_ids))
    fields = [f.name for f in CourseOutcome._meta.concrete_fields if not f.primary_key]
    for first in range(0, len(ids), REFRESH_BATCH):
        rows = _course_rows(PlanRecord.objects.filter(pk__in=ids[first : first + REFRESH_BATCH]))
        CourseOutcome.objects.bulk_create(
            [_judged(row, fingerprint, kb) for row in rows],
            update_conflicts=True,
            unique_fields=["plan"],
            update_fields=fields,
        )
    return len(ids)


def refresh_stale(clinic: Clinic) -> int:
    """Judge the clinic's courses that were never judged, or judged by other rules (after
    an upgrade of acuback or of its knowledge base): one query when there are none."""
    stale = PlanRecord.objects.filter(clinic=clinic).exclude(outcome__rules=rules_fingerprint())
    return refresh_outcomes(stale.values_list("pk", flat=True))


def _adverse(clinic: Clinic, start: dt.date, end: dt.date) -> tuple[int, list[AdverseRate]]:
    sessions = SessionRecord.objects.filter(
        clinic=clinic, closed__isnull=False, day__gte=start, day__lte=end
    ).count()
    events = dict(
        # From the clinic's events to their sessions: a few thousand rows, not every session.
        AdverseEvent.objects.filter(
            clinic=clinic,
            session__closed__isnull=False,
            session__day__gte=start,
            session__day__lte=end,
        )
        .values("severity")
        .annotate(n=Count("pk"))
        .values_list("severity", "n")
    )
    return sessions, [
        AdverseRate(
            label=str(severity.label),
            events=events.get(severity.value, 0),
            per_thousand=(
                round(1000 * events.get(severity.value, 0) / sessions, 1) if sessions else None
            ),
        )
        for severity in Severity
    ]


def _groups(courses: QuerySet[CourseOutcome]) -> list[tuple[str, str, str, str, int, int]]:
    """Courses judged and responders for each condition, risk and practitioner together,
    counted by the database: a few hundred rows at most, summed by one column at a time."""
    return list(
        courses.filter(responded__isnull=False)
        .values("condition", "startback_risk", "practitioner")
        .annotate(
            name=Concat("practitioner__first_name", Value(" "), "practitioner__last_name"),
            courses_judged=Count("pk"),
            courses_responded=Count("pk", filter=Q(responded=True)),
        )
        .values_list(
            "condition",
            "startback_risk",
            "practitioner__username",
            "name",
            "courses_judged",
            "courses_responded",
        )
        .order_by()
    )


def _visits(courses: QuerySet[CourseOutcome]) -> tuple[float | None, float | None, int | None]:
    """Mean, median and most visits per course, from the database's count of each number."""
    counted = sorted(
        courses.values("visits").annotate(n=Count("pk")).values_list("visits", "n").order_by()
    )
    total = sum(n for _, n in counted)
    if not total:
        return None, None, None

    def nth(index: int) -> int:  # the index-th number of visits, counting from 0 upward
        for visits, n in counted:
            if index < n:
                return visits
            index -= n
        raise IndexError(index)

    median = (nth((total - 1) // 2) + nth(total // 2)) / 2
    mean = sum(visits * n for visits, n in counted) / total
    return round(mean, 1), int(median) if median.is_integer() else median, counted[-1][0]


def outcomes(clinic: Clinic, start: dt.date, end: dt.date, today: dt.date) -> OutcomeReport:
    """The report for one clinic and period; PeriodNotValid for dates that make none."""
    check_period(start, end, today)
    kb = knowledge_base()
    review = kb.rule(codes.REVIEW_RESULTS_DUE, ReviewRule).review_weeks
    refresh_stale(clinic)
    courses = CourseOutcome.objects.filter(clinic=clinic, start__gte=start, start__lte=end)
    totals = courses.aggregate(
        started=Count("pk"),
        **{
            f"judged_{i}": Count("pk", filter=Q(**{f"responders__{i}__isnull": False}))
            for i in _instruments()
        },
        **{
            f"responded_{i}": Count("pk", filter=Q(**{f"responders__{i}": True}))
            for i in _instruments()
        },
        **{
            f"over_{cap.code}": Count("pk", filter=Q(**{f"over_limits__{cap.code}": True}))
            for cap in _caps()
        },
    )
    finished = CourseOutcome.objects.filter(
        clinic=clinic,
        start__lte=end,
        last_visit__gte=start,
        last_visit__lte=end,
        completed_block=True,
    ).count()

    groups: dict[str, dict[str, list[int]]] = {
        "condition": defaultdict(lambda: [0, 0]),
        "risk": defaultdict(lambda: [0, 0]),
        "practitioner": defaultdict(lambda: [0, 0]),
    }
    for condition_code, risk, username, name, judged, responded in _groups(courses):
        condition = kb.conditions.get(condition_code)
        for group, label in (
            ("condition", condition.label if condition else NOT_RECORDED),
            ("risk", f"{risk.capitalize()} risk" if risk else NOT_RECORDED),
            ("practitioner", name.strip() or username),
        ):
            groups[group][label][0] += judged
            groups[group][label][1] += responded

    def table(found: dict[str, list[int]]) -> list[Responders]:
        return [
            Responders(label=label, judged=judged, responded=responded)
            for label, (judged, responded) in sorted(found.items())
        ]

    risk_order = {f"{r.capitalize()} risk": i for i, r in enumerate(("low", "medium", "high"))}
    sessions, adverse = _adverse(clinic, start, end)
    visits_mean, visits_median, visits_most = _visits(courses)
    return OutcomeReport(
        clinic=clinic,
        start=start,
        end=end,
        review_weeks=(review[0], review[1]),
        started=totals["started"],
        finished=finished,
        by_instrument=[
            Responders(
                label=kb.instruments[i].label,
                judged=totals[f"judged_{i}"],
                responded=totals[f"responded_{i}"],
            )
            for i in _instruments()
        ],
        by_condition=table(groups["condition"]),
        by_risk=sorted(table(groups["risk"]), key=lambda r: risk_order.get(r.label, 9)),
        by_practitioner=table(groups["practitioner"]),
        sessions=sessions,
        adverse=adverse,
        visits_mean=visits_mean,
        visits_median=visits_median,
        visits_most=visits_most,
        caps=[
            CapUse(
                label=cap.label,
                limit=cap.max_sessions,
                window_days=cap.window_days,
                over=totals[f"over_{cap.code}"],
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
