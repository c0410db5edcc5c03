from django.urls import path, re_path

from acuback.web.fhir import views

FHIR_ID = r"[A-Za-z0-9\-.]{1,64}"
TYPE = r"[A-Z][A-Za-z]{0,63}"

urlpatterns = [
    path("", views.transaction, name="fhir-transaction"),
    path("metadata", views.metadata, name="fhir-metadata"),
    re_path(rf"^Patient/(?P<patient_id>{FHIR_ID})/\$everything$", views.everything),
    re_path(rf"^(?P<type_name>{TYPE})$", views.type_root, name="fhir-type"),
    re_path(rf"^(?P<type_name>{TYPE})/(?P<resource_id>{FHIR_ID})$", views.read, name="fhir-read"),
    # Anything else under /fhir/ answers like FHIR (401 or a 404 OperationOutcome), not HTML.
    re_path(r"^(?P<rest>.*)$", views.unknown),
]
