"""The one door to every portal page: a signed-in patient, shown only their own record."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from acuback.web.clinics.models import Patient
from acuback.web.portal import service

View = Callable[..., HttpResponse]


def patient_view(view: View) -> View:
    """Call `view(request, patient, ...)` with the signed-in patient's own record.

    Anyone signed out goes to the portal's sign-in; a staff account gets 404, as any
    record that is not the patient's own must. Pages are never stored by a browser or
    proxy, as they hold health data.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "portal-login")
        try:
            patient: Patient = service.account_of(request.user).patient
        except service.NotPatient as exc:
            raise Http404("No patient record for this account") from exc
        response = view(request, patient, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)
        return response

    return wrapper
