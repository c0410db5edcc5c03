"""What /fhir/ does, without HTTP: read, search, $everything and import, scoped to the caller.

Raises domain errors the views turn into OperationOutcomes: UnknownType and NotFound (another
clinic's record is exactly a missing one), NotAllowed (a role may not read a type),
SearchNotValid, ResourceNotValid and Duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from acuback.interop.codes import code_problems
from acuback.web.apitokens.service import ApiCaller
from acuback.web.clinics.models import Role
from acuback.web.clinics.service import PossibleDuplicates, register_patient
from acuback.web.fhir import types  # noqa: F401 (fills the registry)
from acuback.web.fhir.models import ImportedCondition
from acuback.web.fhir.patient_resources import (
    ResourceNotValid,
    condition_from_fhir,
    patient_from_fhir,
    patient_to_fhir,
)
from acuback.web.fhir.registry import REGISTRY, ResourceType

logger = logging.getLogger(__name__)

DEFAULT_COUNT = 50
MAX_COUNT = 200


class UnknownType(LookupError):
    pass


class NotFound(LookupError):
    pass


class NotAllowed(PermissionError):
    pass


class SearchNotValid(ValueError):
    pass


class Duplicate(Exception):
    def __init__(self, references: list[str]) -> None:
        super().__init__(f"this patient is already registered as {', '.join(references)}")
        self.references = references


class EmittedCodeNotValid(AssertionError):
    pass


def checked(resource: Resource) -> Resource:
    """Every resource leaves through here: a code from no allowed system is a bug of ours."""
    problems = code_problems(resource)
    if problems:
        if settings.DEBUG or getattr(settings, "FHIR_STRICT_CODES", False):
            raise EmittedCodeNotValid(f"{resource.get_resource_type()}: {'; '.join(problems)}")
        logger.error("FHIR %s emitted with code problems: %s", resource.id, problems)
    return resource


def checked_bundle(bundle: Bundle) -> Bundle:
    """A Bundle's own codes (its type, search modes). Its resources were each checked as they
    were built; checked again inside a Bundle, a CodeSystem's concepts would read as codes
    without a system, as code_problems knows them as definitions only at the top level."""
    shell = bundle.model_copy(
        update={
            "entry": [entry.model_copy(update={"resource": None}) for entry in bundle.entry or []]
            or None
        }
    )
    checked(shell)
    return bundle


def resource_type(caller: ApiCaller, name: str) -> ResourceType:
    entry = REGISTRY.get(name)
    if entry is None:
        raise UnknownType(f"acuback serves no resource type '{name}'")
    if entry.clinical and not caller.is_clinical:
        raise NotAllowed(f"{name} records are for practitioners and clinic admins")
    if entry.admin_only and caller.role != Role.ADMIN:
        raise NotAllowed(f"{name} records are for the clinic admin")
    return entry


def read(caller: ApiCaller, name: str, resource_id: str) -> Resource:
    entry = resource_type(caller, name)
    found: Resource | None = None
    if entry.find is not None:
        found = entry.find(caller, resource_id)
    elif entry.rows is not None and entry.to_fhir is not None and resource_id.isdigit():
        row = entry.rows(caller).filter(pk=int(resource_id)).first()
        found = entry.to_fhir(row) if row is not None else None
    if found is None:
        raise NotFound(f"no {name} with id '{resource_id}'")
    return checked(found)


@dataclass(frozen=True)
class Page:
    total: int
    resources: list[Resource]
    offset: int
    count: int


def _all_of(
    caller: ApiCaller, entry: ResourceType, patient_id: int | None
) -> Sequence[Any] | QuerySet[Any]:
    """The rows (or, for listing types, the resources) of the type, of one patient if given."""
    if entry.listing is not None:
        return entry.listing(caller, patient_id)
    assert entry.rows is not None
    rows = entry.rows(caller)
    if patient_id is not None:
        rows = rows.filter(**{str(entry.patient_lookup): patient_id})
    return rows.order_by("pk") if not rows.ordered else rows


def _as_resources(entry: ResourceType, items: Sequence[Any] | QuerySet[Any]) -> list[Resource]:
    if entry.listing is not None:
        return [checked(item) for item in items]
    assert entry.to_fhir is not None
    return [checked(entry.to_fhir(row)) for row in items]


def patient_of_search(caller: ApiCaller, value: str) -> int:
    """The id a `patient=` or `subject=` value names; another clinic's patient is NotFound."""
    raw = value.removeprefix("Patient/")
    if not raw.isdigit() or len(raw) > 18:
        raise SearchNotValid(f"'{value}' is not a patient id (write 12 or Patient/12)")
    patient_id = int(raw)
    if not REGISTRY["Patient"].rows(caller).filter(pk=patient_id).exists():  # type: ignore[misc]
        raise NotFound(f"no Patient with id '{raw}'")
    return patient_id


def search(caller: ApiCaller, name: str, patient_id: int | None, offset: int, count: int) -> Page:
    entry = resource_type(caller, name)
    if patient_id is not None and entry.patient_lookup is None:
        raise SearchNotValid(f"{name} records belong to no patient: search without patient")
    found = _all_of(caller, entry, patient_id)
    total = found.count() if isinstance(found, QuerySet) else len(found)
    return Page(total, _as_resources(entry, found[offset : offset + count]), offset, count)


