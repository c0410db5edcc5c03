"""The JSON API's patients, its tokens and its error bodies (alice practitioner, bob
reception of the home clinic; charlie and Ivo belong to the other clinic)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from acuback.web.apitokens.service import create_token, revoke_token
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.clinics.models import Patient
from tests.api_helpers import ApiClient, api_as, audit_rows, last_audit

pytestmark = pytest.mark.django_db

NEW = {"given_name": "Zoë", "family_name": "Quist", "date_of_birth": "1980-02-03"}


def test_no_token_a_wrong_one_or_a_revoked_one_answers_401_in_json(
    clinics: dict[str, Any],
) -> None:
    token, secret = create_token(clinics["practitioner"], "script")
    assert ApiClient(secret).get("/patients").status_code == 200
    revoke_token(clinics["practitioner"], token.pk)
    for client in (ApiClient(None), ApiClient("acb_not-a-token"), ApiClient(secret)):
        before = audit_rows()
        response = client.get("/patients")
        assert response.status_code == 401
        assert "Bearer" in response.json()["detail"]
        assert audit_rows() == before, "nothing was read, so nothing is on the trail"
    # Health stays open for monitoring.
    assert ApiClient(None).get("/health").status_code == 200


def test_the_list_is_the_clinics_own_searched_as_on_the_page_and_audited(
    clinics: dict[str, Any],
) -> None:
    api = api_as(clinics["colleague"])  # reception may list patients
    everyone = api.get("/patients").json()
    assert everyone["count"] == 1
    assert [p["given_name"] for p in everyone["items"]] == ["Ada"]
    assert last_audit().what == "patient list"
    assert last_audit().clinic == clinics["home"] and last_audit().user == clinics["colleague"]
    # The page's search: name words folded, a date of birth day first, phone digits.
    assert api.get("/patients", q="fenw 12/04/1968").json()["count"] == 1
    assert api.get("/patients", q="Lindqvist").json()["count"] == 0
    assert last_audit().what == "patient list (search)"
    refused = api.get("/patients", q="31/02/1968")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "q"
    assert "not a date" in refused.json()["detail"]


def test_lists_come_in_pages_of_50_and_at_most_200(clinics: dict[str, Any]) -> None:
    Patient.objects.bulk_create(
        Patient(
            clinic=clinics["home"],
            given_name=f"P{n}",
            family_name="Page",
            date_of_birth=date(1970, 1, 1) + timedelta(days=n),
        )  # fmt: skip
        for n in range(260)
    )
    api = api_as(clinics["practitioner"])
    first = api.get("/patients").json()
    assert first["count"] == 261 and len(first["items"]) == 50
    second = api.get("/patients", page=2).json()
    assert {p["id"] for p in first["items"]}.isdisjoint(p["id"] for p in second["items"])
    assert len(api.get("/patients", page_size=200).json()["items"]) == 200
    assert api.get("/patients", page_size=201).status_code == 422
    assert api.get("/patients", page=0).status_code == 422
    assert api.get("/patients", page=99).json()["items"] == []


def test_a_patient_reads_in_the_clinic_and_another_clinics_id_is_missing(
    clinics: dict[str, Any],
) -> None:
    api = api_as(clinics["colleague"])
    ada = clinics["patient"]
    response = api.get(f"/patients/{ada.pk}")
    assert response.status_code == 200
    assert response.json()["family_name"] == "Fenwick"
    assert response.json()["date_of_birth"] == "1968-04-12"
    event = last_audit()
    assert (event.action, event.patient_id) == (Action.VIEW, ada.pk)
    other = api.get(f"/patients/{clinics['other_patient'].pk}")
    missing = api.get("/patients/999999")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {"detail": "No such patient."}
    assert api.get("/patients/0").status_code == 422
    assert api.get("/patients/99999999999999999999").status_code == 422


def test_registering_checks_like_the_form_and_refuses_a_duplicate(
    clinics: dict[str, Any],
) -> None:
    api = api_as(clinics["colleague"])
    created = api.post("/patients", NEW)
    assert created.status_code == 201, created.content
    patient = Patient.objects.get(pk=created.json()["id"])
    assert patient.clinic == clinics["home"] and patient.given_name == "Zoë"
    assert AuditEvent.objects.filter(
        action=Action.CREATE, patient_id=patient.pk, what=f"patient {patient.pk} registered"
    ).exists()

    again = api.post("/patients", {**NEW, "given_name": "ZOE"})
    assert again.status_code == 409
    assert [d["id"] for d in again.json()["duplicates"]] == [patient.pk]
    assert "different_person" in again.json()["detail"]
    assert Patient.objects.filter(family_name="Quist").count() == 1
    twin = api.post("/patients", {**NEW, "different_person": True})
    assert twin.status_code == 201
    assert Patient.objects.filter(family_name="Quist").count() == 2


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"date_of_birth": (date.today() + timedelta(days=1)).isoformat()}, "date_of_birth",
         "future"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth", "1900"),
        ({"date_of_birth": "2020-01-01"}, "guardian_name", "under 18"),
        ({"phone": "12"}, "phone", "6 digits"),
        ({"preferred_contact": "email"}, "preferred_contact", "email"),
        ({"nickname": "Zo"}, "nickname", "Extra inputs"),
        ({"different_person": "yes"}, "different_person", "boolean"),
        ({"insurer_visits": "3"}, "insurer_visits", "integer"),
        ({"date_of_birth": "3 Feb 1980"}, "date_of_birth", "date"),
    ],
)  # fmt: skip
def test_bad_input_is_422_naming_the_field(
    clinics: dict[str, Any], change: dict[str, Any], field: str, words: str
) -> None:
    response = api_as(clinics["practitioner"]).post("/patients", {**NEW, **change})
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], body
    assert words.lower() in body["detail"].lower()
    assert not Patient.objects.filter(family_name="Quist").exists()


def test_a_method_the_path_does_not_take_answers_405_in_json(clinics: dict[str, Any]) -> None:
    response = api_as(clinics["practitioner"]).client.delete("/api/patients")
    assert response.status_code == 405
    assert "DELETE is not allowed" in response.json()["detail"]
    assert "GET" in response["Allow"]


def test_docs_are_served_without_a_cdn(clinics: dict[str, Any]) -> None:
    html = ApiClient(None).client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_no_answer_is_kept_in_a_cache(clinics: dict[str, Any]) -> None:
    client = api_as(clinics["practitioner"])
    for response in (
        client.get(f"/patients/{clinics['patient'].pk}"),
        client.get("/patients/999999"),
        ApiClient(None).get("/patients"),
        client.client.put("/api/patients"),
    ):
        assert "no-store" in response["Cache-Control"], response.status_code
