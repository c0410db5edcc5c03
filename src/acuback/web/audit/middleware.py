"""Refused attempts on the audit trail: a 403 or 404 answered to a signed-in user, or to an
API or FHIR token (whose check sets request.user), is someone reaching for what is not
theirs, or probing for what exists; another clinic's record answers 404 like a missing one,
so 404s are part of it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse

from acuback.web.audit.models import Action
from acuback.web.audit.service import clinic_of_account, record

REFUSALS = {403: "refused (not allowed)", 404: "refused (not found)"}


class RefusalAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        what = REFUSALS.get(response.status_code)
        user = getattr(request, "user", None)
        # Anonymous 404s are the internet's scanners, not a look at a record: left out.
        if what is not None and isinstance(user, User) and user.is_authenticated:
            # After the view's transaction (transactions.py) ended, rolled back or not: the
            # refusal is written on its own and kept.
            record(
                request, Action.REFUSED, f"{what}: {request.method}", clinic=clinic_of_account(user)
            )
        return response
