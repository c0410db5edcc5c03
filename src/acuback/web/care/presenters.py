"""What the care pages show: timeline, schedule, charts, body map and the record export.

Presenters read records and typed engine results and shape them for a template; they
decide nothing clinical (that is `service` and the engine) and build no URLs (the
templates do, from each entry's kind and id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from acuback.clinical.base import spoken
from acuback.clinical.intake import LocalFinding
from acuback.clinical.outcome import important_change
from acuback.clinical.screening import where
from acuback.knowledge.loader import knowledge_base
from acuback.knowledge.schema import TriageLevel
from acuback.web.care.models import (
    AdverseEvent,
    Decision,
    IntakeRecord,
    Message,
    PlanRecord,
    ScoreRecord,
    ScoreSource,
    SessionRecord,
)
from acuback.web.care.service import CourseScores
from acuback.web.care.svg import ChartSeries, MarkedPoint, body_map, outcome_chart
from acuback.web.clinics.models import Patient
from acuback.web.paging import Page, shown_page
from acuback.web.prebuilt import Prepared

SIDE_LABELS = {
    "bilateral": "both sides",
    "both": "both sides",
    "left": "left only",
    "right": "right only",
    "midline": "midline",
}
PHASE_LABELS = {"initial": "twice weekly", "weekly": "weekly"}


def triage_label(level: TriageLevel | str) -> str:
    """A triage level as the knowledge base names it, never its code."""
    return knowledge_base().triage_for(TriageLevel(level)).label


def intake_answers(intake: IntakeRecord) -> list[tuple[str, str]]:
    """The answers as a practitioner reads them: questions and plain words, no codes."""
    kb = knowledge_base()
    a = intake.answers

    def names(codes: list[str], catalogue: Mapping[str, Any]) -> str:
        return "; ".join(catalogue[c].label for c in codes if c in catalogue) or "none"

    rows = [
        ("Age at intake", f"{a.get('age')}"),
        ("Pain has lasted", f"{a.get('pain_duration_weeks', 0):g} weeks"),
        ("Where", names(a.get("pain_sites", []), kb.pain_sites)),
        ("Conditions", names(a.get("conditions", []), kb.conditions)),
        ("Red flags answered yes", names(a.get("red_flags", []), kb.red_flags)),
        ("History", names(a.get("history", []), kb.findings)),
        ("Medicines", names(a.get("medications", []), kb.findings)),
        ("Implanted devices", names(a.get("devices", []), kb.findings)),
        (
            "Skin or limb problems",
            "; ".join(
                f"{kb.findings[f['finding']].label}, "
                f"{where(LocalFinding.model_validate(f), kb)}"
                for f in a.get("local_findings", [])
            )
            or "none",
        ),
        ("Pregnant", f"yes, week {a['pregnancy_weeks']}" if a.get("pregnancy_weeks") else
         ("yes" if a.get("pregnant") else "no")),
        ("Will drive after treatment", "yes" if a.get("driving_after_treatment") else "no"),
    ]  # fmt: skip
    if a.get("nrs") is not None:
        rows.append(("Pain now (0-10)", f"{a['nrs']:g}"))
    return rows


def plan_body_map(plan: PlanRecord) -> str:
    course = plan.course
    kb = knowledge_base()
    marks = [MarkedPoint(kb.points[p.code], "chosen", p.reason.text, p.side) for p in course.points]
    marks += [
        MarkedPoint(
            kb.points[p.code],
            "excluded",
            "Excluded: " + "; ".join(r.label for r in p.reasons),
            "bilateral" if p.side == "both" else p.side,
        )
        for p in course.excluded_points
    ]
    return body_map(marks)


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    planned: date
    phase: str
    session: SessionRecord | None

    # A course's schedule runs to dozens of rows: its dates are written by these, not by
    # the template's date filter, which costs several times more per row.
    @property
    def planned_on(self) -> str:
        return spoken(self.planned)

    @property
    def charted_on(self) -> str:
        return spoken(self.session.day) if self.session else ""


def schedule(plan: PlanRecord) -> list[ScheduleRow]:
    """Each planned session beside the session actually charted under its number."""
    charted = {s.number: s for s in plan.sessions.all()}
    rows = [
        ScheduleRow(s.number, s.date, PHASE_LABELS[s.phase], charted.pop(s.number, None))
        for s in plan.course.sessions
    ]
    # Sessions beyond the plan (an extension) are listed too, with no planned date.
    rows += [ScheduleRow(n, s.day, "beyond the plan", s) for n, s in sorted(charted.items())]
    return rows


def outcome_charts(
    series: CourseScores,
    reported: CourseScores | None = None,
    reported_label: str = "Reported by the patient",
) -> list[str]:
    """One chart per instrument: the clinic's scores, and beside them the patient's diary.

    The important-change lines sit around the clinic's baseline; only an instrument the
    clinic never scored takes the diary's first rating as its baseline.
    """
    kb = knowledge_base()
    reported = reported or {}
    charts = []
    for code in [*series, *(c for c in reported if c not in series)]:
        instrument = kb.instruments[code]
        points, diary = series.get(code, []), reported.get(code, [])
        important = important_change(kb.threshold_for(code), (points or diary)[0][1])
        charts.append(
            outcome_chart(
                ChartSeries(
                    code, instrument.label, instrument.maximum, points, important,
                    reported=diary, reported_label=reported_label,
                )
            )
        )  # fmt: skip
    return charts


@dataclass(frozen=True)
class TimelineEntry:
    day: date  # when it happened clinically: the session's or score's date
    recorded: datetime
    kind: str  # intake, plan, session, score, message: the template links by kind and id
    pk: int
    title: str
    detail: str


# Entries per page of a patient's timeline.
TIMELINE_PAGE = 25


@dataclass(frozen=True)
class TimelinePage(Page):
    entries: list[TimelineEntry]


def timeline(patient: Patient, page: int = 1, size: int = TIMELINE_PAGE) -> TimelinePage:
    """One page of everything recorded on the patient, newest first.

    The newest `page * size` of each kind of record are enough to fill the page whatever
    the mix, so the reads stay bounded by the page asked for, not by the patient's history.
    A page past the end shows the last one.
    """
    total = sum(_recorded(patient=patient.pk)[0])
    page = shown_page(page, total, size)
    wanted = page * size
    entries = [
        entry(record)
        for kind, entry in _ENTRIES.items()
        for record in _newest(patient=patient.pk, kind=kind, wanted=wanted)
    ]
    # Newest first by clinical date; on one day, the order things were recorded in.
    entries.sort(key=lambda e: (e.day, e.recorded), reverse=True)
    return TimelinePage(
        number=page, total=total, size=size, entries=entries[wanted - size : wanted]
    )


# Each kind of record, newest first: an entry reads only the columns it shows, so the
# stored screenings, courses and charts, the largest values of all, stay unread. A
# session's pain before needling is shown on its session, not as a score of its own.
def _kinds() -> dict[str, QuerySet[Any]]:
    return {
        "intakes": IntakeRecord.objects.order_by("-created", "-id").only("created", "triage_level"),
        "plans": PlanRecord.objects.order_by("-created", "-id").only(
            "created", "start", "planned_sessions"
        ),
        "sessions": SessionRecord.objects.order_by("-day", "-created").only(
            "created", "day", "number", "closed", "nrs_before"
        ),
        "scores": ScoreRecord.objects.filter(session__isnull=True)
        .order_by("-day", "-created")
        .only("created", "day", "instrument", "value", "source"),
        "messages": Message.objects.order_by("-created", "-id").only(
            "created", "from_patient", "body"
        ),
    }


@Prepared
def _recorded(patient: int) -> QuerySet[Any]:
    """How many of each kind the patient has, in one row."""
    counts = {
        kind: Coalesce(
            Subquery(
                records.filter(patient=OuterRef("pk"))
                .order_by()
                .values("patient")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        for kind, records in _kinds().items()
    }
    return Patient.objects.filter(pk=patient).annotate(**counts).values_list(*counts)


TimelineKind = Literal["intakes", "plans", "sessions", "scores", "messages"]


@Prepared.shaped_by("wanted")
def _newest(patient: int, kind: TimelineKind, wanted: int) -> QuerySet[Any]:
    return _kinds()[kind].filter(patient=patient)[:wanted]


def _intake_entry(intake: IntakeRecord) -> TimelineEntry:
    return TimelineEntry(
        timezone.localdate(intake.created),
        intake.created,
        "intake",
        intake.pk,
        "Intake and screening",
        triage_label(intake.triage_level),
    )


def _plan_entry(plan: PlanRecord) -> TimelineEntry:
    return TimelineEntry(
        timezone.localdate(plan.created),
        plan.created,
        "plan",
        plan.pk,
        "Course plan",
        f"{plan.planned_sessions} sessions from {spoken(plan.start)}",
    )


def _session_entry(session: SessionRecord) -> TimelineEntry:
    state = "closed" if session.closed else "open"
    pain = f", pain before {session.nrs_before:g}" if session.nrs_before is not None else ""
    return TimelineEntry(
        session.day, session.created, "session", session.pk, f"Session {session.number}",
        state + pain,
    )  # fmt: skip


def _score_entry(score: ScoreRecord) -> TimelineEntry:
    by_patient = score.source == ScoreSource.PATIENT
    return TimelineEntry(
        score.day,
        score.created,
        "score",
        score.pk,
        knowledge_base().instruments[score.instrument].label
        + (" (reported by the patient)" if by_patient else ""),
        f"{score.value:g}",
    )


def _message_entry(message: Message) -> TimelineEntry:
    who = "from the patient" if message.from_patient else "from the clinic"
    return TimelineEntry(
        timezone.localdate(message.created),
        message.created,
        "message",
        message.pk,
        f"Message {who}",
        message.body[:160],
    )


_ENTRIES: dict[TimelineKind, Callable[[Any], TimelineEntry]] = {
    "intakes": _intake_entry,
    "plans": _plan_entry,
    "sessions": _session_entry,
    "scores": _score_entry,
    "messages": _message_entry,
}


def export_patient(patient: Patient) -> dict[str, Any]:
    """Everything held on one patient, as JSON a researcher or the patient can read."""

    def rows(model: Any, *fields: str) -> list[dict[str, Any]]:
        return [
            {f: _plain(getattr(r, f)) for f in ("id", "created", *fields)}
            for r in model.objects.filter(patient=patient).order_by("created", "id")
        ]

    return {
        "patient": {
            "id": patient.pk,
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
        },
        "intakes": rows(IntakeRecord, "answers", "triage_level", "screening_json"),
        "decisions": rows(Decision, "intake_id", "kind", "on", "note"),
        "plans": rows(PlanRecord, "intake_id", "start", "course_json"),
        "sessions": rows(SessionRecord, *SESSION_FIELDS),
        "adverse_events": rows(AdverseEvent, "session_id", "severity", "description", "follow_up"),
        "scores": rows(ScoreRecord, "instrument", "value", "day", "session_id", "source", "items"),
        "messages": rows(Message, "from_patient", "body", "read_at"),
    }


SESSION_FIELDS = (
    "plan_id", "number", "day", "points", "needles_inserted", "needles_removed", "needle_type",
    "needle_diameter_mm", "needle_length_mm", "depth_mm", "response_sought", "stimulation",
    "electrical_settings", "retention_minutes", "moxibustion", "cupping", "tui_na", "ear_seeds",
    "advice", "nrs_before", "nrs_after", "next_appointment", "restrictions_applied", "closed",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
