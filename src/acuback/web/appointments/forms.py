"""The appointment book's forms. Records are named by id and looked up by the service in
the user's clinic, so another clinic's patient or practitioner answers 404, not 'invalid'."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms

from acuback.clinical.base import spoken
from acuback.web.appointments import service
from acuback.web.appointments.models import AppointmentType, BookingRules
from acuback.web.clinics.models import Clinic


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeSelect(forms.Select):
    """The clinic's start times as a list (08:00, 08:15 ...): always 24-hour, always on the
    grid, whatever the browser's locale would make of a time input."""

    def format_value(self, value: Any) -> Any:
        if isinstance(value, time):
            value = f"{value:%H:%M}"
        elif isinstance(value, str) and len(value) == 8 and value.endswith(":00"):
            value = value[:5]
        return super().format_value(value)


def start_times(rules: BookingRules) -> list[tuple[str, str]]:
    day = date(2000, 1, 3)
    moment, last = datetime.combine(day, rules.opens), datetime.combine(day, rules.closes)
    times = []
    while moment < last:
        times.append((f"{moment:%H:%M}", f"{moment:%H:%M}"))
        moment += timedelta(minutes=rules.slot_minutes)
    return times


def _time_choices(field: forms.Field, rules: BookingRules, blank: str | None = None) -> None:
    widget = field.widget
    assert isinstance(widget, forms.Select)
    widget.choices = ([("", blank)] if blank else []) + start_times(rules)


def _type_label(t: AppointmentType) -> str:
    return f"{t.name} ({t.duration_minutes} min)"


class BookingForm(forms.Form):
    patient = forms.IntegerField(widget=forms.Select)
    practitioner = forms.IntegerField(widget=forms.Select)
    type = forms.IntegerField(label="Appointment type", widget=forms.Select)
    day = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Time", widget=TimeSelect())
    address = forms.CharField(
        label="Home-visit address",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Filled in from the patient's record when it has one.",
    )
    travel_before = forms.IntegerField(
        label="Travel there (min)", min_value=0, max_value=service.MAX_TRAVEL_MINUTES, initial=0
    )
    travel_after = forms.IntegerField(
        label="Travel back (min)", min_value=0, max_value=service.MAX_TRAVEL_MINUTES, initial=0
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = service.rules_for(clinic)
        self.home_visit_types = [str(t.pk) for t in service.types_for(clinic) if t.is_home_visit]
        self.fields["patient"].widget.choices = [("", "Choose a patient")] + [
            (p.pk, f"{p.family_name}, {p.given_name} (born {spoken(p.date_of_birth)})")
            for p in clinic.patients.all()
        ]
        self.fields["practitioner"].widget.choices = [
            (u.pk, service.practitioner_name(u)) for u in service.practitioners_of(clinic)
        ]
        self.fields["type"].widget.choices = [
            (t.pk, _type_label(t)) for t in service.types_for(clinic)
        ]
        _time_choices(self.fields["time"], rules, "Choose a time")


class StatusForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in service.ACTIONS])
    reason = forms.CharField(required=False, max_length=500)


class MoveForm(forms.Form):
    day = forms.DateField(label="New date", widget=DateInput())
    time = forms.TimeField(label="New time", widget=TimeSelect())

    def __init__(self, *args: Any, rules: BookingRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _time_choices(self.fields["time"], rules)


class DayForm(forms.Form):
    """The book's query string: which day (or week) and whose."""

    day = forms.DateField(required=False, widget=DateInput())
    practitioner = forms.IntegerField(required=False, min_value=1)

    def day_or(self, today: date) -> date:
        return self.cleaned_data.get("day") or today


class CourseForm(forms.Form):
    """Which practitioner, type and time of day the course's appointments take."""

    practitioner = forms.IntegerField(widget=forms.Select)
    type = forms.IntegerField(label="Appointment type", widget=forms.Select)
    time = forms.TimeField(label="Time of day", widget=TimeSelect(), initial=time(9, 0))
    address = forms.CharField(
        label="Home-visit address", required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    travel_before = forms.IntegerField(
        label="Travel there (min)", min_value=0, max_value=service.MAX_TRAVEL_MINUTES, initial=0
    )
    travel_after = forms.IntegerField(
        label="Travel back (min)", min_value=0, max_value=service.MAX_TRAVEL_MINUTES, initial=0
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].widget.choices = [
            (u.pk, service.practitioner_name(u)) for u in service.practitioners_of(clinic)
        ]
        self.fields["type"].widget.choices = [
            (t.pk, _type_label(t)) for t in service.types_for(clinic)
        ]
        _time_choices(self.fields["time"], service.rules_for(clinic))
        self.home_visit_types = [str(t.pk) for t in service.types_for(clinic) if t.is_home_visit]
