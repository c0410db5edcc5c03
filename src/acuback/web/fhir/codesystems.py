"""What acuback publishes besides clinic data: its two CodeSystems and a Questionnaire per
instrument, built from the knowledge base (the same for every clinic and every caller).

No copyrighted text: points carry their WHO code and pinyin (never the WHO location
prose); questionnaires carry item ids, neutral "Item N" text and the scoring range (never
an instrument's wording).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.questionnaire import Questionnaire

from acuback.interop import codes
from acuback.knowledge.loader import knowledge_base
from acuback.knowledge.schema import Instrument
from acuback.web.apitokens.service import ApiCaller
from acuback.web.fhir.registry import ResourceType, register

PUBLISHER: Final = "acuback"
POINT_SYSTEM_ID: Final = "acupuncture-point"
INSTRUMENT_SYSTEM_ID: Final = "instrument"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _range(entry: Instrument) -> str:
    worse = "higher is worse" if entry.higher_is_worse else "higher is better"
    return f"Scored {_number(entry.minimum)} to {_number(entry.maximum)} ({worse})."


@cache
def point_code_system() -> CodeSystem:
    kb = knowledge_base()
    concepts = []
    for code, point in kb.points.items():
        name = f"{point.who_code} {point.pinyin}" if point.who_code else point.label
        concepts.append(
            {
                "code": codes.point_code(code),
                "display": name,
                "property": [
                    {"code": "channel", "valueString": point.channel},
                    {"code": "region", "valueString": kb.regions[point.region].label}
                    if point.region in kb.regions
                    else {"code": "region", "valueString": point.region},
                    {"code": "bilateral", "valueBoolean": point.bilateral},
                ],
            }
        )
    return CodeSystem.model_validate(
        {
            "resourceType": "CodeSystem",
            "id": POINT_SYSTEM_ID,
            "url": codes.ACUPUNCTURE_POINT,
            "name": "AcubackAcupuncturePoint",
            "title": "Acupuncture points used by acuback",
            "status": "active",
            "experimental": False,
            "publisher": PUBLISHER,
            "description": (
                "Acupuncture points charted by acuback. A point's code is its WHO standard "
                "code (e.g. BL23); ear points and others without one keep acuback's own code "
                "(e.g. ear-shenmen). Display is the code and the pinyin name. The side needled "
                f"is not part of the code: see the extension {codes.EXTENSION}/point-side."
            ),
            "caseSensitive": True,
            "content": "complete",
            "count": len(concepts),
            "property": [
                {"code": "channel", "type": "string", "description": "Channel (meridian)"},
                {"code": "region", "type": "string", "description": "Body region"},
                {"code": "bilateral", "type": "boolean", "description": "Found on both sides"},
            ],
            "concept": concepts,
        }
    )


@cache
def instrument_code_system() -> CodeSystem:
    concepts = []
    for code, entry in knowledge_base().instruments.items():
        concepts.append(
            {
                "code": code,
                "display": entry.label,
                "definition": _range(entry),
                "property": [
                    {"code": "minimum", "valueDecimal": entry.minimum},
                    {"code": "maximum", "valueDecimal": entry.maximum},
                ],
                "concept": [
                    {"code": item, "display": f"{entry.label}, item {number}"}
                    for number, item in enumerate(entry.item_codes, 1)
                ],
            }
        )
    return CodeSystem.model_validate(
        {
            "resourceType": "CodeSystem",
            "id": INSTRUMENT_SYSTEM_ID,
            "url": codes.INSTRUMENT,
            "name": "AcubackInstrument",
            "title": "Questionnaires and scales used by acuback",
            "status": "active",
            "experimental": False,
            "publisher": PUBLISHER,
            "description": (
                "Outcome and screening instruments and their items, by acuback's ids. Only "
                "ids and scoring ranges: the instruments' wording is not published here."
            ),
            "caseSensitive": True,
            "hierarchyMeaning": "part-of",
            "content": "complete",
            "count": sum(1 + len(c["concept"]) for c in concepts),
            "property": [
                {"code": "minimum", "type": "decimal", "description": "Lowest score"},
                {"code": "maximum", "type": "decimal", "description": "Highest score"},
            ],
            "concept": concepts,
        }
    )


def code_systems() -> list[CodeSystem]:
    return [point_code_system(), instrument_code_system()]


def code_system(pk: str) -> CodeSystem | None:
    return {
        POINT_SYSTEM_ID: point_code_system(),
        INSTRUMENT_SYSTEM_ID: instrument_code_system(),
    }.get(pk)


def _item(entry: Instrument, item: str, number: int) -> dict[str, Any]:
    single = entry.item_count == 1
    found: dict[str, Any] = {
        "linkId": item,
        "code": [{"system": codes.INSTRUMENT, "code": item}],
        "text": f"Item {number}",
        # A one-item scale's answer is its score, which may be given to a decimal.
        "type": "decimal" if single else "integer",
        "required": single,
    }
    return found


def questionnaire(code: str) -> Questionnaire | None:
    entry = knowledge_base().instruments.get(code)
    if entry is None:
        return None
    coding = []
    if code in codes.LOINC_BY_INSTRUMENT:
        loinc = codes.LOINC_BY_INSTRUMENT[code]
        coding.append({"system": codes.LOINC, "code": loinc, "display": codes.LOINC_DISPLAY[loinc]})
    coding.append({"system": codes.INSTRUMENT, "code": code, "display": entry.label})
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": code,
            "url": f"{codes.CANONICAL}/Questionnaire/{code}",
            "name": "".join(part.capitalize() for part in code.split("-")),
            "title": entry.label,
            "status": "active",
            "experimental": False,
            "publisher": PUBLISHER,
            "subjectType": ["Patient"],
            "description": (
                f"{_range(entry)} {entry.scoring} Item wording is not included: it is the "
                "copyright of the instrument's authors."
            ),
            "copyright": entry.licence,
            "code": coding,
            "item": [_item(entry, item, number) for number, item in enumerate(entry.item_codes, 1)],
        }
    )


def questionnaires() -> list[Questionnaire]:
    return [q for code in knowledge_base().instruments if (q := questionnaire(code)) is not None]


# Not clinic data: the same for every caller, and belonging to no patient.
def _list_code_systems(caller: ApiCaller, patient_id: int | None) -> list[CodeSystem]:
    return code_systems()


def _find_code_system(caller: ApiCaller, pk: str) -> CodeSystem | None:
    return code_system(pk)


def _list_questionnaires(caller: ApiCaller, patient_id: int | None) -> list[Questionnaire]:
    return questionnaires()


def _find_questionnaire(caller: ApiCaller, pk: str) -> Questionnaire | None:
    return questionnaire(pk)


CODE_SYSTEM = register(
    ResourceType(
        "CodeSystem", None, None, None, False,
        listing=_list_code_systems, find=_find_code_system,
    )
)  # fmt: skip
QUESTIONNAIRE = register(
    ResourceType(
        "Questionnaire", None, None, None, False,
        listing=_list_questionnaires, find=_find_questionnaire,
    )
)  # fmt: skip
