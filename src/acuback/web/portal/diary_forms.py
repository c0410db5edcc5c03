"""The pain diary's form: a day, a 0-10 pain rating and/or the PEG's three 0-10 ratings.

Input is strict: a rating is a whole number written with digits, 0 to 10; "5.0", "five"
or "5,5" are refused with a sentence beside the field, never rounded.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

from acuback.web.portal.diary_service import PEG_ITEMS, Ratings

WHOLE = re.compile(r"-?\d+")


class RatingField(forms.Field):
    """A whole number from 0 to 10, or nothing."""

    widget = forms.NumberInput(
        attrs={"min": "0", "max": "10", "step": "1", "inputmode": "numeric", "class": "rating"}
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        if len(text) > 3 or not WHOLE.fullmatch(text):
            raise forms.ValidationError(
                "Write a whole number from 0 to 10, like 4 (no decimals or words).",
                code="whole",
            )
        number = int(text)
        if number < 0:
            raise forms.ValidationError("The lowest rating is 0 (none at all).", code="low")
        if number > 10:
            raise forms.ValidationError("The highest rating is 10.", code="high")
        return number


class DiaryForm(forms.Form):
    day = forms.DateField(
        label="Day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Choose the day these ratings are for.",
            "invalid": "Choose a day from the calendar, written like 2026-01-02.",
        },
    )
    nrs = RatingField(
        label="Pain today",
        help_text="0 means no pain, 10 the worst pain you can imagine.",
    )
    peg_1 = RatingField(label=PEG_ITEMS["peg-1"], help_text="Your pain over the past week.")
    peg_2 = RatingField(
        label=PEG_ITEMS["peg-2"], help_text="How much pain got in the way of enjoying life."
    )
    peg_3 = RatingField(
        label=PEG_ITEMS["peg-3"], help_text="How much pain got in the way of your day."
    )

    PEG_FIELDS = ("peg_1", "peg_2", "peg_3")

    def __init__(self, *args: Any, instrument: str | None = None, **kwargs: Any) -> None:
        """With `instrument`, only that part (correcting one entry)."""
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        if instrument == "nrs":
            for name in self.PEG_FIELDS:
                del self.fields[name]
        elif instrument == "peg":
            del self.fields["nrs"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instrument != "nrs":
            given = [name for name in self.PEG_FIELDS if data.get(name) is not None]
            failed = [name for name in self.PEG_FIELDS if name in self.errors]
            if given and not failed and len(given) < 3:
                for name in self.PEG_FIELDS:
                    if name not in given:
                        self.add_error(
                            name, "Answer all three of these questions, or leave all three empty."
                        )
        nothing = (
            data.get("nrs") is None
            and all(data.get(name) is None for name in self.PEG_FIELDS)
            and not self.errors
        )
        if nothing:
            first = "nrs" if "nrs" in self.fields else "peg_1"
            self.add_error(
                first,
                "Give a rating from 0 to 10"
                + ("." if self.instrument else ", or answer the three questions below."),
            )
        return data

    def ratings(self) -> Ratings:
        data = self.cleaned_data
        peg = tuple(data.get(name) for name in self.PEG_FIELDS)
        return Ratings(
            nrs=data.get("nrs"),
            peg=(peg[0], peg[1], peg[2]) if all(v is not None for v in peg) else None,  # type: ignore[arg-type]
        )

    @property
    def chosen_day(self) -> date:
        value: date = self.cleaned_data["day"]
        return value


# Where a service's InputError field lands on this form.
SERVICE_FIELDS = {"day": "day", "nrs": "nrs", "peg-1": "peg_1"}
