"""The clinic outcomes report: a page and its CSV, for the clinic admin."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service as clinics
from acuback.web.clinics.models import Clinic, Role
from acuback.web.reports import charts, service
from acuback.web.reports.forms import PeriodForm


def _admin_clinic(request: HttpRequest) -> Clinic:
    membership = clinics.membership_of(request.user)
    if membership.role != Role.ADMIN:
        raise PermissionDenied("The outcomes report is for the clinic admin.")
    return membership.clinic


def _report(request: HttpRequest) -> tuple[PeriodForm, service.OutcomeReport | None, str]:
    today = timezone.localdate()
    clinic = _admin_clinic(request)
    form = PeriodForm(request.GET or PeriodForm.default(today))
    if not form.is_valid():
        return form, None, "Enter both dates as dates."
    try:
        report = service.outcomes(
            clinic, form.cleaned_data["start"], form.cleaned_data["end"], today
        )
    except service.PeriodNotValid as error:
        return form, None, str(error)
    return form, report, ""


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    form, report, problem = _report(request)
    context: dict[str, Any] = {"form": form, "report": report, "problem": problem}
    if report is None:
        return _private(render(request, "reports/outcomes.html", context, status=400))
    record(request, Action.VIEW, f"Outcomes report, {report.period}", clinic=report.clinic)
    tables = [
        ("instrument", report.by_instrument),
        ("condition", report.by_condition),
        ("STarT Back risk", report.by_risk),
        ("practitioner", report.by_practitioner),
    ]
    context["tables"] = [
        (what, rows, charts.responder_chart(f"Responders by {what}", rows)) for what, rows in tables
    ]
    return _private(render(request, "reports/outcomes.html", context))


@login_required
def outcomes_csv(request: HttpRequest) -> HttpResponse:
    _, report, problem = _report(request)
    if report is None:
        return _private(HttpResponse(problem, status=400, content_type="text/plain"))
    record(request, Action.EXPORT, f"Outcomes report CSV, {report.period}", clinic=report.clinic)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"outcomes-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv.writer(response).writerows(service.csv_rows(report))
    return _private(response)
