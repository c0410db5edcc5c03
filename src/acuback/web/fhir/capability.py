"""The CapabilityStatement at /fhir/metadata, built from the registry when asked.

It holds no patient data, so it is served without a token, as FHIR servers usually do: a
client reads it to learn what the server offers before it has credentials.
"""

from __future__ import annotations

from datetime import datetime

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from acuback import __version__
from acuback.web.fhir.registry import REGISTRY

FHIR_VERSION = "4.3.0"  # R4B
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
PATIENT_SEARCH = "http://hl7.org/fhir/SearchParameter/clinical-patient"


def capability_statement(base_url: str, now: datetime) -> CapabilityStatement:
    resources = []
    for name, entry in sorted(REGISTRY.items()):
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if name == "Patient":
            interactions.append({"code": "create"})
        params = [{"name": "_count", "type": "number"}, {"name": "_page", "type": "number"}]
        if entry.patient_lookup is not None:
            params.insert(
                0,
                {
                    "name": "patient",
                    "type": "reference",
                    "definition": PATIENT_SEARCH,
                    "documentation": "The patient's id (12 or Patient/12); subject= also works",
                },
            )
        resource: dict[str, object] = {
            "type": name,
            "interaction": interactions,
            "searchParam": params,
        }
        if name == "Patient":
            resource["operation"] = [{"name": "everything", "definition": EVERYTHING}]
        resources.append(resource)
    return CapabilityStatement.model_validate(
        {
            "status": "active",
            "date": now.isoformat(),
            "kind": "instance",
            "software": {"name": "acuback", "version": __version__},
            "implementation": {"description": "acuback FHIR API", "url": base_url},
            "fhirVersion": FHIR_VERSION,
            "format": ["json", "application/fhir+json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "Every call but this one needs an acuback API token: "
                        "Authorization: Bearer <token>. Records are those of the token's clinic."
                    ),
                    "security": {
                        "description": "Bearer tokens made on acuback's API tokens page or "
                        "with `acuback token create USERNAME`."
                    },
                    "resource": resources,
                    "interaction": [{"code": "transaction"}],
                }
            ],
        }
    )
