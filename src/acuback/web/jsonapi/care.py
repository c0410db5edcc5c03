"""Intakes with the engine's screening, course plans, charted sessions and scores.

Clinical records: practitioners and clinic admins only (403 for reception, after the
record is found in the caller's clinic). Input goes through the page's own form and the
care service, so the engine screens, plans and checks charts exactly as in the app.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from acuback.clinical.base import InputError
from acuback.clinical.course_plan import CoursePlan
from acuback.clinical.screening import Screening
from acuback.web.audit.models import Action
from acuback.web.audit.service import changes_of
from acuback.web.care import forms, service
from acuback.web.care.models import IntakeRecord, PlanRecord, ScoreRecord, SessionRecord
from acuback.web.jsonapi.common import (
    BODY_ERRORS,
    CLINICAL_ERRORS,
    Id,
    InvalidInput,
    Pages,
    Refused,
    RefusedError,
    StrictIn,
    audit,
    caller,
    checked,
    form_data,
    input_error,
    not_found,
    number,
    require_clinical,
    user_of,
)
from acuback.web.jsonapi.patients import find as find_patient

router = Router(tags=["care"])

WRITE_ERRORS: dict[int, Any] = {**CLINICAL_ERRORS, **BODY_ERRORS, 409: Refused}
Code: Any = Field(min_length=1, max_length=60)
Codes: Any = Field(default_factory=list, max_length=50)


def _record(request: HttpRequest, model: type[Any], pk: int) -> Any:
    """A clinical record of the caller's clinic (404 otherwise), then the role check."""
    try:
        found = service.get_record(model, caller(request).clinic, pk)
    except service.RecordNotFound:
        raise not_found(str(model._meta.verbose_name).replace(" record", "")) from None
    require_clinical(request)
    return found


def _patient(request: HttpRequest, patient_id: int) -> Any:
    patient = find_patient(request, patient_id)
    require_clinical(request)
    return patient


# --- intakes ---------------------------------------------------------------------------


class LocalFinding(StrictIn):
    finding: str = Code
    region: str = Field("", max_length=60)
    side: Literal["both", "left", "right"] = "both"


class IntakeIn(StrictIn):
    """The intake form's answers, in knowledge-base codes; the engine judges them."""

    pain_duration_weeks: float = Field(ge=0, le=5200, allow_inf_nan=False)
    pain_pattern: Literal["constant", "intermittent", "recurrent"] | None = None
    pain_sites: list[str] = Codes
    conditions: list[str] = Codes
    red_flags: list[str] = Codes
    history: list[str] = Codes
    medications: list[str] = Codes
    devices: list[str] = Codes
    local_findings: list[LocalFinding] = Field(default_factory=list, max_length=forms.LOCAL_ROWS)
    pregnant: StrictBool = False
    pregnancy_weeks: int | None = Field(None, ge=0, le=45, strict=True)
    driving_after_treatment: StrictBool = False
    nrs: float | None = Field(None, ge=0, le=10, allow_inf_nan=False)
    startback: dict[str, Literal[0, 1]] = Field(
        default_factory=dict,
        description="STarT Back items startback-1 .. startback-9, agree 1 or disagree 0: "
        "all nine or none",
    )


def _intake_form_data(body: IntakeIn) -> dict[str, Any]:
    answers = body.model_dump(exclude={"local_findings", "startback"})
    data = form_data(answers)
    for row, local in enumerate(body.local_findings):
        data.update({f"local_finding_{row}": local.finding, f"local_region_{row}": local.region,
                     f"local_side_{row}": local.side})  # fmt: skip
    for item, value in body.startback.items():
        if item not in forms.STARTBACK_ITEMS:
            raise InvalidInput([(f"startback.{item}", "Not a STarT Back item.")])
        data[item] = str(value)
    return data


# The intake form names a local finding's fields by row; the API by list position.
def _intake_field(name: str) -> str:
    if name.startswith("local_") and name[-1].isdigit():
        part, row = name[len("local_") :].rsplit("_", 1)
        return f"local_findings.{row}.{part}"
    if name.startswith("startback-"):
        return f"startback.{name}"
    return name


class IntakeBrief(Schema):
    id: int
    patient_id: int
    created: datetime
    triage_level: str


class IntakeOut(IntakeBrief):
    answers: dict[str, Any]
    screening: Screening = Field(description="The engine's screening as it stands now")
    newest: bool = Field(description="Only the newest intake decides whether care may go on")
    may_plan: bool
    blockers: list[str] = Field(description="What must happen before a course is planned")


