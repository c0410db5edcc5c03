"""Thin views: read the request, call the service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.middleware import HtmxDetails

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service
from acuback.web.clinics.forms import PatientSearchForm


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("patient-list")


@login_required
def patient_list(request: HtmxRequest) -> HttpResponse:
    clinic = service.clinic_of(request.user)
    template = "clinics/_patient_rows.html" if request.htmx else "clinics/patient_list.html"
    search = PatientSearchForm(request.GET)
    if not search.is_valid():
        # Nothing is searched, so no patient is shown; the attempt is still on the trail.
        record(request, Action.VIEW, "patient list (search refused)", clinic=clinic,
               path=request.path)  # fmt: skip
        context = {"clinic": clinic, "patients": [], "search_errors": search.errors["q"]}
        return render(request, template, context, status=400)
    query = search.cleaned_data["q"]
    patients = service.patients_of(clinic, query)
    # The search words are left out of the trail: they are often a patient's name.
    what = "patient list" + (" (search)" if query else "")
    record(request, Action.VIEW, what, clinic=clinic, path=request.path)
    return render(request, template, {"clinic": clinic, "patients": patients, "query": query})
