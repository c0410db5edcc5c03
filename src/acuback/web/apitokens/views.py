from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from acuback.web.apitokens import service
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics import service as clinics


def _page(
    request: HttpRequest, *, secret: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    membership = clinics.membership_of(request.user)
    context = {
        "tokens": service.tokens_for(request.user),
        "is_admin": membership.role == "admin",
        "secret": secret,
        "error": error,
        "name": request.POST.get("name", "") if error else "",
    }
    return render(request, "apitokens/tokens.html", context, status=status)


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens (an admin sees the clinic's), with a form for a new one."""
    return _page(request)


@never_cache
@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    clinic = clinics.clinic_of(request.user)
    try:
        token, secret = service.create_token(request.user, request.POST.get("name", ""))
    except service.TokenNameNotValid as exc:
        return _page(request, error=str(exc), status=400)
    record(request, Action.CREATE, f"API token {token.pk}", clinic=clinic)
    # Shown on this response only, never stored: the page is not cached and not redirected.
    return _page(request, secret=secret)


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    clinic = clinics.clinic_of(request.user)
    try:
        token = service.revoke_token(request.user, token_id)
    except service.TokenNotFound as exc:
        raise Http404("No such token") from exc
    record(request, Action.CHANGE, f"API token {token.pk} revoked", clinic=clinic)
    messages.success(request, f"The token “{token.name}” no longer opens the API.")
    return redirect("api-tokens")
