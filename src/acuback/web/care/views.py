"""Thin views over the care service: read the request, call the service, render, audit.

Every view that touches patient data writes one audit event. Records are always looked
up within the signed-in user's clinic, so another clinic's record answers 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from acuback.clinical.base import InputError
from acuback.clinical.screening import Restriction, Screening, screen
from acuback.knowledge.loader import knowledge_base
from acuback.web.audit.models import Action
from acuback.web.audit.service import changes_of, record
from acuback.web.care import forms, presenters, service
from acuback.web.care.models import IntakeRecord, PlanRecord, SessionRecord
from acuback.web.checkins import service as check_ins
from acuback.web.clinics import service as clinics
from acuback.web.clinics.models import Clinic, Patient, Role
from acuback.web.paging import page_number
from acuback.web.portal import message_service as conversations
from acuback.web.portal.service import portal_status

View = Callable[..., HttpResponse]
POINT_ROLES = ("local", "adjacent", "distal", "auricular")


# The record each URL names, so that `clinical` answers 404 for another clinic's record
# before it answers 403 for a role: nobody learns anything about another clinic.
SCOPED: dict[str, type[Model]] = {
    "patient_id": Patient,
    "intake_id": IntakeRecord,
    "plan_id": PlanRecord,
    "session_id": SessionRecord,
}


def clinical(view: View) -> View:
    """Practitioners and clinic admins; reception books and greets but reads no notes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = clinics.membership_of(request.user)
        if membership.role == Role.RECEPTION:
            # Only here does anything answer before the view's own clinic-scoped fetch (which
            # gives the 404): the record is looked for first so that reception learns no
            # more about another clinic than a missing record would tell.
            for name, model in SCOPED.items():
                if (
                    name in kwargs
                    and not model._default_manager.filter(
                        clinic=membership.clinic, pk=kwargs[name]
                    ).exists()
                ):
                    raise Http404("No such record")
            raise PermissionDenied("Clinical records are for practitioners.")
        return view(request, membership.clinic, *args, **kwargs)

    return login_required(wrapper)


def staff(request: HttpRequest) -> User:
    """The signed-in user; `clinical` has already turned everyone else away."""
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user


def _input_error(form: Any, exc: InputError) -> None:
    # A rule names a field like "day" or "start"; show the problem beside that field.
    form.add_error(exc.field if exc.field in form.fields else None, exc.sentence)


def record_of(model: type[Model], clinic: Clinic, pk: int) -> Any:
    try:
        found: Any = service.get_record(model, clinic, pk)
    except service.RecordNotFound as exc:
        raise Http404("No such record") from exc
    # It and its patient are of this clinic (get_record filtered on it): the audit rows and
    # the cost estimate name the clinic without reading it again.
    found.clinic = found.patient.clinic = clinic
    return found


def viewed(request: HttpRequest, what: str, patient: Patient) -> None:
    record(request, Action.VIEW, what, clinic=patient.clinic, patient_id=patient.pk)


def changed(
    request: HttpRequest,
    action: Action,
    what: str,
    patient: Patient,
    changes: dict[str, list[str | None]] | None = None,
) -> None:
    record(request, action, what, clinic=patient.clinic, patient_id=patient.pk, changes=changes)


@login_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    membership = clinics.membership_of(request.user)
    patient = clinics.patient_of(membership.clinic, patient_id)
    if membership.role == Role.RECEPTION:
        viewed(request, f"patient {patient.pk} (demographics)", patient)
        context = {"patient": patient, "clinical": False, "portal": portal_status(patient)}
        return render(request, "care/patient_detail.html", context)
    return _patient_page(request, patient)


