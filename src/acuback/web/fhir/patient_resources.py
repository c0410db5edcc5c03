"""Patient and Condition as FHIR R4B, both ways: what /fhir/ serves and what an import reads.

A Condition is one condition code of an intake (the practitioner's working diagnosis, so it is
provisional) or one imported Condition. Its id says which: `intake-<intake id>-<code>` or
`imported-<id>`. The knowledge base's code is always sent in our own CodeSystem, with the
SNOMED CT concept beside it where we list a confirmed one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.patient import Patient as FhirPatient

from acuback.interop import codes
from acuback.knowledge.loader import knowledge_base
from acuback.web.apitokens.service import ApiCaller
from acuback.web.care.models import IntakeRecord
from acuback.web.clinics.forms import RegisterPatientForm
from acuback.web.clinics.models import Patient, Sex
from acuback.web.fhir.models import ImportedCondition
from acuback.web.fhir.registry import ResourceType, register

# Our Sex values are FHIR's administrative-gender codes, one for one.
GENDER_OF_SEX = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other", Sex.UNKNOWN: "unknown"}
SEX_OF_GENDER = {gender: sex for sex, gender in GENDER_OF_SEX.items()}
DAYS_PER_WEEK = 7


class ResourceNotValid(ValueError):
    """A resource we cannot take in; `field` is its FHIRPath-like location."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def reference(patient_id: int) -> str:
    return f"Patient/{patient_id}"


# --- Patient -------------------------------------------------------------------------------


def patient_to_fhir(patient: Patient) -> FhirPatient:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    gp = ", ".join(part for part in (patient.gp_name, patient.gp_practice) if part)
    return FhirPatient.model_validate(
        {
            "id": str(patient.pk),
            "name": [
                {
                    "use": "official",
                    "family": patient.family_name,
                    "given": [patient.given_name],
                }
            ],
            "gender": GENDER_OF_SEX[Sex(patient.sex)],
            "birthDate": patient.date_of_birth.isoformat(),
            "telecom": telecom or None,
            "address": [{"text": patient.address}] if patient.address else None,
            # Only a name is known of the GP, no record: a Reference may carry just a display.
            "generalPractitioner": [{"display": gp}] if gp else None,
        }
    )


def _one_text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


# Where each registration-form field came from, so a refusal names the FHIR element.
FORM_FIELD_PATHS = {
    "given_name": "Patient.name.given",
    "family_name": "Patient.name.family",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
    "address": "Patient.address",
    # The form asks for a guardian under 18; FHIR keeps them in Patient.contact.
    "guardian_name": "Patient.contact",
    "guardian_phone": "Patient.contact",
}


def patient_from_fhir(resource: FhirPatient, today: date) -> Patient:
    """An unsaved Patient from an imported one, checked by the clinic's registration form
    (names, date of birth, phone, email, a guardian for a minor), so an import obeys every
    rule the page does. ResourceNotValid names the FHIR element at fault."""
    names = resource.name or []
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    family = _one_text(name.family if name else "")
    given = _one_text((name.given or [""])[0] if name and name.given else "")
    if not family:
        raise ResourceNotValid("Patient.name.family", "a family name is required")
    if not given:
        raise ResourceNotValid("Patient.name.given", "a given name is required")
    born = resource.birthDate
    if born is None:
        raise ResourceNotValid("Patient.birthDate", "a date of birth is required")
    if not isinstance(born, date) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(born)):
        # FHIR allows "1970" or "1970-04"; a patient record needs the day.
        raise ResourceNotValid("Patient.birthDate", "give the full date of birth (YYYY-MM-DD)")
    gender = resource.gender or "unknown"
    if gender not in SEX_OF_GENDER:
        raise ResourceNotValid(
            "Patient.gender", f"'{gender}' is not one of {', '.join(SEX_OF_GENDER)}"
        )
    data = {
        "given_name": given,
        "family_name": family,
        "date_of_birth": born.isoformat(),
        "sex": SEX_OF_GENDER[gender],
        "phone": "",
        "email": "",
        "address": "",
    }
    paths = dict(FORM_FIELD_PATHS)
    for index, point in enumerate(resource.telecom or []):
        for system in ("phone", "email"):
            if point.system == system and point.value and not data[system]:
                data[system] = str(point.value)
                paths[system] = f"Patient.telecom[{index}]"
    if resource.address:
        first = resource.address[0]
        lines = [*(first.line or []), first.city, first.postalCode, first.country]
        data["address"] = first.text or "\n".join(str(line) for line in lines if line)
    form = RegisterPatientForm(data, today=today)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ResourceNotValid(paths.get(field, "Patient"), " ".join(str(e) for e in errors))
    patient: Patient = form.save(commit=False)
    return patient


