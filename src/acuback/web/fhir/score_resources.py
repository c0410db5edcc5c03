"""Scores as FHIR R4B: an Observation per score and a QuestionnaireResponse for the answers
it was scored from. LOINC only where codes.LOINC_BY_INSTRUMENT has a confirmed code; our
instrument code always; never an instrument's wording (items are "Item 1", "Item 2"...).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from acuback.interop import codes
from acuback.knowledge.loader import knowledge_base
from acuback.web.apitokens.service import ApiCaller
from acuback.web.care.models import ScoreRecord, ScoreSource
from acuback.web.fhir.clinical_resources import coding, number, ref
from acuback.web.fhir.registry import ResourceType, register


def _instrument_code(instrument: str) -> dict[str, Any]:
    kb = knowledge_base()
    entry = kb.instruments.get(instrument)
    codings = []
    if instrument in codes.LOINC_BY_INSTRUMENT:
        loinc = codes.LOINC_BY_INSTRUMENT[instrument]
        codings.append(coding(codes.LOINC, loinc, codes.LOINC_DISPLAY[loinc]))
    codings.append(coding(codes.INSTRUMENT, instrument, entry.label if entry else None))
    return {"coding": codings, "text": entry.label if entry else instrument}


def _item_label(item_code: str) -> str:
    """Neutral text only: the instruments' wording is copyrighted and never shipped."""
    return f"Item {item_code.rsplit('-', 1)[-1]}"


def _reporter(score: ScoreRecord) -> dict[str, str]:
    if score.source == ScoreSource.PATIENT:
        return ref("Patient", score.patient_id)
    return ref("Practitioner", score.created_by_id)


# --- Observation: one per score ---------------------------------------------------------


def observation(score: ScoreRecord) -> Observation:
    reported = (
        "Reported by the patient at home"
        if score.source == ScoreSource.PATIENT
        else ("Recorded at the clinic")
    )
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(score.pk),
        "status": "final",
        "category": [
            {"coding": [coding(codes.OBSERVATION_CATEGORY, "survey", "Survey")], "text": "Survey"}
        ],
        "code": _instrument_code(score.instrument),
        "subject": ref("Patient", score.patient_id),
        "effectiveDateTime": score.day.isoformat(),
        "issued": score.created.isoformat(),
        "performer": [_reporter(score)],
        "valueQuantity": {
            "value": number(score.value),
            "unit": "score",
            "system": codes.UCUM,
            "code": "{score}",
        },
        "note": [{"text": reported}],
    }
    if score.session_id is not None:
        data["partOf"] = [ref("Procedure", score.session_id)]
    if score.items or score.instrument in _single_item_instruments():
        # The answers it was scored from (see answered_rows).
        data["derivedFrom"] = [ref("QuestionnaireResponse", score.pk)]
    if len(score.items) > 1:
        data["component"] = [
            {
                "code": {"coding": [coding(codes.INSTRUMENT, item)], "text": _item_label(item)},
                "valueInteger": int(answer),
            }
            for item, answer in score.items.items()
        ]
    return Observation.model_validate(data)


def score_rows(caller: ApiCaller) -> QuerySet[ScoreRecord]:
    return ScoreRecord.objects.filter(clinic=caller.clinic)


# --- QuestionnaireResponse: the answers a score came from ------------------------------


def _single_item_instruments() -> list[str]:
    return [code for code, entry in knowledge_base().instruments.items() if entry.item_count == 1]


def questionnaire_response(score: ScoreRecord) -> QuestionnaireResponse:
    """The item answers; an instrument of one item (the NRS) answers with its score."""
    entry = knowledge_base().instruments[score.instrument]
    answers: dict[str, Any] = dict(score.items) if score.items else {}
    if not answers and entry.item_count == 1:
        answers = {entry.item_codes[0]: score.value}
    items = []
    for item in entry.item_codes:
        if item not in answers:
            continue
        value = number(answers[item])
        kind = "valueInteger" if isinstance(value, int) else "valueDecimal"
        items.append({"linkId": item, "text": _item_label(item), "answer": [{kind: value}]})
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(score.pk),
        "questionnaire": f"{codes.CANONICAL}/Questionnaire/{score.instrument}",
        "status": "completed",
        "subject": ref("Patient", score.patient_id),
        "authored": score.created.isoformat(),
        "author": _reporter(score),
        "source": _reporter(score),
        "item": items,
    }
    if score.session_id is not None:
        data["partOf"] = [ref("Procedure", score.session_id)]
    return QuestionnaireResponse.model_validate(data)


def answered_rows(caller: ApiCaller) -> QuerySet[ScoreRecord]:
    """Scores whose answers we hold: item ratings, or the one answer of a one-item scale."""
    return ScoreRecord.objects.filter(
        clinic=caller.clinic, instrument__in=knowledge_base().instruments
    ).filter(Q(instrument__in=_single_item_instruments()) | ~Q(items={}))


OBSERVATION = register(ResourceType("Observation", score_rows, observation, "patient_id", True))
QUESTIONNAIRE_RESPONSE = register(
    ResourceType("QuestionnaireResponse", answered_rows, questionnaire_response, "patient_id", True)
)
