"""The care pathway on top of the engine. Views call these and stay thin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from acuback.clinical.course_plan import course_plan
from acuback.clinical.intake import read_intake
from acuback.clinical.outcome import (
    OutcomeDecision,
    decide,
    important_change,
    read_series,
    threshold_for,
)
from acuback.clinical.screening import Screening, screen
from acuback.knowledge.loader import knowledge_base
from acuback.web.care.models import (
    AdverseEvent,
    Decision,
    DecisionKind,
    IntakeRecord,
    Message,
    PlanRecord,
    ScoreRecord,
    SessionRecord,
)
from acuback.web.care.svg import ChartSeries, MarkedPoint, body_map, outcome_chart
from acuback.web.clinics.models import Clinic, Patient

M = TypeVar("M", bound=models.Model)


class SessionNotClosable(Exception):
    """A session cannot be closed while needles are unaccounted for."""


def _with_clearance(answers: dict[str, Any], clearance: date | None) -> dict[str, Any]:
    if clearance is None:
        return answers
    return {**answers, "physician_clearance": clearance.isoformat()}


def run_screening(answers: dict[str, Any], clearance: date | None = None) -> Screening:
    kb = knowledge_base()
    return screen(read_intake(_with_clearance(answers, clearance), kb), kb)


@transaction.atomic
def record_intake(
    clinic: Clinic, patient: Patient, user: User, answers: dict[str, Any]
) -> IntakeRecord:
    result = run_screening(answers)
    intake = IntakeRecord.objects.create(
        clinic=clinic,
        patient=patient,
        created_by=user,
        answers=answers,
        triage_level=result.level.value,
        screening=result.to_json(),
    )
    if answers.get("nrs") is not None:
        # The pain at intake is the course's baseline.
        record_score(
            clinic, patient, user, "nrs", Decimal(str(answers["nrs"])), timezone.localdate()
        )
    return intake


def get_record(model: type[M], clinic: Clinic, pk: int) -> M:
    # Another clinic's record answers 404, exactly like one that does not exist.
    try:
        return model._default_manager.select_related("patient").get(clinic=clinic, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404("No such record") from exc


def clearance_of(intake: IntakeRecord) -> date | None:
    """The doctor's approval, if the latest decision on the intake is that approval.

    A later referral, deferral or refusal withdraws an earlier approval.
    """
    latest = intake.decisions.order_by("-created", "-id").first()
    if latest is None or latest.kind != DecisionKind.CLEARANCE_RECEIVED:
        return None
    return latest.on


def latest_intake(patient: Patient) -> IntakeRecord | None:
    return IntakeRecord.objects.filter(patient=patient).order_by("-created", "-id").first()


def treatment_blocker(patient: Patient, intake: IntakeRecord | None = None) -> str | None:
    """Why no plan may be drafted or session opened now, or None when care may go on.

    Only the patient's newest intake counts: a red flag found later stops a course
    planned from an earlier, clear intake.
    """
    newest = latest_intake(patient)
    if newest is None:
        return "Record an intake first."
    if intake is not None and intake.pk != newest.pk:
        return "A newer intake exists; plan from that one."
    screening = current_screening(newest)
    if not screening.plan_allowed:
        return f"{screening.action.label}: {screening.action.text}"
    return None


def current_screening(intake: IntakeRecord) -> Screening:
    """Screening as it stands now, with any recorded doctor's approval applied."""
    return run_screening(intake.answers, clearance_of(intake))


def record_decision(intake: IntakeRecord, user: User, kind: str, on: date, note: str) -> Decision:
    return Decision.objects.create(
        clinic=intake.clinic,
        patient=intake.patient,
        created_by=user,
        intake=intake,
        kind=kind,
        on=on,
        note=note,
    )


class PlanNotAllowed(Exception):
    """Triage does not allow a course plan yet; the message says what to do first."""


def draft_plan(intake: IntakeRecord, user: User, start: date) -> PlanRecord:
    if blocker := treatment_blocker(intake.patient, intake):
        raise PlanNotAllowed(blocker)
    kb = knowledge_base()
    parsed = read_intake(_with_clearance(intake.answers, clearance_of(intake)), kb)
    result = screen(parsed, kb)
    drafted = course_plan(parsed, result, kb, start)
    if drafted is None:
        raise PlanNotAllowed(f"{result.action.label}: {result.action.text}")
    return PlanRecord.objects.create(
        clinic=intake.clinic,
        patient=intake.patient,
        created_by=user,
        intake=intake,
        start=start,
        plan={**drafted.to_json(), "screening": result.to_json()},
    )