def _patient_rows(caller: ApiCaller) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic=caller.clinic).order_by("pk")


# --- Condition -----------------------------------------------------------------------------

INTAKE_ID = re.compile(r"intake-(\d{1,18})-([a-z0-9-]{1,40})")
IMPORTED_ID = re.compile(r"imported-(\d{1,18})")


def condition_code(code: str | None, snomed: str | None) -> dict[str, Any]:
    """The CodeableConcept of a condition: our code and the SNOMED CT concept we list."""
    kb = knowledge_base()
    snomed = snomed or (codes.SNOMED_BY_CONDITION.get(code) if code else None)
    coding = []
    if code:
        coding.append(
            {"system": codes.CONDITION, "code": code, "display": kb.conditions[code].label}
        )
    if snomed:
        coding.append(
            {"system": codes.SNOMED, "code": snomed, "display": codes.SNOMED_DISPLAY[snomed]}
        )
    text = kb.conditions[code].label if code else codes.SNOMED_DISPLAY[str(snomed)]
    return {"coding": coding, "text": text}


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _condition(
    resource_id: str,
    patient_id: int,
    code: dict[str, Any],
    *,
    clinical: str,
    verification: str | None,
    category: str,
    recorded: date | None,
    onset: str | None,
) -> Condition:
    return Condition.model_validate(
        {
            "id": resource_id,
            "clinicalStatus": _concept(codes.CONDITION_CLINICAL, clinical),
            "verificationStatus": (
                _concept(codes.CONDITION_VERIFICATION, verification) if verification else None
            ),
            "category": [_concept(codes.CONDITION_CATEGORY, category)],
            "code": code,
            "subject": {"reference": reference(patient_id)},
            "recordedDate": recorded.isoformat() if recorded else None,
            "onsetDateTime": onset,
        }
    )


def intake_conditions(intake: IntakeRecord) -> list[Condition]:
    """One Condition per condition code the intake lists."""
    listed = intake.answers.get("conditions") if isinstance(intake.answers, dict) else None
    known = knowledge_base().conditions
    recorded = timezone.localdate(intake.created)
    onset = None
    weeks = intake.answers.get("pain_duration_weeks") if isinstance(intake.answers, dict) else None
    if isinstance(weeks, int | float) and not isinstance(weeks, bool) and weeks >= 0:
        # The intake asks how many weeks the pain has lasted: the onset is known to the month.
        onset = (recorded - timedelta(days=round(weeks * DAYS_PER_WEEK))).strftime("%Y-%m")
    return [
        _condition(
            f"intake-{intake.pk}-{code}",
            intake.patient_id,
            condition_code(code, None),
            clinical="active",
            # A practitioner's working diagnosis at intake, not a confirmed one.
            verification="provisional",
            category="encounter-diagnosis",
            recorded=recorded,
            onset=onset,
        )
        for code in (listed if isinstance(listed, list) else [])
        if isinstance(code, str) and code in known
    ]


def imported_condition(row: ImportedCondition) -> Condition:
    return _condition(
        f"imported-{row.pk}",
        row.patient_id,
        condition_code(row.condition_code or None, row.snomed_code or None),
        clinical=row.clinical_status,
        verification=row.verification_status or None,
        category="problem-list-item",
        recorded=row.recorded or timezone.localdate(row.created),
        onset=row.onset.isoformat() if row.onset else None,
    )


