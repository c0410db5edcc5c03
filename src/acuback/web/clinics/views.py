"""Thin views: read the request, call the service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.middleware import HtmxDetails

from acuback.web.audit.models import Action
from acuback.web.audit.service import changes_of, record
from acuback.web.clinics import service
from acuback.web.clinics.forms import PatientForm, PatientSearchForm, RegisterPatientForm
from acuback.web.clinics.models import Clinic, Patient

PATIENTS_PER_PAGE = 50


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from acuback.web.portal.service import is_patient  # the portal builds on the clinics

    return redirect("portal-home" if is_patient(request.user) else "patient-list")


@login_required
def patient_list(request: HtmxRequest) -> HttpResponse:
    clinic = _clinic(request)
    template = "clinics/_patient_rows.html" if request.htmx else "clinics/patient_list.html"
    search = PatientSearchForm(request.GET)
    if not search.is_valid():
        # Nothing is searched, so no patient is shown; the attempt is still on the trail.
        record(request, Action.VIEW, "patient list (search refused)", clinic=clinic,
               path=request.path)  # fmt: skip
        context = {"clinic": clinic, "patients": [], "search_errors": search.errors["q"]}
        return render(request, template, context, status=400)
    query = search.cleaned_data["q"]
    page = Paginator(service.patients_of(clinic, query), PATIENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # The search words are left out of the trail: they are often a patient's name.
    what = "patient list" + (" (search)" if query else "")
    record(request, Action.VIEW, what, clinic=clinic, path=request.path)
    context = {
        "clinic": clinic,
        "patients": page.object_list,
        "page": page,
        "query": query,
        # The page links keep the search, so page 2 is page 2 of the same patients.
        "search_kept": urlencode({"q": query}) + "&" if query else "",
    }
    return render(request, template, context)


def _clinic(request: HttpRequest) -> Clinic:
    try:
        return service.staff_membership(request.user).clinic
    except service.NotStaff as exc:
        raise Http404("No clinic for this account") from exc


def _patient(clinic: Clinic, patient_id: int) -> Patient:
    try:
        return service.find_patient(clinic, patient_id)
    except service.PatientNotFound as exc:
        raise Http404("No such patient") from exc


@login_required
def patient_new(request: HttpRequest) -> HttpResponse:
    """Register a patient. Every staff role may: reception registers most of them."""
    clinic = _clinic(request)
    posted = request.method == "POST"
    form = RegisterPatientForm(request.POST if posted else None)
    duplicates: list[Patient] = []
    if posted and form.is_valid():
        try:
            patient = service.register_patient(
                clinic,
                form.save(commit=False),
                different_person=form.cleaned_data["different_person"],
            )
        except service.PossibleDuplicates as found:
            duplicates = found.matches
            form.add_error(
                "different_person",
                "Open the existing record, or tick “This is a different person” to register "
                "a new patient.",
            )
        else:
            record(request, Action.CREATE, f"patient {patient.pk} registered", clinic=clinic,
                   patient_id=patient.pk)  # fmt: skip
            messages.success(request, "Patient registered.")
            return redirect("patient-detail", patient.pk)
    elif posted:
        # A form with other mistakes still shows who it may duplicate, so the tick is kept.
        duplicates = _duplicates_of(clinic, form)
    for match in duplicates:
        record(request, Action.VIEW, f"patient {match.pk} (shown as a possible duplicate)",
               clinic=clinic, patient_id=match.pk)  # fmt: skip
    if not duplicates:
        record(request, Action.VIEW, "patient registration form", clinic=clinic)
    context = {"form": form, "duplicates": duplicates, "clinic": clinic, "patient": None}
    return render(request, "clinics/patient_form.html", context, status=400 if posted else 200)


def _duplicates_of(clinic: Clinic, form: RegisterPatientForm) -> list[Patient]:
    cleaned = getattr(form, "cleaned_data", {})
    if not all(cleaned.get(name) for name in ("given_name", "family_name", "date_of_birth")):
        return []
    return service.possible_duplicates(
        clinic, cleaned["given_name"], cleaned["family_name"], cleaned["date_of_birth"]
    )


@login_required
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Change a patient's demographics; every staff role may."""
    clinic = _clinic(request)
    patient = _patient(clinic, patient_id)
    posted = request.method == "POST"
    form = PatientForm(request.POST if posted else None, instance=patient)
    if posted and form.is_valid():
        changed = [str(form.fields[name].label) for name in form.changed_data]
        service.save_details(form.save(commit=False))
        what = f"patient {patient.pk} details: " + (", ".join(changed) or "nothing changed")
        record(request, Action.CHANGE, what, clinic=clinic, patient_id=patient.pk,
               changes=changes_of(form))  # fmt: skip
        messages.success(request, "Details saved.")
        return redirect("patient-detail", patient.pk)
    record(request, Action.VIEW, f"patient {patient.pk} (details form)", clinic=clinic,
           patient_id=patient.pk)  # fmt: skip
    context = {"form": form, "duplicates": [], "clinic": clinic, "patient": patient}
    return render(request, "clinics/patient_form.html", context, status=400 if posted else 200)
