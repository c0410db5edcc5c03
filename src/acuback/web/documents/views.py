"""Printed documents for staff, and the page that sends the doctor's-approval letter.

Thin: records are found within the user's clinic (another clinic's id is a 404, like a
missing one), the services decide, `pdf.document` prints, audits and sends.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from acuback.clinical.base import InputError, spoken
from acuback.web.audit.models import Action
from acuback.web.billing import presenters as billing_presenters
from acuback.web.billing import service as billing
from acuback.web.billing.views import billing_view
from acuback.web.care.models import IntakeRecord, PlanRecord, SessionRecord
from acuback.web.care.views import changed, clinical, record_of, staff, viewed
from acuback.web.clinics.models import Clinic, Membership, Patient
from acuback.web.documents import forms, presenters, service
from acuback.web.documents.models import ApprovalLetter
from acuback.web.documents.pdf import document
from acuback.web.portal import plan_text


def _name(patient: Patient) -> str:
    return f"{patient.given_name} {patient.family_name}"


def _footer(clinic: Clinic, title: str, patient: Patient) -> str:
    born = spoken(patient.date_of_birth)
    return f"{clinic.name} · {title} · {_name(patient)}, born {born}"


def _file_part(patient: Patient) -> str:
    return "-".join(f"{patient.given_name} {patient.family_name}".lower().split())


# --- the doctor's-approval letter and its reply --------------------------------------------


def _letter_of(clinic: Clinic, letter_id: int) -> ApprovalLetter:
    try:
        return service.letter_in(clinic, letter_id)
    except service.LetterNotFound as exc:
        raise Http404("No such letter") from exc


def _approval_page(
    request: HttpRequest,
    intake: IntakeRecord,
    letter_form: forms.LetterForm | None = None,
    reply_form: forms.ReplyForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    viewed(request, f"doctor's approval letters for intake {intake.pk}", intake.patient)
    case = service.approval_case(intake)
    letters = service.letters_of(intake)
    awaiting = next((x for x in letters if x.reply_id is None), None)
    return render(
        request,
        "documents/approval.html",
        {
            "intake": intake,
            "patient": intake.patient,
            "case": case,
            "letters": letters,
            "awaiting": awaiting,
            "letter_form": letter_form or forms.LetterForm(initial={"question": case.question}),
            "reply_form": reply_form
            or forms.ReplyForm(initial={"replied_on": timezone.localdate()}),
            "problem": problem,
        },
        status=status,
    )


@clinical
def approval(request: HttpRequest, clinic: Clinic, intake_id: int) -> HttpResponse:
    return _approval_page(request, record_of(IntakeRecord, clinic, intake_id))


@clinical
@require_POST
def letter_create(request: HttpRequest, clinic: Clinic, intake_id: int) -> HttpResponse:
    intake = record_of(IntakeRecord, clinic, intake_id)
    form = forms.LetterForm(request.POST)
    if not form.is_valid():
        return _approval_page(request, intake, letter_form=form, status=400)
    try:
        letter = service.send_letter(intake, staff(request), form.cleaned_data["question"])
    except InputError as exc:
        form.add_error("question", exc.sentence)
        return _approval_page(request, intake, letter_form=form, status=400)
    except service.LetterNotNeeded as exc:
        return _approval_page(request, intake, letter_form=form, problem=str(exc), status=409)
    changed(request, Action.CREATE, f"approval letter {letter.pk}", intake.patient)
    messages.success(request, f"Letter {letter.reference} recorded: download it below to send.")
    return redirect("documents-approval", intake_id=intake.pk)


@clinical
def letter_pdf(request: HttpRequest, clinic: Clinic, letter_id: int) -> HttpResponse:
    letter = _letter_of(clinic, letter_id)
    patient = letter.patient
    context: dict[str, Any] = {
        "letter": letter,
        "patient": patient,
        "case": service.approval_case(letter.intake),
        "sent_on": spoken(letter.sent_on),
        "born": spoken(patient.date_of_birth),
        "signed_by": presenters.person(letter.created_by),
    }
    return document(
        request,
        "documents/approval_letter.html",
        context,
        clinic=clinic,
        patient_id=patient.pk,
        filename=f"doctors-approval-{_file_part(patient)}-{letter.reference}.pdf",
        what=f"approval letter {letter.pk} as PDF",
        footer=_footer(clinic, f"Letter {letter.reference}", patient),
    )


@clinical
@require_POST
def reply_create(request: HttpRequest, clinic: Clinic, letter_id: int) -> HttpResponse:
    letter = _letter_of(clinic, letter_id)
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        return _approval_page(request, letter.intake, reply_form=form, status=400)
    data = form.cleaned_data
    try:
        decision = service.record_reply(
            letter, staff(request), data["approved"], data["replied_on"], data["note"]
        )
    except InputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.sentence)
        return _approval_page(request, letter.intake, reply_form=form, status=400)
    changed(request, Action.CREATE, f"decision {decision.pk} (reply to approval letter "
            f"{letter.pk})", letter.patient)  # fmt: skip
    messages.success(request, f"Recorded: {decision.get_kind_display()}.")
    return redirect("intake-detail", intake_id=letter.intake_id)


# --- the plan handout, the progress letter and the session record -------------------------


@clinical
def plan_handout(request: HttpRequest, clinic: Clinic, plan_id: int) -> HttpResponse:
    plan = record_of(PlanRecord, clinic, plan_id)
    patient = plan.patient
    shown = plan_text.patient_plan(plan)
    newest = plan_text.plans_of(patient)[0]
    return document(
        request,
        "documents/plan_handout.html",
        {
            "patient": patient,
            "plan": shown,
            "is_current": plan == newest,
            "status": plan_text.status_of(patient),
        },
        clinic=clinic,
        patient_id=patient.pk,
        filename=f"plan-{_file_part(patient)}-{shown.file_day}.pdf",
        what=f"plan {plan.pk} handout as PDF",
        footer=_footer(clinic, "Your plan", patient),
    )


@clinical
def progress_letter(request: HttpRequest, clinic: Clinic, plan_id: int) -> HttpResponse:
    plan = record_of(PlanRecord, clinic, plan_id)
    patient = plan.patient
    return document(
        request,
        "documents/progress_letter.html",
        {
            "patient": patient,
            "plan": plan,
            "progress": presenters.progress(plan),
            "today": spoken(timezone.localdate()),
            "born": spoken(patient.date_of_birth),
            "signed_by": presenters.person(staff(request)),
        },
        clinic=clinic,
        patient_id=patient.pk,
        filename=f"progress-{_file_part(patient)}-{timezone.localdate().isoformat()}.pdf",
        what=f"plan {plan.pk} progress letter as PDF",
        footer=_footer(clinic, "Progress letter", patient),
    )


@clinical
def session_record(request: HttpRequest, clinic: Clinic, session_id: int) -> HttpResponse:
    session = record_of(SessionRecord, clinic, session_id)
    patient = session.patient
    return document(
        request,
        "documents/session_record.html",
        {
            "patient": patient,
            "sheet": presenters.session_sheet(session),
            "born": spoken(patient.date_of_birth),
        },
        clinic=clinic,
        patient_id=patient.pk,
        filename=f"session-{session.number}-{_file_part(patient)}-{session.day.isoformat()}.pdf",
        what=f"session {session.pk} record as PDF",
        footer=_footer(clinic, f"Session {session.number}", patient),
    )


# --- the invoice or receipt ------------------------------------------------------------------


@billing_view
def invoice_pdf(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    invoice = billing.invoice_in(membership.clinic, invoice_id)
    name = billing_presenters.document_name(invoice)
    lines = [
        (line.description, billing_presenters.money(line.amount, invoice.currency))
        for line in invoice.lines.all()
    ]
    return document(
        request,
        "documents/invoice.html",
        {
            "invoice": invoice,
            "patient": invoice.patient,
            "document_name": name,
            "lines": lines,
            "total": billing_presenters.money(invoice.total, invoice.currency),
            "visit_on": spoken(invoice.visit_on),
            "issued_on": spoken(invoice.issued_on),
            "paid_on": spoken(invoice.paid_on) if invoice.paid_on else "",
            "paid_how": billing_presenters.paid_how(invoice),
        },
        clinic=membership.clinic,
        patient_id=invoice.patient_id,
        filename=f"{name.lower()}-{invoice.number}.pdf",
        what=f"{name.lower()} {invoice.number} as PDF",
        footer=f"{membership.clinic.name} · {name} {invoice.number}",
    )
