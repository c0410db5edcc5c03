"""The Today page: read the service, audit the view, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service as clinics
from acuback.web.links import linker
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
    context = {"page": page, "links": _page_links(shown, pages), "url": linker()}
    # The panels through Jinja2 (acuback.web.jinja: the busiest page's rows, a third of the
    # time), the page around them through the Django templates every page shares.
    panels = render_to_string("today/panels.html", context, request, using="jinja2")
    return render(request, "today/today.html", {"panels": mark_safe(panels)})  # noqa: S308


def _page_links(shown: str, pages: dict[str, int]) -> dict[str, str]:
    """For each list, the start of its page links: whose work is shown and the pages the
    other lists are on, so moving through one list leaves the rest where they were."""
    kept = [("show", shown)] if shown in ("mine", "clinic") else []
    links = {}
    for name in service.PAGED:
        others = [(other, n) for other, n in pages.items() if other != name and n > 1]
        query = urlencode([*kept, *others])
        links[name.replace("-", "_")] = f"{query}&" if query else ""
    return links
