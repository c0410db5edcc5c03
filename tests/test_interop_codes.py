"""The terminology check every emitted FHIR resource passes (fhir.resources does not bind codes)."""

from __future__ import annotations

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure

from acuback.interop.codes import ACUPUNCTURE_POINT, LOINC, UCUM, allowed_codes, code_problems
from acuback.knowledge.loader import knowledge_base


def _nrs(code: str, status: str = "final") -> Observation:
    return Observation(
        status=status,
        code={"coding": [{"system": LOINC, "code": code}]},
        valueQuantity={"value": 3, "unit": "{score}", "system": UCUM, "code": "{score}"},
    )


def test_codes_from_allowed_systems_pass() -> None:
    assert code_problems(_nrs("72514-3")) == []
    assert code_problems(Patient(id="1", gender="female")) == []


def test_a_value_outside_a_fixed_value_set_is_caught() -> None:
    assert code_problems(Patient(id="1", gender="nope")) == [
        "gender: 'nope' is not one of male, female, other, unknown"
    ]
    assert code_problems(_nrs("72514-3", status="done")) == [
        "status: 'done' is not one of registered, preliminary, final, amended"
    ]
    nested = Appointment(status="booked", participant=[{"status": "maybe"}])
    assert code_problems(nested) == [
        "participant[0].status: 'maybe' is not one of accepted, declined, tentative, needs-action"
    ]


def test_unknown_codes_and_systems_are_caught() -> None:
    assert code_problems(_nrs("12345-6")) == [f"code.coding[0]: '12345-6' is not a code of {LOINC}"]
    foreign = Observation(
        status="final", code={"coding": [{"system": "http://example.org/x", "code": "a"}]}
    )
    assert code_problems(foreign) == [
        "code.coding[0]: system http://example.org/x is not one acuback emits"
    ]
    no_system = Observation(status="final", code={"coding": [{"code": "a", "display": "A"}]})
    assert code_problems(no_system) == ["code.coding[0]: code 'a' names no system"]


def test_every_point_of_the_knowledge_base_has_its_standard_code() -> None:
    points = allowed_codes()[ACUPUNCTURE_POINT]
    kb_points = knowledge_base().points.values()
    assert {p.who_code or p.code for p in kb_points} == points
    assert "BL23" in points and "ear-shenmen" in points
    used = Procedure(
        status="completed",
        subject={"reference": "Patient/1"},
        usedCode=[{"coding": [{"system": ACUPUNCTURE_POINT, "code": "BL23"}]}],
    )
    assert "BL23" in points and code_problems(used) == []
    used.usedCode[0].coding[0].code = "bl23"
    assert code_problems(used) == [
        f"usedCode[0].coding[0]: 'bl23' is not a code of {ACUPUNCTURE_POINT}"
    ]
