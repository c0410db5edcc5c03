"""The Today page: read the service, audit the view, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service as clinics
from acuback.web.paging import page_number
from acuback.web.today import service


@login_required
def today(request: HttpRequest) -> HttpResponse:
    membership = clinics.membership_of(request.user)
    shown = request.GET.get("show", "")
    mine = shown == "mine" or (shown != "clinic" and service.mine_by_default(membership))
    pages = {name: page_number(request.GET.get(name)) for name in service.PAGED}
    page = service.today_for(membership, mine=mine, pages=pages)
    what = f"today page ({'own' if page.mine else 'whole clinic'})"
    record(request, Action.VIEW, what, clinic=membership.clinic)
    # A list's page links keep the choice of whose work is shown.
    kept = f"show={shown}&" if shown in ("mine", "clinic") else ""
    context = {"page": page, "membership": membership, "kept": kept}
    return render(request, "today/today.html", context)
