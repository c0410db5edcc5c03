"""The Today page: read the service, audit the view, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service as clinics
from acuback.web.today import service


@login_required
def today(request: HttpRequest) -> HttpResponse:
    membership = clinics.membership_of(request.user)
    shown = request.GET.get("show", "")
    mine = shown == "mine" or (shown != "clinic" and service.mine_by_default(membership))
    page = service.today_for(membership, mine=mine)
    what = f"today page ({'own' if page.mine else 'whole clinic'})"
    record(request, Action.VIEW, what, clinic=membership.clinic)
    return render(request, "today/today.html", {"page": page, "membership": membership})
