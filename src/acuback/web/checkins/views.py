"""The patient's check-in page in the portal, and the practitioner's "seen"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from acuback.clinical.check_in import Answers, Reading, Statement
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.care.templatetags.care import source_name
from acuback.web.checkins import service
from acuback.web.checkins.forms import CheckInForm
from acuback.web.clinics import service as clinics
from acuback.web.clinics.models import Patient
from acuback.web.portal.access import patient_view
from acuback.web.today.service import is_clinical


def _cited(statements: tuple[Statement, ...]) -> list[dict[str, str]]:
    return [
        {"text": s.text, "cite": ", ".join(source_name(code) for code in s.sources)}
        for s in statements
    ]


def _answered(reading: Reading) -> dict[str, object]:
    return {"advice": _cited(reading.advice), "urgent": reading.urgent, "alert": reading.alert}


@patient_view
def check_in(request: HttpRequest, patient: Patient, check_in_id: int) -> HttpResponse:
    try:
        found = service.own_check_in(patient, check_in_id)
    except service.CheckInNotFound as exc:
        raise Http404("No such check-in") from exc
    context: dict[str, object] = {"patient": patient, "check_in": found, "section": "home"}
    reading = service.reading_of(found)
    if reading is not None:
        if request.method == "POST":
            # A second tab or a resubmission: the first answers stand; the page says so.
            return redirect("portal-check-in", check_in_id=found.pk)
        record(request, Action.VIEW, f"check-in {found.pk}", clinic=patient.clinic,
               patient_id=patient.pk)  # fmt: skip
        return render(request, "checkins/answered.html", {**context, **_answered(reading)})
    try:
        service.can_answer(found)
    except service.CheckInClosed as exc:
        record(request, Action.VIEW, f"check-in {found.pk}", clinic=patient.clinic,
               patient_id=patient.pk)  # fmt: skip
        return render(
            request, "checkins/closed.html", {**context, "why": str(exc), "title": exc.title}
        )
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and isinstance(request.user, User):
        # The answered page thanks the patient itself: no flash message is needed.
        try:
            service.answer(found, request.user, Answers.model_validate(form.cleaned_data))
        except service.CheckInClosed as exc:
            # Answered in another tab (show those answers), or expired while the form was open.
            found.refresh_from_db()
            if found.answered_at is not None:
                return redirect("portal-check-in", check_in_id=found.pk)
            return render(
                request, "checkins/closed.html", {**context, "why": str(exc), "title": exc.title}
            )
        record(request, Action.CREATE, f"check-in {found.pk} answered",
               clinic=patient.clinic, patient_id=patient.pk)  # fmt: skip
        return redirect("portal-check-in", check_in_id=found.pk)
    record(request, Action.VIEW, f"check-in {found.pk} form", clinic=patient.clinic,
           patient_id=patient.pk)  # fmt: skip
    return render(request, "checkins/form.html", {**context, "form": form})


@login_required
@require_POST
def seen(request: HttpRequest, check_in_id: int) -> HttpResponse:
    membership = clinics.membership_of(request.user)
    if not is_clinical(membership) or not isinstance(request.user, User):
        raise PermissionDenied("Check-ins are for practitioners.")
    try:
        found = service.mark_seen(membership.clinic, check_in_id, request.user)
    except service.CheckInNotFound as exc:
        raise Http404("No such check-in") from exc
    record(request, Action.CHANGE, f"check-in {found.pk} seen", clinic=membership.clinic,
           patient_id=found.patient_id)  # fmt: skip
    messages.success(request, f"Check-in of {found.patient} marked as seen.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("today")
