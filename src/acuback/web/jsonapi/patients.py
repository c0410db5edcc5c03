"""Patients: the search of the patient list page, a patient's details, registration.

Every staff role may use these, reception included: reception registers most patients.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from acuback.web.audit.models import Action
from acuback.web.clinics import service
from acuback.web.clinics.forms import PatientSearchForm, RegisterPatientForm
from acuback.web.clinics.models import Patient
from acuback.web.jsonapi.common import (
    LIST_ERRORS,
    OPEN_ERRORS,
    Error,
    Id,
    InputErrors,
    Pages,
    StrictIn,
    audit,
    caller,
    checked,
    form_data,
    not_found,
    patient_brief,
)

router = Router(tags=["patients"])


class PatientBrief(Schema):
    id: int
    given_name: str
    family_name: str
    date_of_birth: date


class PatientOut(PatientBrief):
    sex: str
    phone: str
    email: str
    address: str
    preferred_contact: str
    emergency_contact_name: str
    emergency_contact_phone: str
    gp_name: str
    gp_practice: str
    gp_contact: str
    insurer: str
    policy_number: str
    insurer_visits: int | None
    treatment_consent_on: date | None
    data_sharing_consent_on: date | None
    guardian_name: str
    guardian_relationship: str
    guardian_phone: str
    created: datetime


class PatientIn(StrictIn):
    """A new patient, checked exactly as the registration form checks one."""

    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date = Field(description="Not in the future, not before 1900")
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=1000)
    preferred_contact: Literal["phone", "sms", "email", "post"] | None = None
    emergency_contact_name: str | None = Field(None, max_length=200)
    emergency_contact_phone: str | None = Field(None, max_length=32)
    gp_name: str | None = Field(None, max_length=200)
    gp_practice: str | None = Field(None, max_length=200)
    gp_contact: str | None = Field(None, max_length=200)
    insurer: str | None = Field(None, max_length=200)
    policy_number: str | None = Field(None, max_length=100)
    insurer_visits: int | None = Field(None, ge=1, le=1000, strict=True)
    treatment_consent_on: date | None = None
    data_sharing_consent_on: date | None = None
    guardian_name: str | None = Field(None, max_length=200)
    guardian_relationship: str | None = Field(None, max_length=100)
    guardian_phone: str | None = Field(None, max_length=32)
    different_person: StrictBool = Field(
        False, description="Register even though the clinic has someone of that name and birth"
    )


class PossibleDuplicates(Schema):
    detail: str
    reasons: list[str]
    duplicates: list[PatientBrief]


class PatientSearch(Schema):
    q: str = Field(
        "",
        max_length=100,
        description="Name words, a date of birth (12/04/1968) or phone digits, as on the "
        "patient list page",
    )


@router.get("/patients", response={200: list[PatientOut], **LIST_ERRORS}, summary="Find patients")
@paginate(Pages)
def patient_list(request: HttpRequest, search: Query[PatientSearch]) -> QuerySet[Patient]:
    clinic = caller(request).clinic
    query = checked(PatientSearchForm({"q": search.q}))["q"]
    # As on the page: the search words stay out of the trail (they are often a name).
    audit(request, Action.VIEW, "patient list" + (" (search)" if query else ""))
    return service.patients_of(clinic, query).order_by("family_name", "given_name", "id")


def find(request: HttpRequest, patient_id: int) -> Patient:
    try:
        return service.find_patient(caller(request).clinic, patient_id)
    except service.PatientNotFound:
        raise not_found("patient") from None


@router.get(
    "/patients/{patient_id}",
    response={200: PatientOut, **OPEN_ERRORS},
    summary="A patient's details",
)
def patient_detail(request: HttpRequest, patient_id: Id) -> Patient:
    patient = find(request, patient_id)
    audit(request, Action.VIEW, f"patient {patient.pk} (demographics)", patient.pk)
    return patient


@router.post(
    "/patients",
    response={201: PatientOut, 400: Error, 401: Error, 409: PossibleDuplicates, 422: InputErrors},
    summary="Register a patient",
    description="Refused with 409 and the possible duplicates when the clinic already has "
    "someone of that name and date of birth, unless `different_person` is true.",
)
def patient_create(request: HttpRequest, body: PatientIn) -> Status[Any]:
    clinic = caller(request).clinic
    form = RegisterPatientForm(form_data(body.model_dump()))
    data = checked(form)
    try:
        patient = service.register_patient(
            clinic, form.save(commit=False), different_person=data["different_person"]
        )
    except service.PossibleDuplicates as found:
        for match in found.matches:
            audit(request, Action.VIEW, f"patient {match.pk} (shown as a possible duplicate)",
                  match.pk)  # fmt: skip
        return Status(
            409,
            {
                "detail": "The clinic may already have this patient: check the possible "
                "duplicates, or send different_person: true to register a new patient.",
                "reasons": [
                    f"Same name and date of birth as patient {m.pk}." for m in found.matches
                ],
                "duplicates": [patient_brief(m) for m in found.matches],
            },
        )
    audit(request, Action.CREATE, f"patient {patient.pk} registered", patient.pk)
    return Status(201, patient)
