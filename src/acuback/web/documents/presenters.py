"""What the session record and the progress letter print, in words a GP reads at a glance.

Built from the records and the engine's typed results the pages use; nothing returned
carries a knowledge-base code or an enum value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from acuback.clinical.base import spoken
from acuback.clinical.outcome import OutcomeDecision
from acuback.knowledge.loader import knowledge_base
from acuback.web.care import presenters as care_presenters
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord, SessionRecord
from acuback.web.documents.service import plain_words

DECISION_WORDS = {
    "continue": "Continue the course",
    "extend": "Extend the course",
    "change": "Change the approach",
    "stop": "Stop acupuncture",
}


def person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _number(value: object) -> str:
    """6, 6.5: a stored 6.0 reads as the number it is."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return f"{value:g}" if isinstance(value, float) else f"{value.normalize():f}"
    return str(value)


@dataclass(frozen=True)
class Row:
    label: str
    value: str


@dataclass(frozen=True)
class SessionSheet:
    title: str
    day: str
    status: str
    practitioner: str
    points: tuple[Row, ...]
    needling: tuple[Row, ...]
    other_methods: str
    restrictions: tuple[str, ...]
    events: tuple[Row, ...]
    advice: str
    next_appointment: str


def _restriction_words(session: SessionRecord) -> dict[str, str]:
    """Each restriction's key in words, from the saved screening and the current one."""
    words: dict[str, str] = {}
    saved = session.plan.intake.screening
    current = care.care_permission(session.patient).screening
    for screening in (saved, current):
        for r in screening.restricted_methods if screening else ():
            words.setdefault(r.key, f"{r.label}: {r.rule}")
    return words


def session_sheet(session: SessionRecord) -> SessionSheet:
    kb = knowledge_base()
    points = tuple(
        Row(
            kb.points[p["code"]].label if p["code"] in kb.points else "Point not in the catalogue",
            care_presenters.SIDE_LABELS.get(p["side"], ""),
        )
        for p in session.points
    )
    stimulation = session.get_stimulation_display()
    if session.stimulation == "electrical" and session.electrical_settings:
        stimulation += f" ({session.electrical_settings})"
    facts = [
        ("Needles inserted", _number(session.needles_inserted)),
        ("Needles removed", _number(session.needles_removed)),
        ("Needle type", session.needle_type),
        (
            "Needle size",
            " × ".join(
                x
                for x in (
                    f"{session.needle_diameter_mm} mm" if session.needle_diameter_mm else "",
                    f"{session.needle_length_mm} mm long" if session.needle_length_mm else "",
                )
                if x
            ),
        ),
        ("Depth", f"{session.depth_mm} mm" if session.depth_mm else ""),
        ("Response sought", session.get_response_sought_display()),
        ("Stimulation", stimulation),
        (
            "Needles left in",
            f"{session.retention_minutes} minutes" if session.retention_minutes else "",
        ),
        ("Pain before (0-10)", _number(session.nrs_before)),
        ("Pain after (0-10)", _number(session.nrs_after)),
    ]
    others = [
        name
        for name, used in (
            ("moxibustion", session.moxibustion),
            ("cupping", session.cupping),
            ("tui na massage", session.tui_na),
            ("ear seeds", session.ear_seeds),
        )
        if used
    ]
    words = _restriction_words(session)
    planned = len(session.plan.course.sessions)
    return SessionSheet(
        title=f"Session {session.number} of {planned}",
        day=spoken(session.day),
        status=f"Closed on {spoken(timezone.localdate(session.closed))}"
        if session.closed
        else "Open: not yet closed",
        practitioner=person(session.created_by),
        points=points,
        needling=tuple(Row(k, v or "Not recorded") for k, v in facts),
        other_methods=(", ".join(others).capitalize() + ".") if others else "None.",
        restrictions=tuple(
            words.get(k, "A restriction no longer in the screening")
            for k in session.restrictions_applied
        ),  # fmt: skip
        events=tuple(
            Row(
                e.get_severity_display(),
                e.description + (f" Follow-up: {e.follow_up}" if e.follow_up else ""),
            )  # fmt: skip
            for e in session.adverse_events.all()
        ),
        advice=session.advice,
        next_appointment=spoken(session.next_appointment) if session.next_appointment else "",
    )


@dataclass(frozen=True)
class MeasureRow:
    name: str
    baseline: str
    latest: str
    change: str
    important: str
    verdict: str


@dataclass(frozen=True)
class Progress:
    start: str
    sessions_done: int
    sessions_planned: int
    first_session: str
    last_session: str
    weeks: str
    decision: str
    why: tuple[str, ...]
    measures: tuple[MeasureRow, ...]
    charts: tuple[str, ...]
    events: int


TREND_WORDS = {
    "improved": "Important improvement",
    "partial": "Some improvement, below the important change",
    "unchanged": "No important change",
    "worse": "Worse",
}


def _measure_rows(outcome: OutcomeDecision | None) -> tuple[MeasureRow, ...]:
    if outcome is None:
        return ()
    kb = knowledge_base()
    return tuple(
        MeasureRow(
            name=kb.instruments[m.instrument].label,
            baseline=f"{m.baseline:g}",
            latest=f"{m.latest:g}",
            change=f"{m.improvement:g} points better ({m.improvement_percent:g}%)"
            if m.improvement >= 0
            else f"{-m.improvement:g} points worse",
            important=f"{m.threshold.absolute:g} points or {m.threshold.relative:.0%}",
            verdict=TREND_WORDS[m.trend],
        )
        for m in outcome.measures
    )


def _weeks(weeks: float) -> str:
    return "1 week" if weeks == 1 else f"{weeks:g} weeks"


def progress(plan: PlanRecord) -> Progress:
    scores = care.course_scores(plan.patient, plan)
    outcome = care.outcome_for(scores, plan)
    done = list(plan.sessions.filter(closed__isnull=False).order_by("day", "number"))
    measured = len(outcome.measures) if outcome else 0
    day: date | None = done[-1].day if done else None
    return Progress(
        start=spoken(plan.start),
        sessions_done=len(done),
        sessions_planned=len(plan.course.sessions),
        first_session=spoken(done[0].day) if done else "",
        last_session=spoken(day) if day else "",
        weeks=_weeks(outcome.weeks_since_start) if outcome else "",
        decision=DECISION_WORDS[outcome.decision] if outcome else "",
        why=tuple(plain_words(r.text) for r in outcome.reasons[measured:]) if outcome else (),
        measures=_measure_rows(outcome),
        charts=tuple(care_presenters.outcome_charts(scores)),
        events=sum(s.adverse_events.count() for s in done),
    )
