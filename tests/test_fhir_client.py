"""A real FHIR client (fhirpy) against the live test server: what another system would see."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connections
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, OperationOutcome, ResourceNotFound

from acuback.interop.codes import code_problems
from acuback.web.clinics.models import Patient
from tests.check_in_helpers import a_plan
from tests.fhir_helpers import new_patient, token_for


@pytest.fixture(autouse=True)
def strict_codes(settings: Any) -> Iterator[None]:
    settings.FHIR_STRICT_CODES = True
    # The live server answers in a thread per client connection, which can outlive the test
    # with its database connection open; PostgreSQL then refuses to drop the test database.
    # Without persistent connections each request closes its own as it finishes.
    database = connections["default"].settings_dict
    kept = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = 0
    yield
    database["CONN_MAX_AGE"] = kept


def client_for(live_server: Any, user: Any) -> SyncFHIRClient:
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token_for(user)}")


def test_a_client_reads_patients_conditions_and_everything(
    live_server: Any, clinics: dict[str, Any]
) -> None:
    ada = clinics["patient"]
    a_plan(ada, clinics["practitioner"])
    client = client_for(live_server, clinics["practitioner"])

    patient = client.reference("Patient", str(ada.pk)).to_resource()
    model = FhirPatient.model_validate(patient.serialize())
    assert model.name[0].family == "Fenwick" and model.birthDate == date(1968, 4, 12)

    conditions = client.resources("Condition").search(patient=str(ada.pk)).fetch()
    assert len(conditions) == 1
    condition = Condition.model_validate(conditions[0].serialize())
    assert code_problems(condition) == []
    assert condition.subject.reference == f"Patient/{ada.pk}"

    everything = client.execute(f"Patient/{ada.pk}/$everything", method="get")
    bundle = Bundle.model_validate(everything)
    assert code_problems(bundle) == []
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds[0] == "Patient" and "Condition" in kinds
    for entry in everything["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])


def test_a_client_pages_through_a_search(live_server: Any, clinics: dict[str, Any]) -> None:
    for n in range(4):
        Patient.objects.create(
            clinic=clinics["home"],
            given_name=f"P{n}",
            family_name="Page",
            date_of_birth=date(1970, 1, n + 1),
        )
    client = client_for(live_server, clinics["colleague"])
    found = client.resources("Patient").limit(2).fetch_all()
    assert sorted(p["name"][0]["family"] for p in found) == ["Fenwick"] + ["Page"] * 4


def test_a_client_creates_a_patient_and_meets_errors(
    live_server: Any, clinics: dict[str, Any]
) -> None:
    client = client_for(live_server, clinics["colleague"])
    with pytest.raises(ResourceNotFound):
        client.reference("Patient", str(clinics["other_patient"].pk)).to_resource()
    with pytest.raises(OperationOutcome) as refused:
        client.resource("Patient", name=[{"family": "Nobody"}], birthDate="1970-01-01").save()
    assert "given name" in str(refused.value)
    unauthorised = SyncFHIRClient(f"{live_server.url}/fhir", authorization="Bearer acb_nothing")
    with pytest.raises(AuthorizationError):
        unauthorised.reference("Patient", str(clinics["patient"].pk)).to_resource()

    created = client.resource(
        "Patient", **{k: v for k, v in new_patient().items() if k != "resourceType"}
    )
    created.save()
    stored = Patient.objects.get(pk=int(created.id))
    assert (stored.clinic, stored.family_name) == (clinics["home"], "Quill")
    assert not Patient.objects.filter(family_name="Nobody").exists()
