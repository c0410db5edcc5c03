"""Sign-ins, sign-outs and failed sign-ins go to the audit trail, in the clinic of the account
named."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from acuback.web.audit.models import Action
from acuback.web.audit.service import clinic_named_by, clinic_of_account, record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    record(request, Action.LOGIN, "sign-in", clinic=clinic_of_account(user), user=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    username = str(credentials.get("username", ""))
    record(
        request,
        Action.LOGIN_FAILED,
        "failed sign-in",
        clinic=clinic_named_by(username),
        username=username,
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or user is None:  # signing out when nobody was signed in
        return
    record(request, Action.LOGOUT, "sign-out", clinic=clinic_of_account(user), user=user)
