from __future__ import annotations

import math
import unicodedata
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from acuback.web.audit.models import Action
from acuback.web.audit.service import (
    SignInLocked,
    client_ip,
    clinic_named_by,
    give_back,
    record,
    reserve_sign_in,
)


class ThrottledLoginForm(AuthenticationForm):
    """Sign-in that refuses, without checking the password, after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account.",
        "locked": "Too many failed sign-ins. Try again in {minutes} or ask your clinic admin "
        "to check the account.",
    }

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # no password to check: only the fields' own errors
        ip_address = client_ip(self.request) if self.request is not None else None
        try:
            reservation = reserve_sign_in(username, ip_address)
        except SignInLocked as locked:
            if self.request is not None:
                record(self.request, Action.LOGIN_REFUSED, "sign-in refused: locked",
                       clinic=clinic_named_by(username), username=username)  # fmt: skip
            minutes = max(1, math.ceil(locked.retry_after.total_seconds() / 60))
            wait = f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
            raise ValidationError(
                self.error_messages["locked"].format(minutes=wait), code="locked"
            ) from None
        # A wrong password raises here and its attempt stays counted.
        cleaned = super().clean()
        give_back(reservation)
        return cleaned


def _no_control_characters(value: str) -> None:
    # NUL is left to the validator every CharField has, so it is not reported twice.
    if any(unicodedata.category(ch) == "Cc" and ch != "\x00" for ch in value):
        raise ValidationError("Search words cannot contain control characters.", code="control")


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        validators=[_no_control_characters],
        error_messages={
            "max_length": "Search with at most %(limit_value)d characters.",
            "null_characters_not_allowed": "Search words cannot contain control characters.",
        },
    )