def plan_body_map(plan: PlanRecord) -> str:
    kb = knowledge_base()
    marks = [
        MarkedPoint(kb.points[p["code"]], "chosen", p["reason"]["text"])
        for p in plan.plan["points"]
    ]
    marks += [
        MarkedPoint(
            kb.points[p["code"]],
            "excluded",
            "Excluded: " + "; ".join(r["label"] for r in p["reasons"]),
        )
        for p in plan.plan["excluded_points"]
    ]
    return body_map(marks)


def next_session_number(plan: PlanRecord) -> int:
    last = plan.sessions.order_by("-number").first()
    return (last.number + 1) if last else 1


class SessionNotOpenable(Exception):
    """Triage or an unfinished session stands in the way of a new one."""


def _side(point: dict[str, Any]) -> str:
    if point["side"] == "bilateral":
        return "both"
    # Governor and Conception vessel points sit on the midline; any other single point
    # (Ashi) is charted on both sides until the practitioner says which.
    return "midline" if (point.get("who_code") or "")[:2] in {"GV", "CV"} else "both"


def open_session(plan: PlanRecord, user: User, day: date) -> SessionRecord:
    """Open the next session with the plan's points filled in, ready to chart."""
    if blocker := treatment_blocker(plan.patient):
        raise SessionNotOpenable(blocker)
    unfinished = plan.sessions.filter(closed__isnull=True).first()
    if unfinished is not None:
        raise SessionNotOpenable(
            f"Session {unfinished.number} is still open: close it before starting another."
        )
    points = [{"code": p["code"], "side": _side(p)} for p in plan.plan["points"]]
    return SessionRecord.objects.create(
        clinic=plan.clinic,
        patient=plan.patient,
        created_by=user,
        plan=plan,
        number=next_session_number(plan),
        day=day,
        points=points,
    )


def record_adverse_event(session: SessionRecord, user: User, data: dict[str, Any]) -> AdverseEvent:
    return AdverseEvent.objects.create(
        clinic=session.clinic,
        patient=session.patient,
        created_by=user,
        session=session,
        severity=data["severity"],
        description=data["description"],
        follow_up=data.get("follow_up", ""),
    )


@transaction.atomic
def close_session(session: SessionRecord, user: User) -> SessionRecord:
    if session.needles_inserted is None or session.needles_removed is None:
        raise SessionNotClosable("Count the needles inserted and removed before closing.")
    if session.needles_inserted != session.needles_removed:
        missing = session.needles_inserted - session.needles_removed
        raise SessionNotClosable(
            f"{session.needles_inserted} needles inserted but {session.needles_removed} removed"
            f" ({missing:+d} unaccounted for): find every needle before closing."
        )
    session.closed = timezone.now()
    session.save(update_fields=["closed"])
    # Pain before needling is the course's outcome measure; the score after shows only
    # the session's immediate effect, so it stays on the session record.
    if session.nrs_before is not None:
        ScoreRecord.objects.update_or_create(
            session=session,
            instrument="nrs",
            defaults={
                "clinic": session.clinic,
                "patient": session.patient,
                "value": session.nrs_before,
                "day": session.day,
                "created_by": user,
            },
        )
    return session


def record_score(
    clinic: Clinic,
    patient: Patient,
    user: User,
    instrument: str,
    value: Decimal,
    day: date,
) -> ScoreRecord:
    return ScoreRecord.objects.create(
        clinic=clinic,
        patient=patient,
        created_by=user,
        instrument=instrument,
        value=value,
        day=day,
    )


CourseScores = dict[str, list[tuple[date, float]]]


def course_scores(patient: Patient, plan: PlanRecord | None = None) -> CourseScores:
    """Scores by instrument, oldest first; with a plan, only those of its course.

    A course is judged on its own scores, from its intake or its start if earlier: an
    earlier course's baseline would flatter it.
    """
    scores = ScoreRecord.objects.filter(patient=patient)
    if plan is not None:
        began = min(timezone.localdate(plan.intake.created), plan.start)
        scores = scores.filter(day__gte=began)
    series: CourseScores = {}
    for score in scores.order_by("day", "id"):
        series.setdefault(score.instrument, []).append((score.day, float(score.value)))
    return series


