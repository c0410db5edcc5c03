"""/fhir/ read side: bearer tokens only, clinic isolation, roles, search pages, $everything."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from acuback.interop import codes
from acuback.web.apitokens import service as tokens
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.clinics.models import Patient
from tests.check_in_helpers import a_plan
from tests.fhir_helpers import call, issue, token_for, valid

URL_SHAPES = [
    ("get", "/fhir/Patient"),
    ("get", "/fhir/Patient/1"),
    ("get", "/fhir/Condition?patient=1"),
    ("get", "/fhir/Patient/1/$everything"),
    ("post", "/fhir/Patient"),
    ("post", "/fhir/"),
    ("get", "/fhir/Nothing/here/at/all"),
    ("delete", "/fhir/Patient/1"),
]


@pytest.fixture(autouse=True)
def strict_codes(settings: Any) -> None:
    # A code from no allowed system fails the request instead of being logged.
    settings.FHIR_STRICT_CODES = True


def test_every_url_wants_a_valid_token(clinics: dict[str, Any]) -> None:
    token, secret = tokens.create_token(clinics["practitioner"], "soon revoked")
    tokens.revoke_token(clinics["practitioner"], token.pk)
    patient_id = clinics["patient"].pk
    for method, path in URL_SHAPES:
        path = path.replace("/1", f"/{patient_id}").replace("=1", f"={patient_id}")
        for bad in (None, "acb_not-a-token", "Basic", secret):
            response = call(method, path, bad, body={} if method == "post" else None)
            assert "token" in issue(response, 401), (method, path, bad)
            assert response["WWW-Authenticate"].startswith("Bearer")
    # A signed-in browser session is no token either.
    from django.test import Client

    from tests.conftest import PASSWORD

    browser = Client()
    assert browser.login(username="alice", password=PASSWORD)
    assert browser.get(f"/fhir/Patient/{patient_id}").status_code == 401
    assert not AuditEvent.objects.filter(path__startswith="/fhir/").exists()


def test_metadata_is_open_and_lists_the_registry(clinics: dict[str, Any]) -> None:
    response = call("get", "/fhir/metadata", None)
    assert response.status_code == 200
    statement = valid(response)
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.3.0"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Condition"} <= set(served)
    assert {"code": "create"} in served["Patient"]["interaction"]
    assert served["Patient"]["operation"][0]["name"] == "everything"
    assert "patient" in {p["name"] for p in served["Condition"]["searchParam"]}
    assert statement["rest"][0]["interaction"] == [{"code": "transaction"}]
    assert "Ada" not in response.content.decode()


def test_read_a_patient_is_valid_fhir_and_audited(clinics: dict[str, Any]) -> None:
    ada: Patient = clinics["patient"]
    ada.phone, ada.email, ada.sex = "+447700900112", "ada@example.org", "female"
    ada.address, ada.gp_name, ada.gp_practice = "12 Example Row", "Dr Shah", "Lane Surgery"
    ada.save()
    response = call("get", f"/fhir/Patient/{ada.pk}", token_for(clinics["colleague"]))
    assert response.status_code == 200
    body = valid(response)
    assert body["name"] == [{"use": "official", "family": "Fenwick", "given": ["Ada"]}]
    assert (body["birthDate"], body["gender"]) == ("1968-04-12", "female")
    assert {"system": "phone", "value": "+447700900112"} in body["telecom"]
    assert body["address"] == [{"text": "12 Example Row"}]
    assert body["generalPractitioner"] == [{"display": "Dr Shah, Lane Surgery"}]
    event = AuditEvent.objects.get(path__startswith="/fhir/")
    assert (event.action, event.clinic, event.patient_id, event.user) == (
        Action.VIEW,
        clinics["home"],
        ada.pk,
        clinics["colleague"],
    )


def test_conditions_come_from_the_intake_with_snomed_beside_our_code(
    clinics: dict[str, Any],
) -> None:
    ada = clinics["patient"]
    plan = a_plan(ada, clinics["practitioner"])
    secret = token_for(clinics["practitioner"])
    response = call("get", f"/fhir/Condition?patient={ada.pk}", secret)
    bundle = valid(response)
    assert (bundle["type"], bundle["total"]) == ("searchset", 1)
    condition = bundle["entry"][0]["resource"]
    assert condition["id"] == f"intake-{plan.intake_id}-chronic-low-back-pain"
    assert condition["subject"] == {"reference": f"Patient/{ada.pk}"}
    assert [(c["system"], c["code"]) for c in condition["code"]["coding"]] == [
        (codes.CONDITION, "chronic-low-back-pain"),
        (codes.SNOMED, "279039007"),
    ]
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    assert condition["verificationStatus"]["coding"][0]["code"] == "provisional"
    # 30 weeks of pain at intake: the onset is known to the month.
    assert len(condition["onsetDateTime"]) == len("2026-04")
    assert condition["recordedDate"] == date.today().isoformat()
    # subject= and Patient/ work the same; the read by id answers the same resource.
    same = valid(call("get", f"/fhir/Condition?subject=Patient/{ada.pk}", secret))
    assert same["entry"][0]["resource"] == condition
    read = call("get", f"/fhir/Condition/{condition['id']}", secret)
    assert valid(read) == condition
    events = AuditEvent.objects.filter(path__startswith="/fhir/Condition")
    assert [e.patient_id for e in events] == [ada.pk] * 3


def test_another_clinics_records_answer_like_missing_ones(clinics: dict[str, Any]) -> None:
    ivo = clinics["other_patient"]
    plan = a_plan(ivo, clinics["outsider"])
    secret = token_for(clinics["practitioner"])
    missing = 10**9
    for theirs, nobody in (
        (f"/fhir/Patient/{ivo.pk}", f"/fhir/Patient/{missing}"),
        (f"/fhir/Patient/{ivo.pk}/$everything", f"/fhir/Patient/{missing}/$everything"),
        (f"/fhir/Condition?patient={ivo.pk}", f"/fhir/Condition?patient={missing}"),
        (
            f"/fhir/Condition/intake-{plan.intake_id}-chronic-low-back-pain",
            f"/fhir/Condition/intake-{missing}-chronic-low-back-pain",
        ),
    ):
        first, second = call("get", theirs, secret), call("get", nobody, secret)
        issue(first, 404)
        issue(second, 404)
        # The same answer, word for word, but for the id asked about.
        mine = second.content.decode().replace(str(missing), str(ivo.pk))
        assert first.content.decode() == mine.replace(
            f"intake-{ivo.pk}", f"intake-{plan.intake_id}"
        )
    listing = valid(call("get", "/fhir/Patient", secret))
    assert ivo.pk not in {int(e["resource"]["id"]) for e in listing["entry"]}


def test_reception_reads_demographics_but_no_clinical_types(clinics: dict[str, Any]) -> None:
    ada = clinics["patient"]
    a_plan(ada, clinics["practitioner"])
    secret = token_for(clinics["colleague"])
    assert "practitioners" in issue(call("get", f"/fhir/Condition?patient={ada.pk}", secret), 403)
    issue(call("get", "/fhir/Condition/intake-1-sciatica", secret), 403)
    everything = valid(call("get", f"/fhir/Patient/{ada.pk}/$everything", secret))
    kinds = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert "Patient" in kinds and "Condition" not in kinds
    practitioner = valid(
        call("get", f"/fhir/Patient/{ada.pk}/$everything", token_for(clinics["admin"]))
    )
    assert "Condition" in {e["resource"]["resourceType"] for e in practitioner["entry"]}


def test_everything_is_one_bundle_of_the_patients_records(clinics: dict[str, Any]) -> None:
    ada = clinics["patient"]
    a_plan(ada, clinics["practitioner"])
    a_plan(clinics["other_patient"], clinics["outsider"])
    response = call(
        "get", f"/fhir/Patient/{ada.pk}/$everything", token_for(clinics["practitioner"])
    )
    bundle = valid(response)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(bundle["entry"])
    first = bundle["entry"][0]["resource"]
    assert (first["resourceType"], first["id"]) == ("Patient", str(ada.pk))
    for entry in bundle["entry"][1:]:
        resource = entry["resource"]
        refs = [resource.get(k, {}).get("reference") for k in ("subject", "patient")]
        assert f"Patient/{ada.pk}" in refs, resource
    event = AuditEvent.objects.get(path__endswith="$everything")
    assert (event.action, event.patient_id) == (Action.EXPORT, ada.pk)


def test_search_pages_follow_next_links(clinics: dict[str, Any]) -> None:
    for n in range(6):
        Patient.objects.create(
            clinic=clinics["home"],
            given_name=f"P{n}",
            family_name="Page",
            date_of_birth=date(1970, 1, n + 1),
        )
    secret = token_for(clinics["practitioner"])
    seen: list[str] = []
    url: str | None = "/fhir/Patient?_count=3"
    pages = 0
    while url:
        bundle = valid(call("get", url, secret))
        assert bundle["total"] == 7
        assert len(bundle["entry"]) <= 3
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        nxt = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        url = nxt[0].split("testserver", 1)[1] if nxt else None
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert len(valid(call("get", "/fhir/Patient", secret))["entry"]) == 7
    # _count is capped at 200, not refused.
    capped = valid(call("get", "/fhir/Patient?_count=5000", secret))
    assert "_count=200" in capped["link"][0]["url"]


def test_bad_requests_are_operation_outcomes(clinics: dict[str, Any]) -> None:
    secret = token_for(clinics["practitioner"])
    ada = clinics["patient"].pk
    assert "name" in issue(call("get", "/fhir/Patient?name=Ada", secret), 400)
    issue(call("get", "/fhir/Patient?_count=-1", secret), 400)
    issue(call("get", "/fhir/Patient?_page=0", secret), 400)
    issue(call("get", "/fhir/Condition?patient=Ada", secret), 400)
    assert "Widget" in issue(call("get", "/fhir/Widget", secret), 404)
    issue(call("get", "/fhir/Widget/1", secret), 404)
    issue(call("get", "/fhir/Patient/abc", secret), 404)
    issue(call("get", "/fhir/Condition/imported-999", secret), 404)
    response = call("delete", f"/fhir/Patient/{ada}", secret)
    issue(response, 405)
    assert response["Allow"] == "GET"
    issue(call("put", "/fhir/Patient", secret, body={}), 405)
    issue(call("get", "/fhir/", secret), 405)


def test_every_registered_type_searches_and_reads_back_valid(clinics: dict[str, Any]) -> None:
    from acuback.web.fhir.registry import REGISTRY
    from tests.check_in_helpers import closed_session

    ada = clinics["patient"]
    closed_session(ada, clinics["practitioner"])
    closed_session(clinics["other_patient"], clinics["outsider"])
    secret = token_for(clinics["admin"])
    for name, entry in REGISTRY.items():
        query = f"?patient={ada.pk}" if entry.patient_lookup else ""
        bundle = valid(call("get", f"/fhir/{name}{query}", secret))
        assert bundle["total"] == len(bundle.get("entry", [])), name
        for found in bundle.get("entry", [])[:2]:
            resource = found["resource"]
            assert resource["resourceType"] == name
            read = call("get", f"/fhir/{name}/{resource['id']}", secret)
            assert valid(read) == resource, name
    assert valid(call("get", f"/fhir/Condition?patient={ada.pk}", secret))["total"] == 1


def test_a_code_from_no_allowed_system_fails_loudly() -> None:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.patient import Patient as FhirPatient

    from acuback.web.fhir import service

    with pytest.raises(service.EmittedCodeNotValid, match="type"):
        service.checked_bundle(Bundle.model_validate({"type": "pile"}))
    with pytest.raises(service.EmittedCodeNotValid, match="gender"):
        service.checked(FhirPatient.model_validate({"gender": "nope"}))


def test_a_failure_inside_the_server_is_an_operation_outcome(
    clinics: dict[str, Any], monkeypatch: Any
) -> None:
    from acuback.web.fhir import service

    def broken(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(service, "read", broken)
    response = call("get", f"/fhir/Patient/{clinics['patient'].pk}", token_for(clinics["admin"]))
    assert response.status_code == 500
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "disk on fire" not in response.content.decode()


def test_the_audit_trail_is_for_the_admin_and_nothing_is_cached(clinics: dict[str, Any]) -> None:
    for user in ("practitioner", "colleague"):
        issue(call("get", "/fhir/AuditEvent", token_for(clinics[user])), 403)
    admin = call("get", "/fhir/AuditEvent", token_for(clinics["admin"]))
    valid(admin)
    refused = call("get", "/fhir/Patient/1", None)
    for response in (admin, refused):
        assert "no-store" in response["Cache-Control"]
