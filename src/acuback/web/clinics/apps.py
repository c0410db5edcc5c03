from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "acuback.web.clinics"
    label = "clinics"
    verbose_name = "Clinics and patients"
