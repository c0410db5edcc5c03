"""The portal's appointment forms: choose a day and what for, ask for a home visit; and the
clinic's answer to a home-visit request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from acuback.web.appointments import patient_booking, service
from acuback.web.appointments.forms import DateInput, TimeSelect, start_times
from acuback.web.appointments.models import TimeOfDay
from acuback.web.clinics.models import Clinic


def _set_choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _practitioners(clinic: Clinic) -> list[tuple[Any, str]]:
    return [(p.pk, service.practitioner_name(p)) for p in service.practitioners_of(clinic)]


class ChooseDayForm(forms.Form):
    type = forms.TypedChoiceField(label="What for", coerce=int)
    practitioner = forms.TypedChoiceField(
        label="With", coerce=int, required=False, empty_value=None
    )
    day = forms.DateField(label="Day", widget=DateInput())

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = patient_booking.bookable_types(clinic)
        _set_choices(
            self, "type", [(t.pk, f"{t.name} ({t.duration_minutes} minutes)") for t in types]
        )
        _set_choices(self, "practitioner", [("", "Anyone free")] + _practitioners(clinic))
        today = timezone.localdate()
        self.fields["day"].widget.attrs.update(
            min=today.isoformat(), max=patient_booking.last_day().isoformat()
        )


class HomeVisitForm(forms.Form):
    address = forms.CharField(
        label="Address for the visit",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        error_messages={"required": "Write the address where you would like the visit."},
    )
    earliest = forms.DateField(
        label="First day that suits you",
        widget=DateInput(),
        error_messages={"required": "Choose the first day that suits you."},
    )
    latest = forms.DateField(
        label="Last day that suits you (optional)", widget=DateInput(), required=False
    )
    time_of_day = forms.ChoiceField(
        label="Time of day",
        choices=TimeOfDay.choices,
        initial=TimeOfDay.ANY,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Anything the clinic should know (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: which days you are out, stairs, parking, a dog.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate().isoformat()
        self.fields["earliest"].widget.attrs.update(min=today)
        self.fields["latest"].widget.attrs.update(min=today)


class BookRequestForm(forms.Form):
    """The clinic books a home-visit request: who goes, when, and the travel either side."""

    practitioner = forms.TypedChoiceField(label="Practitioner", coerce=int)
    day = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Time", widget=TimeSelect())
    travel_before = forms.IntegerField(
        label="Travel there (min)", min_value=0, max_value=service.MAX_TRAVEL_MINUTES, initial=0
    )
    travel_after = forms.IntegerField(
        label="Travel back (min)", min_value=0, max_value=service.MAX_TRAVEL_MINUTES, initial=0
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "practitioner", _practitioners(clinic))
        widget = self.fields["time"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = start_times(service.rules_for(clinic))


class DeclineRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why (the patient reads this)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why, in words the patient will read."},
    )
