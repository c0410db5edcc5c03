"""Thin views of the portal: patients sign in, accept an invitation, see their own record.

Every page a patient sees goes through `patient_view`; the staff's invitation button is in
`staff_views`.
"""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from acuback.web.appointments import patient_booking
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.care.models import Message
from acuback.web.checkins.service import pending_check_ins
from acuback.web.clinics.models import Patient
from acuback.web.portal import service
from acuback.web.portal.access import patient_view
from acuback.web.portal.forms import ChoosePasswordForm, PatientLoginForm


class PortalLoginView(auth_views.LoginView):
    authentication_form = PatientLoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return "/portal/"


class PortalLogoutView(auth_views.LogoutView):
    next_page = "portal-login"


@never_cache
@sensitive_post_parameters("password1", "password2")
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: choose a password, and the account exists."""
    try:
        invitation = service.open_invitation(token)
    except service.InvitationNotValid as refused:
        return render(request, "portal/invitation_invalid.html", {"why": str(refused)}, status=410)
    user = service.new_patient_user(invitation)
    has_account = user.pk is not None  # the link replaces a forgotten password
    form = ChoosePasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = service.accept(token, form.cleaned_data["password2"])
        except service.InvitationNotValid as refused:
            return render(
                request, "portal/invitation_invalid.html", {"why": str(refused)}, status=410
            )
        what = "portal password chosen" if has_account else "portal account created"
        record(request, Action.CHANGE if has_account else Action.CREATE, what,
               clinic=invitation.clinic, patient_id=invitation.patient_id, user=user)  # fmt: skip
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("portal-home")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "invitation": invitation,
        "clinic": invitation.clinic,
        "has_account": has_account,
    }
    return render(request, "portal/welcome.html", context, status=status)


@patient_view
def home(request: HttpRequest, patient: Patient) -> HttpResponse:
    """What needs the patient next: a check-in to answer, unread messages, the next visit."""
    record(request, Action.VIEW, "portal home", clinic=patient.clinic, patient_id=patient.pk)
    context = {
        "patient": patient,
        "section": "home",
        "check_ins": pending_check_ins(patient),
        "unread": Message.objects.filter(
            patient=patient, from_patient=False, read_at__isnull=True
        ).count(),
        "next_visit": patient_booking.upcoming(patient).first(),
    }
    return render(request, "portal/home.html", context)
