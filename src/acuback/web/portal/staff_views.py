"""The staff side of the portal: inviting a patient."""

from __future__ import annotations

import logging
import smtplib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from acuback.clinical.base import spoken
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service as clinics
from acuback.web.portal import service

logger = logging.getLogger(__name__)


@login_required
@require_POST
def invite(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Any staff role may invite: reception usually does, at registration."""
    clinic = clinics.clinic_of(request.user)
    try:
        patient = clinics.find_patient(clinic, patient_id)
    except clinics.PatientNotFound as exc:
        raise Http404("No such patient") from exc
    assert isinstance(request.user, User)
    try:
        invitation, token = service.invite(clinic, patient, request.user)
    except service.InvitationRefused as refused:
        messages.error(request, str(refused))
    else:
        link = request.build_absolute_uri(reverse("portal-welcome", args=[token]))
        try:
            service.send_invitation(invitation, link)
        except (OSError, smtplib.SMTPException):
            # The link was never delivered: it is withdrawn, and the staff can try again.
            service.withdraw(invitation)
            logger.exception("portal invitation %s could not be sent", invitation.pk)
            messages.error(
                request,
                "The invitation email could not be sent. Check the address and try again; "
                "if it keeps failing, the clinic's email settings need a look.",
            )
            return _back(request, patient.pk)
        record(request, Action.CREATE, f"portal invitation sent to patient {patient.pk}",
               clinic=clinic, patient_id=patient.pk)  # fmt: skip
        until = timezone.localtime(invitation.expires_at)
        messages.success(
            request,
            f"Invitation sent to {invitation.email}. The link works until "
            f"{spoken(until.date())} at {until:%H:%M}.",
        )
    return _back(request, patient.pk)


def _back(request: HttpRequest, patient_id: int) -> HttpResponse:
    back = "patient-edit" if request.POST.get("next") == "edit" else "patient-detail"
    return redirect(back, patient_id)
