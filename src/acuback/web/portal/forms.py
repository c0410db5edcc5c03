from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from acuback.web.clinics.forms import ThrottledLoginForm
from acuback.web.portal.service import is_patient


class PatientLoginForm(ThrottledLoginForm):
    """The portal's sign-in: patients only, with their email address as the username."""

    error_messages = {
        **ThrottledLoginForm.error_messages,
        "invalid_login": "That email address and password do not match a patient account.",
        "not_patient": "This sign-in is for patients. Clinic staff sign in on the staff page.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "inputmode": "email"})

    def clean_username(self) -> str:
        # A patient's sign-in name is their email address, kept in lower case.
        return str(self.cleaned_data["username"]).strip().lower()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_patient(user):
            raise ValidationError(self.error_messages["not_patient"], code="not_patient")


class ChoosePasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password and not only numbers.",
    )
    password2 = forms.CharField(
        label="Type it again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second: str = self.cleaned_data["password2"]
        if first and first != second:
            raise ValidationError("The two passwords are not the same.", code="mismatch")
        password_validation.validate_password(second, self.user)
        return second
