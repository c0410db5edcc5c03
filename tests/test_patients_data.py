"""Patients stored before the new details keep their rows; the demo patients get details."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.forms.models import model_to_dict

from acuback.web.clinics.forms import PatientForm
from acuback.web.clinics.models import Patient
from acuback.web.clinics.service import load_demo

BEFORE = [("clinics", "0001_initial")]
AFTER = [("clinics", "0003_patient_name_folded")]


@pytest.fixture
def back_to_latest() -> Any:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_patients_migrate_with_blank_details(back_to_latest: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    clinic = apps.get_model("clinics", "Clinic").objects.create(name="Old", slug="old")
    old = apps.get_model("clinics", "Patient").objects.create(
        clinic=clinic, given_name="Ada", family_name="FENWICK", date_of_birth=date(1968, 4, 12)
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    patient = executor.loader.project_state(AFTER).apps.get_model("clinics", "Patient")
    row = patient.objects.get(pk=old.pk)
    assert (row.given_name, row.date_of_birth) == ("Ada", date(1968, 4, 12))
    assert row.family_name == "FENWICK"
    assert row.name_folded == "ada fenwick"  # filled in for the search
    blank = [
        "phone",
        "email",
        "address",
        "preferred_contact",
        "gp_name",
        "insurer",
        "policy_number",
        "guardian_name",
        "guardian_phone",
        "emergency_contact_phone",
    ]
    for name in blank:
        assert getattr(row, name) == "", name
    assert row.insurer_visits is None
    assert row.treatment_consent_on is None and row.data_sharing_consent_on is None


@pytest.mark.django_db
def test_demo_patients_have_fictional_details_that_pass_the_form_and_edits_stay() -> None:
    load_demo()
    ada = Patient.objects.get(given_name="Ada", family_name="Fenwick")
    assert ada.phone.startswith("+447700900") and ada.email.endswith("@example.org")
    assert ada.gp_name and ada.insurer and ada.insurer_visits == 12
    for patient in Patient.objects.all():
        form = PatientForm(model_to_dict(patient), instance=patient)
        assert form.is_valid(), (patient, form.errors)
        assert not form.has_changed(), (patient, form.changed_data)  # stored as the form would
    ada.phone = "+447700900999"
    ada.save()
    before = list(Patient.objects.order_by("pk").values())
    load_demo()
    assert list(Patient.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_the_folded_name_follows_every_save(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    assert patient.name_folded == "ada fenwick"
    patient.family_name = "Ångström"
    patient.save(update_fields=["family_name"])
    patient.refresh_from_db()
    assert patient.name_folded == "ada angstrom"
