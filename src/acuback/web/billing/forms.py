"""The one form billing needs: a payment's date and method."""

from __future__ import annotations

from typing import Any

from django import forms

from acuback.web.billing.models import PaymentMethod


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PaidForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=DateInput())
    method = forms.ChoiceField(label="How", choices=[("", "Choose…"), *PaymentMethod.choices])
