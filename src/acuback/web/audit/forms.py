from __future__ import annotations

from django import forms

# Patient numbers are 64-bit keys: a larger number would overflow PostgreSQL's bigint.
LARGEST_ID = 2**63 - 1


class TrailFilterForm(forms.Form):
    patient = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=LARGEST_ID,
        error_messages={
            "invalid": "A patient number is a whole number, such as 12.",
            "min_value": "Patient numbers start at 1.",
            "max_value": "No patient has a number that large.",
        },
    )
