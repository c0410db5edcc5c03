"""The patient's own plan: the current one, older ones, and any of them as a PDF.

The page and the PDF share one template body (`portal/plan_body.html`), so the PDF says
exactly what the page says; WeasyPrint prints it on the clinic's paper with `portal/plan.css`.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.care.models import PlanRecord
from acuback.web.clinics.models import Patient
from acuback.web.documents.pdf import pdf_response, render_pdf
from acuback.web.portal import plan_text
from acuback.web.portal.access import patient_view


def _page(request: HttpRequest, patient: Patient, plan: PlanRecord | None) -> HttpResponse:
    plans = plan_text.plans_of(patient)
    current = plans[0] if plans else None
    shown = plan or current
    context: dict[str, Any] = {
        "patient": patient,
        "section": "plan",
        "plan": plan_text.patient_plan(shown) if shown else None,
        "is_current": shown is not None and shown == current,
        "status": plan_text.status_of(patient),
        "older": sorted((p for p in plans if p != shown), key=lambda p: p.start, reverse=True),
    }
    what = f"portal plan {shown.pk}" if shown else "portal plan (none yet)"
    record(request, Action.VIEW, what, clinic=patient.clinic, patient_id=patient.pk)
    return render(request, "portal/plan.html", context)


@patient_view
def my_plan(request: HttpRequest, patient: Patient) -> HttpResponse:
    return _page(request, patient, None)


def _own(patient: Patient, plan_id: int) -> PlanRecord:
    try:
        return plan_text.plan_of(patient, plan_id)
    except plan_text.PlanNotFound as exc:
        raise Http404("No such plan") from exc


@patient_view
def one_plan(request: HttpRequest, patient: Patient, plan_id: int) -> HttpResponse:
    return _page(request, patient, _own(patient, plan_id))


@patient_view
def plan_pdf(request: HttpRequest, patient: Patient, plan_id: int) -> HttpResponse:
    plan = _own(patient, plan_id)
    shown = plan_text.patient_plan(plan)
    newest = plan_text.plans_of(patient)[0]
    pdf = render_pdf(
        "portal/plan_pdf.html",
        {
            "patient": patient,
            "plan": shown,
            "is_current": plan == newest,
            "status": plan_text.status_of(patient),
            "pdf": True,
        },
        paper=patient.clinic.paper_size,
        footer=patient.clinic.name,
        stylesheets=("portal/plan.css",),
        request=request,
    )
    return pdf_response(
        request,
        pdf,
        filename=f"my-plan-{shown.file_day}.pdf",
        what=f"portal plan {plan.pk} as PDF",
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
