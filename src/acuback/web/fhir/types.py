"""Every module that registers FHIR resource types: importing this fills the registry."""

from acuback.web.fhir import (
    clinical_resources,  # noqa: F401
    codesystems,  # noqa: F401
    patient_resources,  # noqa: F401
    practice_resources,  # noqa: F401
    score_resources,  # noqa: F401
)
