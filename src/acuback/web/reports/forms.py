from __future__ import annotations

from datetime import date

from django import forms


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def default(today: date) -> dict[str, date]:
        """The last full quarter's worth: 90 days up to today."""
        from datetime import timedelta

        return {"start": today - timedelta(days=90), "end": today}
