"""The clinic's side of a patient's home-visit request: book it, or decline it with a reason
the patient reads. Any member of the clinic may, as any member may use the book."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from acuback.clinical.base import InputError
from acuback.web.appointments import patient_booking, service
from acuback.web.appointments.models import HomeVisitRequest
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service as clinics
from acuback.web.portal.appointment_forms import BookRequestForm, DeclineRequestForm


def _page(
    request: HttpRequest,
    asked: HomeVisitRequest,
    book_form: BookRequestForm,
    decline_form: DeclineRequestForm,
    clash: service.Clash | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "asked": asked,
        "book_form": book_form,
        "decline_form": decline_form,
        "clash": clash,
        "problem": problem,
    }
    return render(request, "portal/appointment_request_staff.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def home_visit_request(request: HttpRequest, request_id: int) -> HttpResponse:
    membership = clinics.membership_of(request.user)
    clinic = membership.clinic
    try:
        asked = patient_booking.request_in(clinic, request_id)
    except service.NotFound as exc:
        raise Http404("No such request") from exc
    assert isinstance(request.user, User)
    initial = {"day": asked.earliest}
    book_form = BookRequestForm(clinic=clinic, initial=initial)
    decline_form = DeclineRequestForm()
    what = f"home visit request {asked.pk}"
    if request.method != "POST":
        record(request, Action.VIEW, what, clinic=clinic, patient_id=asked.patient_id)
        return _page(request, asked, book_form, decline_form)
    try:
        if request.POST.get("action") == "decline":
            decline_form = DeclineRequestForm(request.POST)
            if not decline_form.is_valid():
                return _page(request, asked, book_form, decline_form, status=400)
            patient_booking.decline_request(
                asked, request.user, decline_form.cleaned_data["reason"]
            )
            record(request, Action.CHANGE, f"{what} declined", clinic=clinic,
                   patient_id=asked.patient_id)  # fmt: skip
            messages.success(request, f"Request of {asked.patient} declined.")
            return redirect("today")
        book_form = BookRequestForm(request.POST, clinic=clinic)
        if not book_form.is_valid():
            return _page(request, asked, book_form, decline_form, status=400)
        data = book_form.cleaned_data
        practitioner = service.practitioner_in(clinic, data["practitioner"])
        appointment = patient_booking.book_request(
            asked, request.user, practitioner, service.at(data["day"], data["time"]),
            data["travel_before"], data["travel_after"],
        )  # fmt: skip
    except service.NotFound as exc:
        raise Http404("No such practitioner") from exc
    except InputError as exc:
        form: Any = decline_form if exc.field == "reason" else book_form
        form.add_error(exc.field if exc.field in form.fields else None, exc.sentence)
        return _page(request, asked, book_form, decline_form, status=400)
    except service.Clash as exc:
        return _page(request, asked, book_form, decline_form, clash=exc, status=409)
    except patient_booking.RequestClosed as exc:
        return _page(request, asked, book_form, decline_form, problem=str(exc), status=409)
    record(request, Action.CREATE, f"appointment {appointment.pk} from {what}", clinic=clinic,
           patient_id=asked.patient_id)  # fmt: skip
    messages.success(request, f"Home visit booked for {service.when(appointment.starts_at)}.")
    return redirect("appointment-detail", appointment_id=appointment.pk)