def _intake_out(intake: IntakeRecord) -> dict[str, Any]:
    permission = service.care_permission(intake.patient)
    newest = permission.intake is not None and permission.intake.pk == intake.pk
    screening = permission.screening if newest else service.current_screening(intake)
    return {
        "id": intake.pk,
        "patient_id": intake.patient_id,
        "created": intake.created,
        "triage_level": intake.triage_level,
        "answers": intake.answers,
        "screening": screening,
        "newest": newest,
        "may_plan": newest and permission.allowed,
        "blockers": list(permission.blockers)
        if newest
        else ["A newer intake exists; plan from that one."],
    }


@router.get(
    "/patients/{patient_id}/intakes",
    response={200: list[IntakeBrief], **CLINICAL_ERRORS},
    summary="A patient's intakes, newest first",
)
@paginate(Pages)
def intake_list(request: HttpRequest, patient_id: Id) -> QuerySet[IntakeRecord]:
    patient = _patient(request, patient_id)
    audit(request, Action.VIEW, f"intakes of patient {patient.pk}", patient.pk)
    return IntakeRecord.objects.filter(patient=patient).order_by("-created", "-id")


@router.get(
    "/intakes/{intake_id}",
    response={200: IntakeOut, **CLINICAL_ERRORS},
    summary="An intake with the engine's screening",
)
def intake_detail(request: HttpRequest, intake_id: Id) -> dict[str, Any]:
    intake = _record(request, IntakeRecord, intake_id)
    audit(request, Action.VIEW, f"intake {intake.pk}", intake.patient_id)
    return _intake_out(intake)


@router.post(
    "/patients/{patient_id}/intakes",
    response={201: IntakeOut, **CLINICAL_ERRORS, **BODY_ERRORS},
    summary="Record an intake",
    description="Read and screened by the engine exactly as the intake form is; a problem "
    "the engine finds is a 422 naming the field.",
)
def intake_create(request: HttpRequest, patient_id: Id, body: IntakeIn) -> Status[Any]:
    patient = _patient(request, patient_id)
    form = forms.IntakeForm(_intake_form_data(body), patient=patient)
    checked(form, {name: _intake_field(name) for name in form.fields})
    assert form.intake is not None  # a valid form has read its intake
    intake = service.record_intake(
        patient.clinic, patient, user_of(request), form.intake, form.answers()
    )
    audit(request, Action.CREATE, f"intake {intake.pk}", patient.pk)
    return Status(201, _intake_out(intake))


# --- plans -----------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    patient_id: int
    intake_id: int
    start: date
    created: datetime
    course: CoursePlan


def _plan_out(plan: PlanRecord) -> dict[str, Any]:
    return {"id": plan.pk, "patient_id": plan.patient_id, "intake_id": plan.intake_id,
            "start": plan.start, "created": plan.created, "course": plan.course}  # fmt: skip


class PlanIn(StrictIn):
    start: date = Field(description="The first session")


@router.get(
    "/patients/{patient_id}/plans",
    response={200: list[PlanOut], **CLINICAL_ERRORS},
    summary="A patient's course plans",
)
@paginate(Pages)
def plan_list(request: HttpRequest, patient_id: Id) -> list[dict[str, Any]]:
    patient = _patient(request, patient_id)
    audit(request, Action.VIEW, f"plans of patient {patient.pk}", patient.pk)
    return [_plan_out(p) for p in PlanRecord.objects.filter(patient=patient).order_by("-id")]


