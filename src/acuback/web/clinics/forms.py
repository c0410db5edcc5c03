from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from acuback.web.audit.service import LOGIN_LOCKOUT, client_ip, login_locked


class ThrottledLoginForm(AuthenticationForm):
    """Sign-in that refuses, without checking the password, after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account.",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if self.request is not None and login_locked(username, client_ip(self.request)):
            minutes = int(LOGIN_LOCKOUT.total_seconds() // 60)
            raise forms.ValidationError(
                f"Too many failed sign-ins. Try again in {minutes} minutes or ask your clinic "
                "admin to check the account.",
                code="locked",
            )
        return super().clean()


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