def outcome_for(series: CourseScores, plan: PlanRecord | None = None) -> OutcomeDecision | None:
    """The engine's continue/extend/change/stop from the scores, once it can judge."""
    if not any(len(points) >= 2 for points in series.values()):
        return None
    kb = knowledge_base()
    raw: dict[str, Any] = {
        "scores": {
            code: [{"date": d.isoformat(), "value": v} for d, v in points]
            for code, points in series.items()
        }
    }
    if plan is not None:
        raw["start"] = plan.start.isoformat()
    return decide(read_series(raw, kb), kb, today=date.today())


@dataclass(frozen=True)
class ReviewPoint:
    day: date
    code: str
    label: str
    due: bool


def review_points(plan: PlanRecord, today: date) -> list[ReviewPoint]:
    points = []
    for review in plan.plan["reviews"]:
        day = date.fromisoformat(review["date"])
        points.append(ReviewPoint(day, review["code"], review["label"], due=day <= today))
    return points


def outcome_charts(series: CourseScores) -> list[str]:
    kb = knowledge_base()
    charts = []
    for code, points in series.items():
        instrument = kb.instruments[code]
        important = important_change(threshold_for(kb, code), points[0][1])
        charts.append(
            outcome_chart(
                ChartSeries(code, instrument.label, instrument.maximum, points, important)
            )
        )
    return charts


@dataclass(frozen=True)
class TimelineEntry:
    day: date  # when it happened clinically: the session's or score's date
    recorded: datetime
    kind: str
    title: str
    detail: str
    url: str | None


def timeline(patient: Patient) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for intake in IntakeRecord.objects.filter(patient=patient):
        level = intake.triage_level.replace("_", " ")
        entries.append(
            TimelineEntry(
                timezone.localdate(intake.created),
                intake.created,
                "intake",
                "Intake and screening",
                f"Triage: {level}",
                reverse("intake-detail", args=[intake.pk]),
            )
        )
    for plan in PlanRecord.objects.filter(patient=patient):
        entries.append(
            TimelineEntry(
                timezone.localdate(plan.created),
                plan.created,
                "plan",
                "Course plan",
                f"{len(plan.plan['sessions'])} sessions from {plan.start:%d %b %Y}",
                reverse("plan-detail", args=[plan.pk]),
            )
        )
    for session in SessionRecord.objects.filter(patient=patient):
        state = "closed" if session.closed else "open"
        entries.append(
            TimelineEntry(
                session.day,
                session.created,
                "session",
                f"Session {session.number}",
                state,
                reverse("session-detail", args=[session.pk]),
            )
        )
    for score in ScoreRecord.objects.filter(patient=patient):
        entries.append(
            TimelineEntry(
                score.day,
                score.created,
                "score",
                score.instrument.upper(),
                f"{score.value:g}",
                None,
            )
        )
    for message in Message.objects.filter(patient=patient):
        who = "from the patient" if message.from_patient else "from the clinic"
        entries.append(
            TimelineEntry(
                timezone.localdate(message.created),
                message.created,
                "message",
                f"Message {who}",
                message.body[:160],
                None,
            )
        )
    # Newest first by clinical date; on one day, the order things were recorded in.
    return sorted(entries, key=lambda e: (e.day, e.recorded), reverse=True)


def record_message(clinic: Clinic, patient: Patient, user: User, body: str) -> Message:
    return Message.objects.create(clinic=clinic, patient=patient, created_by=user, body=body)


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
        "intakes": rows(IntakeRecord, "answers", "triage_level", "screening"),
        "decisions": rows(Decision, "intake_id", "kind", "on", "note"),
        "plans": rows(PlanRecord, "intake_id", "start", "plan"),
        "sessions": rows(SessionRecord, *SESSION_FIELDS),
        "adverse_events": rows(AdverseEvent, "session_id", "severity", "description", "follow_up"),
        "scores": rows(ScoreRecord, "instrument", "value", "day", "session_id"),
        "messages": rows(Message, "from_patient", "body"),
    }


SESSION_FIELDS = (
    "plan_id", "number", "day", "points", "needles_inserted", "needles_removed", "needle_type",
    "needle_diameter_mm", "needle_length_mm", "depth_mm", "response_sought", "stimulation",
    "electrical_settings", "retention_minutes", "moxibustion", "cupping", "tui_na", "ear_seeds",
    "advice", "nrs_before", "nrs_after", "next_appointment", "closed",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
