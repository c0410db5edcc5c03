"""Every code system acuback emits in FHIR, and the codes it may emit from each.

fhir.resources validates structure but not terminology bindings (`Patient(gender="nope")`
passes), so everything we emit is checked here: a Coding must name a system listed below and
a code that system allows, and a `code` field with a fixed value set must hold one of its
values. A code that is not confirmed in the source terminology is not listed (PEG and RMDQ
have no LOINC code we could confirm: they live in our own instrument CodeSystem).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Final

from pydantic import BaseModel

from acuback.knowledge.loader import knowledge_base

# Canonical identifiers of acuback's own code systems: stable names, the same for every
# installation (a clinic's address would make codes from two clinics look different).
# Each is also served as a CodeSystem resource at /fhir/CodeSystem/<id>.
CANONICAL: Final = "http://acuback.org/fhir"
ACUPUNCTURE_POINT: Final = f"{CANONICAL}/CodeSystem/acupuncture-point"
INSTRUMENT: Final = f"{CANONICAL}/CodeSystem/instrument"
CONDITION: Final = f"{CANONICAL}/CodeSystem/condition"
EXTENSION: Final = f"{CANONICAL}/StructureDefinition"

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
ADVERSE_EVENT_SEVERITY: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
ADVERSE_EVENT_SERIOUSNESS: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AUDIT_EVENT_TYPE: Final = "http://terminology.hl7.org/CodeSystem/audit-event-type"
PARTICIPATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"

# LOINC codes confirmed on loinc.org (see /work notes of issue 12): NRS 0-10 and the ODI score.
LOINC_BY_INSTRUMENT: Final[Mapping[str, str]] = {"nrs": "72514-3", "odi": "97909-6"}
LOINC_DISPLAY: Final[Mapping[str, str]] = {
    "72514-3": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    "97909-6": "Oswestry disability index score ODI",
}
# SNOMED CT concepts confirmed in more than one terminology source.
SNOMED_BY_CONDITION: Final[Mapping[str, str]] = {
    "acute-low-back-pain": "279039007",  # Low back pain (finding)
    "chronic-low-back-pain": "279039007",
    "sciatica": "23056005",  # Sciatica (disorder)
}
SNOMED_DISPLAY: Final[Mapping[str, str]] = {
    "279039007": "Low back pain",
    "23056005": "Sciatica",
}


def point_code(code: str) -> str:
    """A point's code in our CodeSystem: its WHO standard code (BL23); ear points and ashi,
    which have none, keep the knowledge base's code (ear-shenmen)."""
    return knowledge_base().points[code].who_code or code


@cache
def allowed_codes() -> Mapping[str, frozenset[str]]:
    """Each system we emit, with every code we may emit from it."""
    kb = knowledge_base()
    return {
        ACUPUNCTURE_POINT: frozenset(point_code(code) for code in kb.points),
        # Each instrument and its items by the knowledge base's item codes (RMDQ has 24,
        # STarT Back's are startback-1..9).
        INSTRUMENT: frozenset(
            [
                *kb.instruments,
                *(item for entry in kb.instruments.values() for item in entry.item_codes),
            ]
        ),
        CONDITION: frozenset(kb.conditions),
        LOINC: frozenset(LOINC_BY_INSTRUMENT.values()),
        SNOMED: frozenset(SNOMED_BY_CONDITION.values()),
        UCUM: frozenset({"{score}", "min", "mm", "Hz", "mA"}),
        OBSERVATION_CATEGORY: frozenset({"survey", "exam", "vital-signs"}),
        CONDITION_CLINICAL: frozenset({"active", "recurrence", "relapse", "inactive", "resolved"}),
        CONDITION_VERIFICATION: frozenset({"unconfirmed", "provisional", "confirmed"}),
        CONDITION_CATEGORY: frozenset({"problem-list-item", "encounter-diagnosis"}),
        ADVERSE_EVENT_SEVERITY: frozenset({"mild", "moderate", "severe"}),
        ADVERSE_EVENT_SERIOUSNESS: frozenset({"serious", "non-serious"}),
        AUDIT_EVENT_TYPE: frozenset({"rest"}),
        PARTICIPATION_TYPE: frozenset({"PPRF", "SPRF", "ATND", "PART"}),
    }


def _codings(value: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(value, dict):
        if "code" in value and ("system" in value or "display" in value):
            yield path, value.get("system"), value.get("code")
        for key, item in value.items():
            # An extension's url names the extension, not a code system.
            yield from _codings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _codings(item, f"{path}[{index}]")


def _enum_fields(model: BaseModel, path: str) -> Iterator[str]:
    """Problems with `code` fields bound to a fixed value set, e.g. Appointment.status."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        where = f"{path}.{name}" if path else name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        # FHIR writes "amended +" for a code with specialisations; the "+" is no code.
        listed = extra.get("enum_values")
        allowed = [str(c) for c in listed if c != "+"] if isinstance(listed, list) else []
        if allowed and isinstance(value, str) and value not in allowed:
            yield f"{where}: '{value}' is not one of {', '.join(map(str, allowed))}"
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                yield from _enum_fields(
                    item, f"{where}[{index}]" if isinstance(value, list) else where
                )


def _concept_problems(
    concepts: list[dict[str, Any]], url: Any, allowed: Mapping[str, frozenset[str]]
) -> list[str]:
    problems = []
    for concept in concepts:
        if concept.get("code") not in allowed.get(str(url), frozenset()):
            problems.append(f"concept: '{concept.get('code')}' is not a code of {url}")
        problems += _concept_problems(concept.get("concept", []), url, allowed)
    return problems


def code_problems(resource: BaseModel) -> list[str]:
    """Every code in a fhir.resources model that comes from no allowed system or value set."""
    problems = list(_enum_fields(resource, ""))
    allowed = allowed_codes()
    data = resource.model_dump(mode="json", exclude_none=True)
    if data.get("resourceType") == "CodeSystem":
        # A CodeSystem's concepts define codes rather than use them: each must be one we
        # allow from the system the CodeSystem publishes.
        problems += _concept_problems(data.pop("concept", []), data.get("url"), allowed)
    for path, system, code in _codings(data, ""):
        if system is None:
            problems.append(f"{path}: code '{code}' names no system")
        elif system not in allowed:
            problems.append(f"{path}: system {system} is not one acuback emits")
        elif code not in allowed[system]:
            problems.append(f"{path}: '{code}' is not a code of {system}")
    return problems
