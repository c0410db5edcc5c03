"""The care pathway's rules on top of the engine. Views call these and stay thin.

Services raise domain errors (RecordNotFound, PlanNotAllowed, ChartRefused...) and never
an HTTP response: the views turn them into 404, 409 or a form shown again. What a page
shows (timeline, charts, body map, export) lives in `presenters`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from acuback.clinical.base import InputError, spoken
from acuback.clinical.chart import Chart, ChartCheck, ChartedPoint, check_chart
from acuback.clinical.course_plan import course_plan
from acuback.clinical.intake import Intake, read_intake
from acuback.clinical.outcome import OutcomeDecision, decide, read_series
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
    ScoreSource,
    SessionRecord,
)
from acuback.web.checkins import service as checkins
from acuback.web.clinics.models import Clinic, Patient

M = TypeVar("M", bound=models.Model)


class RecordNotFound(Exception):
    """No such record in this clinic (another clinic's record is not found either)."""


class PlanNotAllowed(Exception):
    """Screening does not allow a course plan yet; the message says what to do first."""


class SessionNotOpenable(Exception):
    """Screening or an unfinished session stands in the way of a new one."""


class SessionNotClosable(Exception):
    """A session cannot be closed while needles are unaccounted for."""


class ChartRefused(Exception):
    """The chart holds what screening excludes, or a restriction not yet confirmed."""

    def __init__(self, check: ChartCheck) -> None:
        self.check = check
        super().__init__("; ".join(p.message for p in check.refused) or "restrictions to confirm")


def get_record(model: type[M], clinic: Clinic, pk: int) -> M:
    # Another clinic's record is not found, exactly like one that does not exist.
    try:
        return model._default_manager.select_related("patient").get(clinic=clinic, pk=pk)
    except ObjectDoesNotExist as exc:
        raise RecordNotFound(f"no {model._meta.verbose_name} {pk}") from exc


# --- intake, decisions and the one answer to "may this patient be treated?" -----------


def latest_intake(patient: Patient) -> IntakeRecord | None:
    return IntakeRecord.objects.filter(patient=patient).order_by("-created", "-id").first()


def latest_decision(intake: IntakeRecord) -> Decision | None:
    """The newest decision on an intake that is not a guardian's consent.

    Read from the intake's decisions in Python (an intake has a handful), so a list that
    prefetched them asks nothing more of the database.
    """
    return _newest_lifting(intake.decisions.all())


def _newest_lifting(decisions: Iterable[Decision]) -> Decision | None:
    lifting = [d for d in decisions if d.kind != DecisionKind.GUARDIAN_CONSENT]
    return max(lifting, key=lambda d: (d.created, d.pk), default=None)


def _decided(intake: IntakeRecord) -> dict[str, str]:
    """The dates the engine needs from recorded decisions: approval and guardian's consent.

    A later referral, deferral or refusal withdraws an earlier approval; a guardian's
    consent stands on its own.
    """
    decisions = list(intake.decisions.all())
    decided: dict[str, str] = {}
    latest = _newest_lifting(decisions)
    if latest is not None and latest.kind == DecisionKind.CLEARANCE_RECEIVED:
        decided["physician_clearance"] = latest.on.isoformat()
    consents = [d for d in decisions if d.kind == DecisionKind.GUARDIAN_CONSENT]
    consent = max(consents, key=lambda d: (d.on, d.pk), default=None)
    if consent is not None:
        decided["guardian_consent"] = consent.on.isoformat()
    return decided


def current_intake(intake: IntakeRecord) -> Intake:
    """The intake as it stands now, with the recorded approval and consent applied."""
    return read_intake({**intake.answers, **_decided(intake)}, knowledge_base())


def current_screening(intake: IntakeRecord) -> Screening:
    return screen(current_intake(intake), knowledge_base())


@dataclass(frozen=True)
class CarePermission:
    """May this patient be planned and treated now, and if not, why not.

    Only the newest intake counts: a red flag found later stops a course planned from an
    earlier, clear intake.
    """

    intake: IntakeRecord | None
    screening: Screening | None
    blockers: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.blockers


def care_permission(patient: Patient) -> CarePermission:
    newest = latest_intake(patient)
    if newest is None:
        return CarePermission(None, None, ("Record an intake first.",))
    screening = current_screening(newest)
    blockers = tuple(f"{b.label}: {b.text}" for b in screening.plan_blockers)
    return CarePermission(newest, screening, blockers)


@transaction.atomic
def record_intake(
    clinic: Clinic, patient: Patient, user: User, intake: Intake, answers: dict[str, Any]
) -> IntakeRecord:
    """Store an intake read by `read_intake` (the answers are what it was read from)."""
    result = screen(intake, knowledge_base())
    record = IntakeRecord.objects.create(
        clinic=clinic,
        patient=patient,
        created_by=user,
        answers=answers,
        triage_level=result.level.value,
        screening_json=result.model_dump(mode="json"),
    )
    if intake.nrs is not None:
        # The pain at intake is the course's baseline.
        record_score(clinic, patient, user, "nrs", Decimal(str(intake.nrs)), timezone.localdate())
    return record


def record_decision(intake: IntakeRecord, user: User, kind: str, on: date, note: str) -> Decision:
    if on > timezone.localdate():
        raise InputError("on", "This date is in the future.")
    return Decision.objects.create(
        clinic=intake.clinic,
        patient=intake.patient,
        created_by=user,
        intake=intake,
        kind=kind,
        on=on,
        note=note,
    )


# --- the plan and its sessions -------------------------------------------------------


def draft_plan(intake: IntakeRecord, user: User, start: date) -> PlanRecord:
    """Draft the course from the newest intake; InputError names a start that makes no sense."""
    permission = care_permission(intake.patient)
    if permission.intake is not None and permission.intake.pk != intake.pk:
        raise PlanNotAllowed("A newer intake exists; plan from that one.")
    if not permission.allowed or permission.screening is None:
        raise PlanNotAllowed(" ".join(permission.blockers))
    kb = knowledge_base()
    drafted = course_plan(
        current_intake(intake), permission.screening, kb, start, timezone.localdate()
    )
    assert drafted is not None  # the permission above already holds
    return PlanRecord.objects.create(
        clinic=intake.clinic,
        patient=intake.patient,
        created_by=user,
        intake=intake,
        start=start,
        course_json=drafted.model_dump(mode="json"),
    )


def next_session_number(plan: PlanRecord) -> int:
    last = plan.sessions.order_by("-number").first()
    return (last.number + 1) if last else 1


def check_session_day(plan: PlanRecord, day: date, field: str = "day") -> None:
    """A session happens on or after its course's start, and has happened by today."""
    if day < plan.start:
        raise InputError(field, f"The course starts on {spoken(plan.start)}; this is before it.")
    if day > timezone.localdate():
        raise InputError(field, "A session is charted once it has happened: this is in the future.")


CHART_SIDES = {"bilateral": "both", "left": "left", "right": "right", "midline": "midline"}


def open_session(plan: PlanRecord, user: User, day: date) -> SessionRecord:
    """Open the next session with the plan's points and sides filled in, ready to chart.

    Simultaneous requests on one plan open one session: the plan row is locked while the
    number is taken, and a lost race is answered as an unfinished session.
    """
    check_session_day(plan, day)
    permission = care_permission(plan.patient)
    if not permission.allowed:
        raise SessionNotOpenable(" ".join(permission.blockers))
    try:
        with transaction.atomic():
            PlanRecord.objects.select_for_update().filter(pk=plan.pk).first()
            unfinished = plan.sessions.filter(closed__isnull=True).first()
            if unfinished is not None:
                raise SessionNotOpenable(
                    f"Session {unfinished.number} is still open: close it before starting another."
                )
            points = [{"code": p.code, "side": CHART_SIDES[p.side]} for p in plan.course.points]
            return SessionRecord.objects.create(
                clinic=plan.clinic,
                patient=plan.patient,
                created_by=user,
                plan=plan,
                number=next_session_number(plan),
                day=day,
                points=points,
            )
    except IntegrityError as exc:
        raise SessionNotOpenable("Another session was opened at the same moment.") from exc


def chart_of(session: SessionRecord) -> Chart:
    """A session record in the terms the engine's chart rule speaks of."""
    return Chart(
        points=tuple(ChartedPoint(code=p["code"], side=p["side"]) for p in session.points),
        electrical=session.stimulation == "electrical",
        moxibustion=session.moxibustion,
        cupping=session.cupping,
        tui_na=session.tui_na,
        ear_seeds=session.ear_seeds,
        acknowledged=frozenset(session.restrictions_applied),
    )


def check_session(session: SessionRecord) -> ChartCheck:
    """The chart against the patient's screening as it stands now."""
    permission = care_permission(session.patient)
    if permission.screening is None:
        raise ChartRefused(ChartCheck(refused=(), to_acknowledge=(), applied=()))
    return check_chart(chart_of(session), permission.screening, knowledge_base())


def save_chart(session: SessionRecord) -> SessionRecord:
    """Save a charted session, refusing what the screening excludes (ChartRefused)."""
    check_session_day(session.plan, session.day)
    if session.next_appointment is not None and session.next_appointment < session.day:
        raise InputError("next_appointment", "The next appointment is before this session.")
    check = check_session(session)
    if not check.ok:
        raise ChartRefused(check)
    session.save()
    return session


@transaction.atomic
def close_session(session: SessionRecord, user: User) -> SessionRecord:
    check = check_session(session)
    if not check.ok:
        raise ChartRefused(check)
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
    # The patient's check-in a day later (one per session, queued once this commits).
    checkins.session_closed(session)
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


# --- scores and the course's outcome ---------------------------------------------------


def record_score(
    clinic: Clinic,
    patient: Patient,
    user: User,
    instrument: str,
    value: Decimal,
    day: date,
) -> ScoreRecord:
    if day > timezone.localdate():
        raise InputError("day", "A score is recorded once it was measured: this is in the future.")
    if day < patient.date_of_birth:
        raise InputError("day", "This is before the patient was born.")
    return ScoreRecord.objects.create(
        clinic=clinic,
        patient=patient,
        created_by=user,
        instrument=instrument,
        value=value,
        day=day,
    )


CourseScores = dict[str, list[tuple[date, float]]]


def course_scores(
    patient: Patient, plan: PlanRecord | None = None, source: str = ScoreSource.CLINIC
) -> CourseScores:
    """Scores by instrument, oldest first; with a plan, only those of its course.

    A course is judged on its own scores, from its intake or its start if earlier: an
    earlier course's baseline would flatter it.

    Only the clinic's scores by default, because these feed `outcome_for`: the course is
    judged on pain before needling and the review questionnaires, taken the same way each
    time. The patient's diary (`source="patient"`) is drawn beside them on the charts
    but never decides continue or stop: ratings at home, at any hour and as often as
    the patient likes, would replace the clinic's baseline or latest score and weigh
    the series by how often someone writes.
    """
    return _series(_course_rows(patient, plan).filter(source=source))


def clinic_and_diary_scores(
    patient: Patient, plan: PlanRecord | None = None
) -> tuple[CourseScores, CourseScores]:
    """`course_scores` of the clinic and of the patient's diary, read together."""
    rows = list(_course_rows(patient, plan))
    return (
        _series(r for r in rows if r.source == ScoreSource.CLINIC),
        _series(r for r in rows if r.source == ScoreSource.PATIENT),
    )


def _course_rows(patient: Patient, plan: PlanRecord | None) -> QuerySet[ScoreRecord]:
    scores = ScoreRecord.objects.filter(patient=patient)
    if plan is not None:
        began = min(timezone.localdate(plan.intake.created), plan.start)
        scores = scores.filter(day__gte=began)
    return scores.order_by("day", "id")


def _series(scores: Iterable[ScoreRecord]) -> CourseScores:
    series: CourseScores = {}
    for score in scores:
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
    if plan is not None and plan.start <= max(d for points in series.values() for d, _ in points):
        raw["start"] = plan.start.isoformat()
    today = timezone.localdate()
    return decide(read_series(raw, kb, today=today), kb, today=today)


@dataclass(frozen=True)
class ReviewPoint:
    day: date
    code: str
    label: str
    due: bool


def review_points(plan: PlanRecord, today: date) -> list[ReviewPoint]:
    return [
        ReviewPoint(review.date, review.code, review.label, due=review.date <= today)
        for review in plan.course.reviews
    ]


def record_message(clinic: Clinic, patient: Patient, user: User, body: str) -> Message:
    return Message.objects.create(clinic=clinic, patient=patient, created_by=user, body=body)
