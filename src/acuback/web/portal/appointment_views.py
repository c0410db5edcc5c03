"""The patient's own appointments in the portal: see, book a free time, ask for a home visit,
add to a calendar, cancel within the clinic's notice. Thin: the rules are in
`appointments.patient_booking` and the appointment book's `service`.

Every page goes through `patient_view`, and every appointment is looked up among the
signed-in patient's own: anyone else's id answers 404. Every view writes an audit row.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from acuback.clinical.base import InputError
from acuback.web.appointments import patient_booking, service
from acuback.web.appointments.models import Appointment, AppointmentType
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics.models import Patient
from acuback.web.portal.access import patient_view
from acuback.web.portal.appointment_forms import ChooseDayForm, HomeVisitForm

SECTION = "appointments"


def _audit(request: HttpRequest, patient: Patient, action: Action, what: str) -> None:
    record(request, action, what, clinic=patient.clinic, patient_id=patient.pk)


def _own(patient: Patient, appointment_id: int) -> Appointment:
    try:
        return patient_booking.appointment_of(patient, appointment_id)
    except service.NotFound as exc:
        raise Http404("No such appointment") from exc


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # patient_view lets only a patient's account in
    return request.user


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@patient_view
def appointments(request: HttpRequest, patient: Patient) -> HttpResponse:
    now = timezone.now()
    rules = service.rules_for(patient.clinic)
    upcoming = [
        {
            "appointment": a,
            "can_cancel": patient_booking.can_cancel_online(a, rules, now),
        }
        for a in patient_booking.upcoming(patient, now)
    ]
    _audit(request, patient, Action.VIEW, "portal appointments")
    return render(
        request,
        "portal/appointments.html",
        {
            "patient": patient,
            "section": SECTION,
            "upcoming": upcoming,
            "past": patient_booking.past(patient, now),
            "requests": patient_booking.requests_of(patient),
            "rules": rules,
        },
    )


@patient_view
def all_ics(request: HttpRequest, patient: Patient) -> HttpResponse:
    coming = patient_booking.upcoming(patient)
    _audit(request, patient, Action.EXPORT, "portal appointments calendar file")
    body = service.ics(coming, patient.clinic.name, travel=False)
    return _ics_response(body, "my-appointments.ics")


@patient_view
def appointment_ics(request: HttpRequest, patient: Patient, appointment_id: int) -> HttpResponse:
    appointment = _own(patient, appointment_id)
    _audit(request, patient, Action.EXPORT, f"portal calendar file of appointment {appointment.pk}")
    body = service.ics([appointment], patient.clinic.name, travel=False)
    return _ics_response(body, f"appointment-{appointment.pk}.ics")


@require_http_methods(["GET", "POST"])
@patient_view
def cancel(request: HttpRequest, patient: Patient, appointment_id: int) -> HttpResponse:
    """GET asks to confirm (or says to phone, inside the notice); POST cancels."""
    appointment = _own(patient, appointment_id)
    rules = service.rules_for(patient.clinic)
    context: dict[str, Any] = {
        "patient": patient,
        "section": SECTION,
        "appointment": appointment,
        "rules": rules,
        "deadline": patient_booking.cancel_deadline(appointment, rules),
        "booked": appointment.status == "booked",
        "can_cancel": patient_booking.can_cancel_online(appointment, rules),
    }
    if request.method != "POST":
        _audit(request, patient, Action.VIEW, f"portal cancel page of appointment {appointment.pk}")
        return render(request, "portal/appointment_cancel.html", context)
    try:
        patient_booking.cancel(patient, appointment.pk)
    except (patient_booking.TooLateToCancel, service.TransitionRefused) as refused:
        _audit(
            request, patient, Action.VIEW, f"portal cancel refused, appointment {appointment.pk}"
        )
        context.update(problem=str(refused), can_cancel=False)
        return render(request, "portal/appointment_cancel.html", context, status=409)
    _audit(request, patient, Action.CHANGE, f"appointment {appointment.pk} cancelled by patient")
    messages.success(
        request, f"Cancelled: {appointment.type.name} on {service.when(appointment.starts_at)}."
    )
    return redirect("portal-appointments")


# --- booking -----------------------------------------------------------------------------


def _day_form(request: HttpRequest, patient: Patient) -> ChooseDayForm:
    clinic = patient.clinic
    if "day" in request.GET or "type" in request.GET:
        return ChooseDayForm(request.GET, clinic=clinic)
    return ChooseDayForm(clinic=clinic, initial={"day": timezone.localdate()})


def _free(form: ChooseDayForm, patient: Patient) -> list[patient_booking.FreeTime] | None:
    """The free times the chosen day offers, or None (and the error beside the field)."""
    if not form.is_bound or not form.is_valid():
        return None
    clinic = patient.clinic
    data = form.cleaned_data
    practitioner = None
    if data["practitioner"]:
        practitioner = service.practitioner_in(clinic, data["practitioner"])
    try:
        type_ = patient_booking.bookable_type(clinic, data["type"])
        return patient_booking.free_times(clinic, type_, data["day"], practitioner)
    except InputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.sentence)
        return None


def _book_page(
    request: HttpRequest,
    patient: Patient,
    form: ChooseDayForm,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    try:
        free = _free(form, patient)
    except service.NotFound as exc:
        raise Http404("No such practitioner") from exc
    _audit(request, patient, Action.VIEW, "portal booking: free times")
    context = {
        "patient": patient,
        "section": SECTION,
        "form": form,
        "free": free,
        "problem": problem,
        "query": urlencode({k: form.data.get(k) or "" for k in form.fields})
        if form.is_bound
        else "",
    }
    return render(
        request, "portal/appointment_book.html", context, status=400 if form.errors else status
    )


@patient_view
def book(request: HttpRequest, patient: Patient) -> HttpResponse:
    return _book_page(request, patient, _day_form(request, patient))


def _chosen(request: HttpRequest, patient: Patient) -> tuple[AppointmentType, User, Any]:
    data = request.POST if request.method == "POST" else request.GET
    clinic = patient.clinic
    try:
        type_id = int(data.get("type", ""))
    except ValueError as exc:
        raise InputError("type", "Choose one of the appointments offered.") from exc
    type_ = patient_booking.bookable_type(clinic, type_id)
    practitioner, starts_at = patient_booking.read_key(clinic, data.get("slot", ""))
    return type_, practitioner, starts_at


def _again(patient: Patient, type_id: Any, practitioner_id: Any, starts_at: Any) -> ChooseDayForm:
    """The choose-a-day form for the same choice, so fresh free times show at once."""
    query = {"type": type_id, "day": service.local(starts_at).date().isoformat()}
    if practitioner_id:
        query["practitioner"] = practitioner_id
    return ChooseDayForm(query, clinic=patient.clinic)


@require_http_methods(["GET", "POST"])
@patient_view
def confirm(request: HttpRequest, patient: Patient) -> HttpResponse:
    """GET shows the chosen time to confirm; POST books it, or says it has just gone."""
    try:
        type_, practitioner, starts_at = _chosen(request, patient)
    except InputError as exc:
        return _book_page(request, patient, _day_form(request, patient), exc.sentence, 400)
    wanted = request.POST.get("wanted_practitioner") or request.GET.get("practitioner") or ""
    context = {
        "patient": patient,
        "section": SECTION,
        "type": type_,
        "practitioner": practitioner,
        "starts_at": starts_at,
        "slot": (request.POST if request.method == "POST" else request.GET).get("slot"),
        "wanted": wanted,
        "where": f"At {patient.clinic.name}",
    }
    if request.method != "POST":
        _audit(request, patient, Action.VIEW, "portal booking: confirm a time")
        return render(request, "portal/appointment_confirm.html", context)
    try:
        appointment = patient_booking.book(patient, _user(request), type_, practitioner, starts_at)
    except (InputError, service.Clash) as exc:
        problem = (
            "Sorry, this time has just been taken. Here are the free times now."
            if isinstance(exc, service.Clash)
            else f"{exc.sentence} Here are the free times now."
        )
        form = _again(patient, type_.pk, wanted, starts_at)
        return _book_page(request, patient, form, problem, 409)
    _audit(request, patient, Action.CREATE, f"appointment {appointment.pk} booked by patient")
    messages.success(
        request,
        f"Booked: {type_.name} with {service.practitioner_name(practitioner)} "
        f"on {service.when(appointment.starts_at)}.",
    )
    return redirect("portal-appointments")


# --- home visits -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@patient_view
def home_visit(request: HttpRequest, patient: Patient) -> HttpResponse:
    context: dict[str, Any] = {"patient": patient, "section": SECTION}
    if request.method != "POST":
        form = HomeVisitForm(initial={"address": service.patient_address(patient)})
        _audit(request, patient, Action.VIEW, "portal home visit request form")
        return render(request, "portal/appointment_home_visit.html", {**context, "form": form})
    form = HomeVisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            asked = patient_booking.ask_for_home_visit(
                patient, _user(request), data["address"], data["earliest"], data["latest"],
                data["time_of_day"], data["note"],
            )  # fmt: skip
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.sentence)
        else:
            _audit(request, patient, Action.CREATE, f"home visit request {asked.pk}")
            messages.success(
                request,
                "Your request has gone to the clinic. "
                "They will book the visit or tell you why not.",
            )
            return redirect("portal-appointments")
    _audit(request, patient, Action.VIEW, "portal home visit request form")
    return render(
        request, "portal/appointment_home_visit.html", {**context, "form": form}, status=400
    )
