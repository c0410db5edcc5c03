from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "acuback.web.fhir"
    label = "fhir"
    verbose_name = "FHIR"