def everything(caller: ApiCaller, patient_id: int) -> list[Resource]:
    """The patient and every record of theirs the caller may read, type by type."""
    patient = read(caller, "Patient", str(patient_id))
    found = [patient]
    for entry in REGISTRY.values():
        # The audit trail records who looked at the record; it is not part of it.
        if entry.name in ("Patient", "AuditEvent") or entry.patient_lookup is None:
            continue
        if entry.clinical and not caller.is_clinical:
            continue
        found += _as_resources(entry, _all_of(caller, entry, patient_id))
    return found


# --- import --------------------------------------------------------------------------------


def validated(model: type[Resource], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ResourceNotValid(where, "a JSON object is expected")
    if data.get("resourceType") != model.get_resource_type():
        raise ResourceNotValid(
            f"{where}.resourceType", f"a {model.get_resource_type()} is expected here"
        )
    try:
        resource = model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _location(error["loc"])
        raise ResourceNotValid(f"{where}.{field}" if field else where, error["msg"]) from None
    problems = code_problems(resource)
    if problems:
        field, _, message = problems[0].partition(": ")
        raise ResourceNotValid(f"{where}.{field}", message)
    return resource


def _register(caller: ApiCaller, resource: FhirPatient, today: date) -> Any:
    patient = patient_from_fhir(resource, today)
    try:
        return register_patient(caller.clinic, patient, different_person=False)
    except PossibleDuplicates as exc:
        raise Duplicate([f"Patient/{match.pk}" for match in exc.matches]) from None


def create_patient(caller: ApiCaller, data: Any) -> FhirPatient:
    resource = validated(FhirPatient, data, "Patient")
    patient = _register(caller, resource, timezone.localdate())
    return checked(patient_to_fhir(patient))  # type: ignore[return-value]


@dataclass(frozen=True)
class Created:
    resource_type: str
    resource_id: str
    patient_id: int


def _entries(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise ResourceNotValid("Bundle", "POST /fhir/ takes a transaction Bundle")
    if data.get("type") != "transaction":
        raise ResourceNotValid("Bundle.type", "only a transaction Bundle is taken")
    entries = data.get("entry") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ResourceNotValid("Bundle.entry", "each entry is a JSON object")
    for index, entry in enumerate(entries):
        kind = _kind(entry)
        _check_request(entry, f"Bundle.entry[{index}]", kind if kind == "Patient" else "Condition")
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ResourceNotValid(f"Bundle.{_location(error['loc'])}", error["msg"]) from None
    return list(entries)


def _location(loc: tuple[int | str, ...]) -> str:
    """pydantic's ('entry', 2, 'resource', 'status') as FHIRPath: entry[2].resource.status."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "resource_type":
            path += f".{part}" if path else str(part)
    return path


def transaction_import(caller: ApiCaller, data: Any) -> list[Created]:
    """A Patient and their Conditions, all or nothing."""
    entries = _entries(data)
    patients = [(i, e) for i, e in enumerate(entries) if _kind(e) == "Patient"]
    if len(patients) != 1:
        raise ResourceNotValid("Bundle.entry", "a transaction holds exactly one Patient")
    if len(entries) > 1:
        # Conditions are clinical: the same role rule as reading them (reception may not).
        resource_type(caller, "Condition")
    today = timezone.localdate()
    created: list[Created] = []
    with transaction.atomic():
        index, entry = patients[0]
        where = f"Bundle.entry[{index}]"
        full_url = entry.get("fullUrl")
        if not isinstance(full_url, str) or not full_url.startswith("urn:uuid:"):
            raise ResourceNotValid(f"{where}.fullUrl", "the Patient needs a urn:uuid: fullUrl")
        patient = _register(
            caller, validated(FhirPatient, entry["resource"], f"{where}.resource"), today
        )
        slots: list[Created | None] = [None] * len(entries)
        slots[index] = Created("Patient", str(patient.pk), patient.pk)
        for i, other in enumerate(entries):
            if i == index:
                continue
            where = f"Bundle.entry[{i}]"
            condition: Condition = validated(Condition, other.get("resource"), f"{where}.resource")
            if condition.subject is None or condition.subject.reference != full_url:
                raise ResourceNotValid(
                    f"{where}.resource.subject", f"a Condition here is about {full_url}"
                )
            fields = condition_from_fhir(
                condition, f"{where}.resource", patient.date_of_birth, today
            )
            row = ImportedCondition.objects.create(
                clinic=caller.clinic, patient=patient, created_by=caller.user, **fields
            )
            slots[i] = Created("Condition", f"imported-{row.pk}", patient.pk)
        created = [slot for slot in slots if slot is not None]
    return created


def _kind(entry: dict[str, Any]) -> Any:
    resource = entry.get("resource")
    return resource.get("resourceType") if isinstance(resource, dict) else None


def _check_request(entry: dict[str, Any], where: str, expected: str) -> None:
    if _kind(entry) != expected:
        raise ResourceNotValid(
            f"{where}.resource", "a transaction holds one Patient and Conditions about them"
        )
    request = entry.get("request")
    if (
        not isinstance(request, dict)
        or request.get("method") != "POST"
        or str(request.get("url", "")).strip("/") != expected
    ):
        raise ResourceNotValid(f"{where}.request", f"create with method POST and url {expected}")
