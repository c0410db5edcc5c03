"""The letter's question and the doctor's reply, as the practitioner types them."""

from __future__ import annotations

from django import forms

from acuback.web.care.forms import DateInput
from acuback.web.documents.service import QUESTION_MAX


class LetterForm(forms.Form):
    question = forms.CharField(
        label="Question for the doctor",
        max_length=QUESTION_MAX,
        help_text="Add what the doctor needs to answer, e.g. the latest INR.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReplyForm(forms.Form):
    approved = forms.TypedChoiceField(
        label="The doctor's answer",
        choices=[("yes", "Approved acupuncture"), ("no", "Advised against acupuncture")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    replied_on = forms.DateField(label="Date of the reply", widget=DateInput())
    note = forms.CharField(
        label="Note (what the doctor wrote)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
