from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from acuback.web.audit import service
from acuback.web.audit.forms import TrailFilterForm
from acuback.web.audit.models import Action
from acuback.web.clinics import service as clinics
from acuback.web.clinics.models import Role


@login_required
def trail(request: HttpRequest) -> HttpResponse:
    """The clinic's audit trail, newest first; for the clinic admin only."""
    membership = clinics.membership_of(request.user)
    if membership.role != Role.ADMIN:
        raise PermissionDenied("The audit trail is for the clinic admin.")
    filters = TrailFilterForm(request.GET)
    if not filters.is_valid():
        # No events rather than the whole trail, which could pass for the filtered one.
        context = {"clinic": membership.clinic, "filters": filters, "page": None}
        return render(request, "audit/trail.html", context, status=400)
    patient_id = filters.cleaned_data["patient"]
    # Who read the trail is part of the trail. The number filtered by is named, not linked:
    # it may be no patient at all, and the look would otherwise show in the list it filters.
    what = "audit trail" + (f" filtered by patient number {patient_id}" if patient_id else "")
    service.record(request, Action.VIEW, what, clinic=membership.clinic)
    events = service.trail_of(membership.clinic, patient_id).select_related("user")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/trail.html",
        {"clinic": membership.clinic, "filters": filters, "page": page, "patient_id": patient_id},
    )
