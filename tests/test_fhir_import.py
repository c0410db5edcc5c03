"""FHIR import: a Patient, or a transaction Bundle of a Patient and Conditions, all or nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from acuback.interop import codes
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.clinics.models import Patient
from acuback.web.fhir.models import ImportedCondition
from tests.fhir_helpers import call, issue, new_patient, token_for, valid

PATIENT_URL = "urn:uuid:6f1c1b0e-3f0a-4d4e-9a55-0d7e1c2a9b11"


@pytest.fixture(autouse=True)
def strict_codes(settings: Any) -> None:
    settings.FHIR_STRICT_CODES = True


def condition(system: str = codes.CONDITION, code: str = "sciatica", **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "subject": {"reference": PATIENT_URL},
        "code": {"coding": [{"system": system, "code": code}]},
        **more,
    }


def transaction(
    *conditions: dict[str, Any], patient: dict[str, Any] | None = None
) -> dict[str, Any]:
    entries = [
        {
            "fullUrl": PATIENT_URL,
            "resource": patient or new_patient(),
            "request": {"method": "POST", "url": "Patient"},
        }
    ]
    entries += [
        {"resource": item, "request": {"method": "POST", "url": "Condition"}} for item in conditions
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def test_a_patient_is_created_in_the_callers_clinic(clinics: dict[str, Any]) -> None:
    # Reception registers patients too; fhirpy posts plain application/json.
    response = call(
        "post",
        "/fhir/Patient",
        token_for(clinics["colleague"]),
        body=new_patient(),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = valid(response)
    patient = Patient.objects.get(pk=int(body["id"]))
    assert response["Location"].endswith(f"/fhir/Patient/{patient.pk}")
    assert (patient.clinic, patient.given_name, patient.family_name) == (
        clinics["home"],
        "Rosa",
        "Quill",
    )
    assert (patient.date_of_birth.isoformat(), patient.sex) == ("1980-02-03", "female")
    assert (patient.phone, patient.email) == ("+447700900555", "rosa@example.org")
    assert patient.address == "3 Test Lane\nLeeds\nLS1 1AA"
    event = AuditEvent.objects.get(path="/fhir/Patient")
    assert (event.action, event.clinic, event.patient_id) == (
        Action.CREATE,
        clinics["home"],
        patient.pk,
    )


def test_a_duplicate_is_refused_naming_the_patient_on_record(clinics: dict[str, Any]) -> None:
    ada = clinics["patient"]
    twin = new_patient(family="FENWICK", given="Adá", born="1968-04-12")
    message = issue(call("post", "/fhir/Patient", token_for(clinics["practitioner"]), twin), 409)
    assert f"Patient/{ada.pk}" in message
    assert Patient.objects.filter(clinic=clinics["home"]).count() == 1
    # The same person in another clinic is no duplicate of theirs.
    outsider = call("post", "/fhir/Patient", token_for(clinics["outsider"]), twin)
    assert outsider.status_code == 201


INVALID_PATIENTS = [
    ({"name": [{"given": ["Rosa"]}]}, "Patient.name.family"),
    ({"name": [{"family": "Quill"}]}, "Patient.name.given"),
    ({"birthDate": None}, "Patient.birthDate"),
    ({"birthDate": "1980-02"}, "Patient.birthDate"),
    ({"birthDate": "2999-01-01"}, "Patient.birthDate"),
    ({"birthDate": "1850-01-01"}, "Patient.birthDate"),
    ({"gender": "nope"}, "Patient.gender"),
    ({"colour": "blue"}, "Patient.colour"),
    ({"telecom": [{"system": "phone", "value": "12"}]}, "Patient.telecom[0]"),
    # The registration form's own rules: a phone that does not fit, an email that is none.
    (
        {
            "telecom": [
                {"system": "email", "value": "a@b.c"},
                {"system": "phone", "value": "1" * 60},
            ]
        },
        "Patient.telecom[1]",
    ),
    ({"telecom": [{"system": "email", "value": "not an address"}]}, "Patient.telecom[0]"),
    ({"resourceType": "Practitioner"}, "Patient.resourceType"),
]


def test_an_invalid_patient_is_refused_naming_the_field(clinics: dict[str, Any]) -> None:
    secret = token_for(clinics["practitioner"])
    for change, field in INVALID_PATIENTS:
        body = {**new_patient(), **change}
        body = {key: value for key, value in body.items() if value is not None}
        message = issue(call("post", "/fhir/Patient", secret, body), 422)
        assert message.split(":")[0] == field, message
    assert Patient.objects.count() == 2


def test_a_minor_and_bad_bodies_are_refused(clinics: dict[str, Any]) -> None:
    secret = token_for(clinics["practitioner"])
    child = new_patient(born=(timezone.localdate() - timedelta(days=365 * 10)).isoformat())
    assert "guardian" in issue(call("post", "/fhir/Patient", secret, child), 422)
    issue(call("post", "/fhir/Patient", secret, new_patient(), content_type="text/plain"), 415)
    response = call("post", "/fhir/Patient", secret)
    issue(response, 415)
    issue(call("post", "/fhir/Patient", secret, "{not json", content_type="application/json"), 400)
    issue(call("post", "/fhir/Patient", secret, [new_patient()]), 422)
    issue(call("post", "/fhir/Condition", secret, condition()), 405)
    assert Patient.objects.count() == 2


def test_a_transaction_creates_the_patient_and_conditions(clinics: dict[str, Any]) -> None:
    secret = token_for(clinics["practitioner"])
    bundle = transaction(
        condition(),
        condition(
            codes.SNOMED,
            "279039007",
            onsetDateTime="2025-11-02",
            clinicalStatus={"coding": [{"system": codes.CONDITION_CLINICAL, "code": "resolved"}]},
        ),
    )
    response = call("post", "/fhir/", secret, bundle)
    assert response.status_code == 200, response.content
    answer = valid(response)
    assert answer["type"] == "transaction-response"
    locations = [e["response"]["location"] for e in answer["entry"]]
    patient = Patient.objects.get(family_name="Quill")
    imported = list(ImportedCondition.objects.filter(patient=patient))
    assert locations == [
        f"Patient/{patient.pk}",
        f"Condition/imported-{imported[0].pk}",
        f"Condition/imported-{imported[1].pk}",
    ]
    assert [(c.condition_code, c.snomed_code, c.clinical_status) for c in imported] == [
        ("sciatica", "", "active"),
        ("", "279039007", "resolved"),
    ]
    # They come back with the patient's other records.
    found = valid(call("get", f"/fhir/Condition?patient={patient.pk}", secret))
    assert found["total"] == 2
    first = found["entry"][0]["resource"]
    assert [c["code"] for c in first["code"]["coding"]] == ["sciatica", "23056005"]
    second = found["entry"][1]["resource"]
    assert second["onsetDateTime"] == "2025-11-02"
    everything = valid(call("get", f"/fhir/Patient/{patient.pk}/$everything", secret))
    ids = {e["resource"]["id"] for e in everything["entry"]}
    assert {str(patient.pk), f"imported-{imported[0].pk}", f"imported-{imported[1].pk}"} <= ids
    event = AuditEvent.objects.get(path="/fhir/")
    assert (event.action, event.patient_id) == (Action.CREATE, patient.pk)


BAD_CONDITIONS = [
    (condition("http://hl7.org/fhir/sid/icd-10", "M54.5"), "code.coding[0]"),
    (condition(codes.CONDITION, "broken-heart"), "code.coding[0]"),
    (condition(codes.SNOMED, "386637004"), "code.coding[0]"),
    ({**condition(), "code": None}, "code"),
    (condition(onsetDateTime="2999-01-01"), "onsetDateTime"),
    (condition(onsetDateTime="1950-01-01"), "onsetDateTime"),
    ({**condition(), "subject": {"reference": "Patient/1"}}, "subject"),
    (
        condition(clinicalStatus={"coding": [{"system": codes.CONDITION_CLINICAL, "code": "x"}]}),
        "clinicalStatus",
    ),
    ({**condition(), "resourceType": "Observation"}, "resource"),
]


def test_one_bad_condition_leaves_nothing_behind(clinics: dict[str, Any]) -> None:
    secret = token_for(clinics["practitioner"])
    for bad, field in BAD_CONDITIONS:
        bad = {key: value for key, value in bad.items() if value is not None}
        bundle = transaction(condition(), bad)
        message = issue(call("post", "/fhir/", secret, bundle), 422)
        assert message.startswith("Bundle.entry[2].resource"), message
        assert field in message.split(":")[0], message
    assert not Patient.objects.filter(family_name="Quill").exists()
    assert not ImportedCondition.objects.exists()
    assert not AuditEvent.objects.filter(path="/fhir/").exists()


def test_a_transaction_must_be_one_patient_with_their_conditions(clinics: dict[str, Any]) -> None:
    secret = token_for(clinics["practitioner"])
    batch = {**transaction(condition()), "type": "batch"}
    assert "transaction" in issue(call("post", "/fhir/", secret, batch), 422)
    two = transaction(condition())
    two["entry"].append({**two["entry"][0], "fullUrl": "urn:uuid:other"})
    assert "exactly one Patient" in issue(call("post", "/fhir/", secret, two), 422)
    no_urn = transaction(condition())
    no_urn["entry"][0]["fullUrl"] = "Patient/1"
    assert "urn:uuid" in issue(call("post", "/fhir/", secret, no_urn), 422)
    put = transaction(condition())
    put["entry"][1]["request"] = {"method": "PUT", "url": "Condition/1"}
    assert "POST" in issue(call("post", "/fhir/", secret, put), 422)
    duplicate = transaction(condition(), patient=new_patient("Fenwick", "Ada", "1968-04-12"))
    issue(call("post", "/fhir/", secret, duplicate), 409)
    assert not ImportedCondition.objects.exists()
    assert Patient.objects.count() == 2


def test_reception_may_register_a_patient_but_not_import_conditions(
    clinics: dict[str, Any],
) -> None:
    secret = token_for(clinics["colleague"])
    assert "practitioners" in issue(call("post", "/fhir/", secret, transaction(condition())), 403)
    assert not Patient.objects.filter(family_name="Quill").exists()
    assert not ImportedCondition.objects.exists()
    response = call("post", "/fhir/Patient", secret, new_patient())
    assert response.status_code == 201, response.content