def _patient_page(
    request: HttpRequest,
    patient: Patient,
    score_form: forms.ScoreForm | None = None,
    message_form: forms.MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewed(request, f"patient {patient.pk}", patient)
    timeline = presenters.timeline(patient, page_number(request.GET.get("timeline")))
    plan = PlanRecord.objects.filter(patient=patient).select_related("intake").first()
    scores, diary = service.clinic_and_diary_scores(patient, plan)
    context = {
        "patient": patient,
        "clinical": True,
        "timeline": timeline.entries,
        "timeline_page": timeline,
        "charts": presenters.outcome_charts(scores, diary),
        "outcome": service.outcome_for(scores, plan),
        # Opening the page reads the patient's messages (they are marked as read).
        "conversation": conversations.open_for_clinic(patient, staff(request)),
        "portal": portal_status(patient),
        "plan": plan,
        "score_form": score_form or forms.ScoreForm(initial={"day": date.today()}),
        "message_form": message_form or forms.MessageForm(),
    }
    return render(request, "care/patient_detail.html", context, status=status)


@clinical
@require_POST
def score_create(request: HttpRequest, clinic: Clinic, patient_id: int) -> HttpResponse:
    patient = clinics.patient_of(clinic, patient_id)
    form = forms.ScoreForm(request.POST)
    if not form.is_valid():
        return _patient_page(request, patient, score_form=form, status=400)
    data = form.cleaned_data
    try:
        score = service.record_score(
            clinic, patient, staff(request), data["instrument"], data["value"], data["day"]
        )
    except InputError as exc:
        _input_error(form, exc)
        return _patient_page(request, patient, score_form=form, status=400)
    changed(request, Action.CREATE, f"score {score.pk}", patient)
    messages.success(request, "Score saved.")
    return redirect("patient-detail", patient_id=patient.pk)


@clinical
@require_POST
def message_create(request: HttpRequest, clinic: Clinic, patient_id: int) -> HttpResponse:
    patient = clinics.patient_of(clinic, patient_id)
    form = forms.MessageForm(request.POST)
    if not form.is_valid():
        return _patient_page(request, patient, message_form=form, status=400)
    message = service.record_message(clinic, patient, staff(request), form.cleaned_data["body"])
    changed(request, Action.CREATE, f"message {message.pk}", patient)
    link = request.build_absolute_uri(reverse("portal-messages"))
    if conversations.notify_patient(message, link):
        messages.success(request, "Message sent: the patient was emailed to sign in and read it.")
    else:
        messages.success(request, "Message saved to the record; no email notice was sent.")
    return redirect("patient-detail", patient_id=patient.pk)


@clinical
def patient_export(request: HttpRequest, clinic: Clinic, patient_id: int) -> HttpResponse:
    patient = clinics.patient_of(clinic, patient_id)
    changed(request, Action.EXPORT, f"patient {patient.pk} record", patient)
    body = json.dumps(presenters.export_patient(patient), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.json"'
    return response


@clinical
def intake_new(request: HttpRequest, clinic: Clinic, patient_id: int) -> HttpResponse:
    patient = clinics.patient_of(clinic, patient_id)
    form = forms.IntakeForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid() and form.intake is not None:
        intake = service.record_intake(clinic, patient, staff(request), form.intake, form.answers())
        changed(request, Action.CREATE, f"intake {intake.pk}", patient)
        messages.success(request, f"Intake saved: {intake.screening.triage.label}.")
        return redirect("intake-detail", intake_id=intake.pk)
    viewed(request, f"new intake form for patient {patient.pk}", patient)
    screening = _preview(form) if form.is_bound else None
    return render(
        request,
        "care/intake_form.html",
        {"form": form, "patient": patient, **screening_context(screening)},
        status=400 if form.is_bound else 200,
    )


def _preview(form: forms.IntakeForm) -> tuple[Screening | None, str | None]:
    """The engine's screening of the answers so far, and what still needs fixing.

    With a field wrong, the screening of everything else is still shown: a typo in the
    duration must not hide a red flag ticked above it.
    """
    if form.is_valid() and form.intake is not None:
        return screen(form.intake, knowledge_base()), None
    problem = "Incomplete: fix the fields marked in red. Shown so far from the other answers."
    partial = form.partial_intake()
    if partial is None:
        return None, "Fix the fields marked in red to see the screening."
    return screen(partial, knowledge_base()), problem


def screening_context(result: tuple[Screening | None, str | None] | None) -> dict[str, Any]:
    screening, problem = result or (None, None)
    return {"screening": screening, "problem": problem}


@clinical
@require_POST
def intake_preview(request: HttpRequest, clinic: Clinic, patient_id: int) -> HttpResponse:
    """The live triage panel: the intake form posts here on every change.

    Not audited: it shows only what the practitioner has just typed, nothing stored, and
    would write an event per keystroke. The saved intake is audited.
    """
    patient = clinics.patient_of(clinic, patient_id)
    form = forms.IntakeForm(request.POST, patient=patient)
    result = _preview(form)
    # Each field's errors travel with the panel (htmx out-of-band), so the field the
    # summary depends on is marked the moment it goes wrong, and cleared once fixed.
    context = {**screening_context(result), "form": form}
    return render(request, "care/_preview.html", context)


@clinical
def intake_detail(request: HttpRequest, clinic: Clinic, intake_id: int) -> HttpResponse:
    intake = record_of(IntakeRecord, clinic, intake_id)
    decision_form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and decision_form.is_valid():
        data = decision_form.cleaned_data
        try:
            decision = service.record_decision(
                intake, staff(request), data["kind"], data["on"], data["note"]
            )
        except InputError as exc:
            _input_error(decision_form, exc)
        else:
            changed(request, Action.CREATE, f"decision {decision.pk} on intake {intake.pk}",
                    intake.patient)  # fmt: skip
            messages.success(request, f"Recorded: {decision.get_kind_display()}.")
            return redirect("intake-detail", intake_id=intake.pk)
    return _intake_page(request, intake, decision_form=decision_form)


def _intake_page(
    request: HttpRequest,
    intake: IntakeRecord,
    decision_form: forms.DecisionForm | None = None,
    plan_form: forms.PlanForm | None = None,
    plan_problem: str | None = None,
) -> HttpResponse:
    viewed(request, f"intake {intake.pk}", intake.patient)
    bound = (decision_form and decision_form.is_bound) or (plan_form and plan_form.is_bound)
    permission = service.care_permission(intake.patient)
    newest = permission.intake
    return render(
        request,
        "care/intake_detail.html",
        {
            "intake": intake,
            "patient": intake.patient,
            # The newest intake's screening is the permission's; an older one is re-screened.
            "screening": permission.screening
            if newest is not None and newest.pk == intake.pk
            else service.current_screening(intake),
            "permission": permission,
            "superseded_by": newest if newest and newest.pk != intake.pk else None,
            "answers": presenters.intake_answers(intake),
            "decisions": intake.decisions.all(),
            "decision_form": decision_form or forms.DecisionForm(),
            "plan_form": plan_form or forms.PlanForm(initial={"start": date.today()}),
            "plan_problem": plan_problem,
            "plans": intake.plans.all(),
        },
        status=400 if bound else 200,
    )


@clinical
@require_POST
def plan_create(request: HttpRequest, clinic: Clinic, intake_id: int) -> HttpResponse:
    intake = record_of(IntakeRecord, clinic, intake_id)
    form = forms.PlanForm(request.POST)
    if not form.is_valid():
        return _intake_page(request, intake, plan_form=form)
    try:
        plan = service.draft_plan(intake, staff(request), form.cleaned_data["start"])
    except InputError as exc:
        _input_error(form, exc)
        return _intake_page(request, intake, plan_form=form)
    except service.PlanNotAllowed as exc:
        return _intake_page(request, intake, plan_form=form, plan_problem=str(exc))
    changed(request, Action.CREATE, f"plan {plan.pk}", plan.patient)
    messages.success(request, "Course plan drafted.")
    return redirect("plan-detail", plan_id=plan.pk)


@clinical
def plan_detail(request: HttpRequest, clinic: Clinic, plan_id: int) -> HttpResponse:
    return _plan_page(request, record_of(PlanRecord, clinic, plan_id))


def _plan_page(
    request: HttpRequest,
    plan: PlanRecord,
    session_form: forms.SessionStartForm | None = None,
    session_problem: str | None = None,
    status: int = 200,
) -> HttpResponse:
    viewed(request, f"plan {plan.pk}", plan.patient)
    today = date.today()
    reviews = service.review_points(plan, today)
    scores, diary = service.clinic_and_diary_scores(plan.patient, plan)
    permission = service.care_permission(plan.patient)
    course = plan.course
    return render(
        request,
        "care/plan_detail.html",
        {
            "plan": plan,
            "course": course,
            "patient": plan.patient,
            "by_role": [
                (role, [p for p in course.points if p.role == role]) for role in POINT_ROLES
            ],
            "side_labels": presenters.SIDE_LABELS,
            "restrictions": permission.screening.restricted_methods if permission.screening else (),
            "body_map": presenters.plan_body_map(plan),
            "schedule": presenters.schedule(plan),
            "next_number": service.next_session_number(plan),
            "session_form": session_form or forms.SessionStartForm(initial={"day": today}),
            "session_problem": session_problem or " ".join(permission.blockers),
            "reviews": reviews,
            "review_due": any(r.due for r in reviews),
            "outcome": service.outcome_for(scores, plan),
            "charts": presenters.outcome_charts(scores, diary),
        },
        status=status,
    )


@clinical
@require_POST
def session_create(request: HttpRequest, clinic: Clinic, plan_id: int) -> HttpResponse:
    plan = record_of(PlanRecord, clinic, plan_id)
    form = forms.SessionStartForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, plan, session_form=form, status=400)
    try:
        session = service.open_session(plan, staff(request), form.cleaned_data["day"])
    except InputError as exc:
        _input_error(form, exc)
        return _plan_page(request, plan, session_form=form, status=400)
    except service.SessionNotOpenable as exc:
        return _plan_page(request, plan, form, session_problem=str(exc), status=409)
    changed(request, Action.CREATE, f"session {session.pk}", plan.patient)
    messages.success(request, f"Session {session.number} opened with the plan's points.")
    return redirect("session-detail", session_id=session.pk)


@clinical
def session_detail(request: HttpRequest, clinic: Clinic, session_id: int) -> HttpResponse:
    session = record_of(SessionRecord, clinic, session_id)
    restrictions = _restrictions(session)
    if request.method != "POST":
        form = forms.SessionForm(instance=session, restrictions=restrictions)
        return _session_page(request, session, form)
    form = forms.SessionForm(request.POST, instance=session, restrictions=restrictions)
    if session.closed:
        # Shown with what was typed, so it can be copied into a note; nothing is saved.
        problem = "This session is closed; its chart can no longer be changed."
        return _session_page(request, session, form, problem=problem, status=409)
    if not form.is_valid():
        return _session_page(request, session, form, status=400)
    try:
        session = service.save_chart(form.chart())
    except InputError as exc:
        _input_error(form, exc)
        return _session_page(request, session, form, status=400)
    except service.ChartRefused as exc:
        _chart_errors(form, exc)
        return _session_page(request, session, form, status=400)
    changed(request, Action.CHANGE, f"session {session.pk}", session.patient, changes_of(form))
    if "close" not in request.POST:
        messages.success(request, "Chart saved.")
        return redirect("session-detail", session_id=session.pk)
    try:
        service.close_session(session, staff(request))
    except service.ChartRefused as exc:
        _chart_errors(form, exc)
        return _session_page(request, session, form, status=409)
    except service.SessionNotClosable as exc:
        # The chart is saved; only closing waits until every needle is accounted for.
        return _session_page(request, session, form, problem=str(exc), status=409)
    changed(request, Action.CHANGE, f"session {session.pk} closed", session.patient)
    messages.success(request, f"Session {session.number} saved and closed.")
    return redirect("plan-detail", plan_id=session.plan.pk)


def _restrictions(session: SessionRecord) -> tuple[Restriction, ...]:
    screening = service.care_permission(session.patient).screening
    return screening.restricted_methods if screening else ()


# The chart rule names what it refuses by what it is; the form names its fields.
CHART_FIELDS = {"points": "points_text", "electrical": "stimulation"}


def _chart_errors(form: forms.SessionForm, exc: service.ChartRefused) -> None:
    for problem in exc.check.refused:
        name = CHART_FIELDS.get(problem.field, problem.field)
        form.add_error(name if name in form.fields else None, problem.message)
    for restriction in exc.check.to_acknowledge:
        form.add_error(
            "restrictions_applied" if "restrictions_applied" in form.fields else None,
            f"Confirm you applied: {restriction.label}: {restriction.rule}",
        )


def _session_page(
    request: HttpRequest,
    session: SessionRecord,
    form: forms.SessionForm,
    event_form: forms.AdverseEventForm | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HttpResponse:
    viewed(request, f"session {session.pk}", session.patient)
    return render(
        request,
        "care/session_form.html",
        {
            "session": session,
            "form": form,
            "event_form": event_form or forms.AdverseEventForm(),
            "problem": problem,
            "patient": session.patient,
            "plan": session.plan,
            "restrictions": form.restrictions,
            "events": session.adverse_events.all(),
            "check_in": check_ins.status_of(session),
        },
        status=status,
    )


@clinical
@require_POST
def adverse_event_create(request: HttpRequest, clinic: Clinic, session_id: int) -> HttpResponse:
    session = record_of(SessionRecord, clinic, session_id)
    form = forms.AdverseEventForm(request.POST)
    if not form.is_valid():
        chart = forms.SessionForm(instance=session, restrictions=_restrictions(session))
        return _session_page(request, session, chart, event_form=form, status=400)
    event = service.record_adverse_event(session, staff(request), form.cleaned_data)
    changed(request, Action.CREATE, f"adverse event {event.pk}", session.patient)
    messages.success(request, "Adverse event recorded.")
    return redirect("session-detail", session_id=session.pk)