def _intakes(caller: ApiCaller) -> QuerySet[IntakeRecord]:
    return IntakeRecord.objects.filter(clinic=caller.clinic).order_by("pk")


def _imported(caller: ApiCaller) -> QuerySet[ImportedCondition]:
    return ImportedCondition.objects.filter(clinic=caller.clinic).order_by("pk")


def list_conditions(caller: ApiCaller, patient_id: int | None) -> Sequence[Condition]:
    intakes, imported = _intakes(caller), _imported(caller)
    if patient_id is not None:
        intakes = intakes.filter(patient_id=patient_id)
        imported = imported.filter(patient_id=patient_id)
    found = [condition for intake in intakes for condition in intake_conditions(intake)]
    return found + [imported_condition(row) for row in imported]


def find_condition(caller: ApiCaller, resource_id: str) -> Condition | None:
    if match := INTAKE_ID.fullmatch(resource_id):
        intake = _intakes(caller).filter(pk=int(match[1])).first()
        found = intake_conditions(intake) if intake is not None else []
        return next((c for c in found if c.id == resource_id), None)
    if match := IMPORTED_ID.fullmatch(resource_id):
        row = _imported(caller).filter(pk=int(match[1])).first()
        return imported_condition(row) if row is not None else None
    return None


def condition_from_fhir(resource: Condition, where: str, born: date, today: date) -> dict[str, Any]:
    """The fields of an ImportedCondition from an imported Condition (no patient, no clinic)."""
    found: dict[str, Any] = {"condition_code": "", "snomed_code": ""}
    allowed = codes.allowed_codes()
    codings = resource.code.coding if resource.code and resource.code.coding else []
    if not codings:
        raise ResourceNotValid(f"{where}.code", "a coded condition is required")
    for index, coding in enumerate(codings):
        at = f"{where}.code.coding[{index}]"
        if coding.system == codes.CONDITION and coding.code in allowed[codes.CONDITION]:
            found["condition_code"] = coding.code
        elif coding.system == codes.SNOMED and coding.code in allowed[codes.SNOMED]:
            found["snomed_code"] = coding.code
        else:
            raise ResourceNotValid(
                at,
                f"'{coding.code}' of {coding.system} is not a condition acuback knows: use "
                f"{codes.CONDITION} or one of the SNOMED CT codes "
                f"{', '.join(sorted(allowed[codes.SNOMED]))}",
            )
    for field, system, key in (
        ("clinicalStatus", codes.CONDITION_CLINICAL, "clinical_status"),
        ("verificationStatus", codes.CONDITION_VERIFICATION, "verification_status"),
    ):
        concept = getattr(resource, field)
        if concept is None:
            continue
        coding = (concept.coding or [None])[0]
        if coding is None or coding.system != system or coding.code not in allowed[system]:
            raise ResourceNotValid(
                f"{where}.{field}", f"use one of {', '.join(sorted(allowed[system]))} of {system}"
            )
        found[key] = coding.code
    for field, key in (("onsetDateTime", "onset"), ("recordedDate", "recorded")):
        value = getattr(resource, field)
        if value is None:
            continue
        day = value.date() if hasattr(value, "date") else value
        if not isinstance(day, date):
            raise ResourceNotValid(f"{where}.{field}", "give a full date (YYYY-MM-DD)")
        if day > today:
            raise ResourceNotValid(f"{where}.{field}", "the date is in the future")
        if day < born:
            raise ResourceNotValid(f"{where}.{field}", "the date is before the patient's birth")
        found[key] = day
    if found.get("onset") and found.get("recorded") and found["recorded"] < found["onset"]:
        raise ResourceNotValid(f"{where}.recordedDate", "recorded before the onset")
    return found


register(ResourceType("Patient", _patient_rows, patient_to_fhir, "pk", clinical=False))
register(
    ResourceType(
        "Condition",
        None,
        None,
        "patient_id",
        clinical=True,
        listing=list_conditions,
        find=find_condition,
    )
)