@router.get("/plans/{plan_id}", response={200: PlanOut, **CLINICAL_ERRORS}, summary="A course plan")
def plan_detail(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    plan = _record(request, PlanRecord, plan_id)
    audit(request, Action.VIEW, f"plan {plan.pk}", plan.patient_id)
    return _plan_out(plan)


@router.post(
    "/intakes/{intake_id}/plans",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="Draft the course plan",
    description="Refused with 409 and the engine's reasons while screening does not allow a "
    "course (a red flag, a doctor's approval still awaited, a newer intake).",
)
def plan_create(request: HttpRequest, intake_id: Id, body: PlanIn) -> Status[Any]:
    intake = _record(request, IntakeRecord, intake_id)
    start = checked(forms.PlanForm(form_data(body.model_dump())))["start"]
    try:
        plan = service.draft_plan(intake, user_of(request), start)
    except InputError as exc:
        raise input_error(exc) from None
    except service.PlanNotAllowed as exc:
        blockers = service.care_permission(intake.patient).blockers
        shown = f"intake {intake.pk} (plan refused)"
        raise RefusedError(
            str(exc), blockers or (str(exc),), shown=shown, patient_id=intake.patient_id
        ) from None
    audit(request, Action.CREATE, f"plan {plan.pk}", plan.patient_id)
    return Status(201, _plan_out(plan))


# --- sessions --------------------------------------------------------------------------


class ChartedPoint(StrictIn):
    code: str = Code
    side: Literal["both", "left", "right", "midline"] = "both"


class SessionOut(Schema):
    id: int
    patient_id: int
    plan_id: int
    number: int
    day: date
    points: list[ChartedPoint]
    needles_inserted: int | None
    needles_removed: int | None
    needle_type: str
    needle_diameter_mm: float | None
    needle_length_mm: int | None
    depth_mm: str
    response_sought: str
    stimulation: str
    electrical_settings: str
    retention_minutes: int | None
    moxibustion: bool
    cupping: bool
    tui_na: bool
    ear_seeds: bool
    advice: str
    nrs_before: float | None
    nrs_after: float | None
    next_appointment: date | None
    restrictions_applied: list[str]
    closed: datetime | None


def _session_out(session: SessionRecord) -> dict[str, Any]:
    out = {name: getattr(session, name) for name in SessionOut.model_fields}
    out.update(id=session.pk, patient_id=session.patient_id, plan_id=session.plan_id)
    for name in ("needle_diameter_mm", "nrs_before", "nrs_after"):
        out[name] = number(getattr(session, name))
    return out


Count = Field(None, ge=0, le=1000, strict=True)


class ChartIn(StrictIn):
    """The session page's chart; a field left out keeps its current value."""

    day: date | None = None
    points: list[ChartedPoint] | None = Field(None, max_length=100)
    needles_inserted: int | None = Count
    needles_removed: int | None = Count
    needle_type: str | None = Field(None, max_length=120)
    needle_diameter_mm: float | None = Field(None, ge=0, le=99, allow_inf_nan=False)
    needle_length_mm: int | None = Field(None, ge=0, le=1000, strict=True)
    depth_mm: str | None = Field(None, max_length=60)
    response_sought: Literal["de_qi", "twitch", "none"] | None = None
    stimulation: Literal["manual", "electrical", "none"] | None = None
    electrical_settings: str | None = Field(None, max_length=200)
    retention_minutes: int | None = Field(None, ge=0, le=1000, strict=True)
    moxibustion: StrictBool | None = None
    cupping: StrictBool | None = None
    tui_na: StrictBool | None = None
    ear_seeds: StrictBool | None = None
    advice: str | None = Field(None, max_length=4000)
    nrs_before: float | None = Field(None, ge=0, le=10, allow_inf_nan=False)
    nrs_after: float | None = Field(None, ge=0, le=10, allow_inf_nan=False)
    next_appointment: date | None = None
    restrictions_applied: list[str] | None = Field(None, max_length=50)


class SessionStartIn(StrictIn):
    day: date


def _chart_form(session: SessionRecord, body: ChartIn) -> forms.SessionForm:
    """The page's session form, bound to the current chart with the API's changes on top."""
    current: dict[str, Any] = {
        name: getattr(session, name) for name in forms.SessionForm.Meta.fields
    }
    current["restrictions_applied"] = list(session.restrictions_applied)
    current["points"] = session.points
    current.update(body.model_dump(exclude_unset=True))
    if body.points is not None:
        current["points"] = [point.model_dump() for point in body.points]
    points = current.pop("points") or []
    data = form_data(current)
    data["points_text"] = "\n".join(f"{p['code']} {p['side']}" for p in points)
    screening = service.care_permission(session.patient).screening
    restrictions = screening.restricted_methods if screening else ()
    return forms.SessionForm(data, instance=session, restrictions=restrictions)


def _chart_refused(session: SessionRecord, exc: service.ChartRefused) -> RefusedError:
    reasons = [p.message for p in exc.check.refused] + [
        f"Confirm you applied: {r.label}: {r.rule} (add {r.key!r} to restrictions_applied)"
        for r in exc.check.to_acknowledge
    ]
    return RefusedError(
        "The chart check refuses this chart.",
        reasons or [str(exc)],
        shown=f"session {session.pk} (chart refused)",
        patient_id=session.patient_id,
    )


@router.get(
    "/plans/{plan_id}/sessions",
    response={200: list[SessionOut], **CLINICAL_ERRORS},
    summary="A plan's sessions",
)
@paginate(Pages)
def session_list(request: HttpRequest, plan_id: Id) -> list[dict[str, Any]]:
    plan = _record(request, PlanRecord, plan_id)
    audit(request, Action.VIEW, f"sessions of plan {plan.pk}", plan.patient_id)
    return [_session_out(s) for s in plan.sessions.order_by("number")]


@router.get(
    "/sessions/{session_id}",
    response={200: SessionOut, **CLINICAL_ERRORS},
    summary="A charted session",
)
def session_detail(request: HttpRequest, session_id: Id) -> dict[str, Any]:
    session = _record(request, SessionRecord, session_id)
    audit(request, Action.VIEW, f"session {session.pk}", session.patient_id)
    return _session_out(session)


@router.post(
    "/plans/{plan_id}/sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    summary="Open the next session",
    description="With the plan's points and sides filled in. Refused (409) while screening "
    "stops care or another session of the plan is still open.",
)
def session_create(request: HttpRequest, plan_id: Id, body: SessionStartIn) -> Status[Any]:
    plan = _record(request, PlanRecord, plan_id)
    day = checked(forms.SessionStartForm(form_data(body.model_dump())))["day"]
    try:
        session = service.open_session(plan, user_of(request), day)
    except InputError as exc:
        raise input_error(exc) from None
    except service.SessionNotOpenable as exc:
        shown = f"plan {plan.pk} (session refused)"
        raise RefusedError(str(exc), shown=shown, patient_id=plan.patient_id) from None
    audit(request, Action.CREATE, f"session {session.pk}", plan.patient_id)
    return Status(201, _session_out(session))


@router.patch(
    "/sessions/{session_id}",
    response={200: SessionOut, **WRITE_ERRORS},
    summary="Chart a session",
    description="Checked by the same chart check as the session page: a point or method the "
    "screening excludes, or a restriction not confirmed, is refused with 409 and the reasons.",
)
def session_chart(request: HttpRequest, session_id: Id, body: ChartIn) -> dict[str, Any]:
    session = _record(request, SessionRecord, session_id)
    if session.closed:
        raise RefusedError("This session is closed; its chart can no longer be changed.")
    form = _chart_form(session, body)
    checked(form, {"points_text": "points"})
    try:
        session = service.save_chart(form.chart())
    except InputError as exc:
        raise input_error(exc) from None
    except service.ChartRefused as exc:
        raise _chart_refused(session, exc) from None
    audit(request, Action.CHANGE, f"session {session.pk}", session.patient_id, changes_of(form))
    return _session_out(session)


@router.post(
    "/sessions/{session_id}/close",
    response={200: SessionOut, **WRITE_ERRORS},
    summary="Close a session",
    description="Refused (409) while the chart check refuses the chart or needles are "
    "unaccounted for.",
)
def session_close(request: HttpRequest, session_id: Id) -> dict[str, Any]:
    session = _record(request, SessionRecord, session_id)
    if session.closed:
        raise RefusedError("This session is already closed.")
    try:
        session = service.close_session(session, user_of(request))
    except service.ChartRefused as exc:
        raise _chart_refused(session, exc) from None
    except service.SessionNotClosable as exc:
        shown = f"session {session.pk} (closing refused)"
        raise RefusedError(str(exc), shown=shown, patient_id=session.patient_id) from None
    audit(request, Action.CHANGE, f"session {session.pk} closed", session.patient_id)
    return _session_out(session)


# --- scores ----------------------------------------------------------------------------


class ScoreOut(Schema):
    id: int
    patient_id: int
    instrument: str
    value: float
    day: date
    source: str
    session_id: int | None


class ScoreIn(StrictIn):
    instrument: str = Field(min_length=1, max_length=30, description="e.g. nrs, peg, rmdq, odi")
    value: float = Field(ge=-1000, le=1000, allow_inf_nan=False)
    day: date = Field(description="When it was measured: not in the future")


def _score_out(score: ScoreRecord) -> dict[str, Any]:
    return {"id": score.pk, "patient_id": score.patient_id, "instrument": score.instrument,
            "value": float(score.value), "day": score.day, "source": score.source,
            "session_id": score.session_id}  # fmt: skip


@router.get(
    "/patients/{patient_id}/scores",
    response={200: list[ScoreOut], **CLINICAL_ERRORS},
    summary="A patient's scores, oldest first",
)
@paginate(Pages)
def score_list(request: HttpRequest, patient_id: Id) -> list[dict[str, Any]]:
    patient = _patient(request, patient_id)
    audit(request, Action.VIEW, f"scores of patient {patient.pk}", patient.pk)
    scores = ScoreRecord.objects.filter(patient=patient).order_by("day", "id")
    return [_score_out(s) for s in scores]


@router.post(
    "/patients/{patient_id}/scores",
    response={201: ScoreOut, **CLINICAL_ERRORS, **BODY_ERRORS},
    summary="Record a score",
)
def score_create(request: HttpRequest, patient_id: Id, body: ScoreIn) -> Status[Any]:
    patient = _patient(request, patient_id)
    data = checked(forms.ScoreForm(form_data(body.model_dump())))
    try:
        score = service.record_score(
            patient.clinic, patient, user_of(request), data["instrument"], data["value"],
            data["day"],
        )  # fmt: skip
    except InputError as exc:
        raise input_error(exc) from None
    audit(request, Action.CREATE, f"score {score.pk}", patient.pk)
    return Status(201, _score_out(score))
