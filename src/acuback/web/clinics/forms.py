from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.utils import dateformat, timezone
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
from acuback.web.clinics.models import ContactBy, Patient
from acuback.web.clinics.service import (
    ADULT_AGE,
    CONTACT_NEEDS,
    EARLIEST_BIRTH,
    PhoneNotValid,
    SearchNotUnderstood,
    age_on,
    normalise_phone,
    read_search,
)


class ThrottledLoginForm(AuthenticationForm):
    """Sign-in that refuses, without checking the password, after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account.",
        "patient_account": "This is a patient's account: sign in on the patient portal.",
        "locked": "Too many failed sign-ins. Try again in {minutes} or ask your clinic admin "
        "to check the account.",
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        # Patients and staff have separate doors; the portal's form overrides this.
        if type(self) is ThrottledLoginForm and hasattr(user, "patient_account"):
            raise ValidationError(self.error_messages["patient_account"], code="patient_account")

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

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"]
        try:
            read_search(query)
        except SearchNotUnderstood as exc:
            raise ValidationError(exc.message, code="search") from None
        return query


@dataclass(frozen=True)
class Fieldset:
    legend: str
    help: str
    fields: list[BoundField]


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
NOT_BEFORE_BIRTH = "Consent cannot be given before the date of birth ({born})."


class PatientForm(forms.ModelForm[Patient]):
    """A patient's demographics, checked against each other and against today."""

    FIELDSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        (
            "Identity",
            "Only the names and the date of birth are needed now; the rest can be added later.",
            ("given_name", "family_name", "date_of_birth", "sex"),
        ),
        (
            "Contact",
            "",
            (
                "phone",
                "email",
                "preferred_contact",
                "address",
                "emergency_contact_name",
                "emergency_contact_phone",
            ),
        ),
        ("GP (family doctor)", "", ("gp_name", "gp_practice", "gp_contact")),
        ("Insurance", "", ("insurer", "policy_number", "insurer_visits")),
        (
            "Consent",
            "Enter the day the patient signed. Leave it empty until they have.",
            ("treatment_consent_on", "data_sharing_consent_on"),
        ),
        (
            "Parent or guardian",
            "Needed when the patient is under 18.",
            ("guardian_name", "guardian_relationship", "guardian_phone"),
        ),
    )
    PHONES = ("phone", "emergency_contact_phone", "guardian_phone")

    class Meta:
        model = Patient
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "address",
            "preferred_contact",
            "emergency_contact_name",
            "emergency_contact_phone",
            "gp_name",
            "gp_practice",
            "gp_contact",
            "insurer",
            "policy_number",
            "insurer_visits",
            "treatment_consent_on",
            "data_sharing_consent_on",
            "guardian_name",
            "guardian_relationship",
            "guardian_phone",
        ]
        labels = {
            "gp_name": "Name",
            "gp_practice": "Practice",
            "gp_contact": "Practice phone or address",
            "guardian_name": "Name",
            "guardian_relationship": "Relationship to the patient",
            "guardian_phone": "Phone",
            "treatment_consent_on": "Consent to treatment",
            "data_sharing_consent_on": "Consent to share data",
        }
        help_texts = {
            "given_name": "First name, as the patient uses it.",
            "phone": "With the country code if abroad, e.g. +44 7700 900123.",
            "data_sharing_consent_on": "With the GP and insurer.",
        }
        widgets = {
            "date_of_birth": DATE_INPUT,
            "treatment_consent_on": DATE_INPUT,
            "data_sharing_consent_on": DATE_INPUT,
            "address": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "insurer_visits": {
                "min_value": "Enter the number of visits covered: 1 or more.",
                "invalid": "Enter the number of visits covered as a whole number.",
            },
            "email": {"invalid": "Enter an email address like name@example.org."},
            "date_of_birth": {"invalid": "Enter the date of birth as day/month/year."},
        }

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        for name in ("date_of_birth", "treatment_consent_on", "data_sharing_consent_on"):
            date_field = self.fields[name]
            assert isinstance(date_field, forms.DateField)
            date_field.input_formats = DATE_FORMATS
        contact = self.fields["preferred_contact"]
        assert isinstance(contact, forms.ChoiceField)
        contact.choices = [("", "No preference"), *ContactBy.choices]
        for name in self.PHONES:
            self.fields[name].widget.attrs.update({"type": "tel", "autocomplete": "off"})
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def fields_to_correct(self) -> int:
        """Fields with a mistake; the duplicate tick is asked for in its own box."""
        return sum(1 for name in self.errors if name != "different_person")

    def fieldsets(self) -> list[Fieldset]:
        return [
            Fieldset(legend, help, [self[name] for name in names])
            for legend, help, names in self.FIELDSETS
        ]

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise ValidationError("The date of birth cannot be in the future.", code="future")
        if born < EARLIEST_BIRTH:
            raise ValidationError(
                f"The date of birth cannot be before {EARLIEST_BIRTH.year}.", code="too_early"
            )
        return born

    def _not_future(self, name: str) -> date | None:
        day: date | None = self.cleaned_data.get(name)
        if day is not None and day > self.today:
            raise ValidationError("Consent cannot be dated in the future.", code="future")
        return day

    def clean_treatment_consent_on(self) -> date | None:
        return self._not_future("treatment_consent_on")

    def clean_data_sharing_consent_on(self) -> date | None:
        return self._not_future("data_sharing_consent_on")

    def _phone(self, name: str) -> str:
        try:
            return normalise_phone(self.cleaned_data.get(name) or "")
        except PhoneNotValid as exc:
            raise ValidationError(str(exc), code="phone") from None

    def clean_phone(self) -> str:
        return self._phone("phone")

    def clean_emergency_contact_phone(self) -> str:
        return self._phone("emergency_contact_phone")

    def clean_guardian_phone(self) -> str:
        return self._phone("guardian_phone")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        born: date | None = cleaned.get("date_of_birth")
        if born is not None:
            for name in ("treatment_consent_on", "data_sharing_consent_on"):
                day = cleaned.get(name)
                if day is not None and day < born:
                    self.add_error(
                        name, NOT_BEFORE_BIRTH.format(born=dateformat.format(born, "j M Y"))
                    )
            if age_on(born, self.today) < ADULT_AGE:
                for name, what in (("guardian_name", "name"), ("guardian_phone", "phone")):
                    if not cleaned.get(name) and name not in self.errors:
                        self.add_error(
                            name, f"The patient is under {ADULT_AGE}: enter a guardian's {what}."
                        )
        contact = cleaned.get("preferred_contact")
        needed = CONTACT_NEEDS.get(ContactBy(contact)) if contact else None
        if needed and not cleaned.get(needed) and needed not in self.errors:
            self.add_error(
                "preferred_contact",
                f"Add the {str(self.fields[needed].label).lower()} first, or choose another way.",
            )
        if (cleaned.get("policy_number") or cleaned.get("insurer_visits")) and not cleaned.get(
            "insurer"
        ):
            self.add_error("insurer", "Name the insurer of this policy.")
        return cleaned


class RegisterPatientForm(PatientForm):
    different_person = forms.BooleanField(required=False, label="This is a different person")
