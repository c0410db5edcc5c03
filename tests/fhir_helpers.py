"""Calling /fhir/ with a bearer token, and checking everything it answers."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from acuback.interop.codes import code_problems
from acuback.web.apitokens import service as tokens

FHIR_JSON = "application/fhir+json"


def token_for(user: Any) -> str:
    return tokens.create_token(user, "fhir test")[1]


def call(
    method: str, path: str, secret: str | None, body: Any = None, content_type: str = FHIR_JSON
) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    client = Client()
    if body is None:
        return getattr(client, method.lower())(path, **headers)
    # A str is sent as it is (to send broken JSON); anything else as JSON.
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method.lower())(path, data=data, content_type=content_type, **headers)


def valid(response: Any) -> dict[str, Any]:
    """The body, after checking it is FHIR JSON that fhir.resources reads and whose every
    code comes from an allowed system."""
    assert response["Content-Type"] == FHIR_JSON
    body = response.json()
    model = get_fhir_model_class(body["resourceType"]).model_validate(body)
    # Each resource of a Bundle on its own: code_problems reads a CodeSystem's concepts as
    # definitions only when the CodeSystem is the resource checked.
    for entry in model.entry or [] if body["resourceType"] == "Bundle" else []:
        if entry.resource is not None:
            assert code_problems(entry.resource) == [], entry.resource.id
            entry.resource = None
    assert code_problems(model) == []
    return body


def issue(response: Any, status: int) -> str:
    """The OperationOutcome's message, after checking the status."""
    assert response.status_code == status, response.content
    body = valid(response)
    assert body["resourceType"] == "OperationOutcome"
    return str(body["issue"][0]["diagnostics"])


def new_patient(
    family: str = "Quill", given: str = "Rosa", born: str = "1980-02-03"
) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "name": [{"family": family, "given": [given]}],
        "birthDate": born,
        "gender": "female",
        "telecom": [
            {"system": "phone", "value": "+44 7700 900 555"},
            {"system": "email", "value": "rosa@example.org"},
        ],
        "address": [{"line": ["3 Test Lane"], "city": "Leeds", "postalCode": "LS1 1AA"}],
    }
