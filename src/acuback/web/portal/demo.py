"""The demo patient's portal account, so that a new install can try the patient side."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from acuback.web.clinics.models import Patient
from acuback.web.clinics.service import DemoLogin, demo_passwords
from acuback.web.portal.models import PatientAccount


@transaction.atomic
def load_demo_account(patient: Patient) -> DemoLogin:
    """Give the demo patient a portal account; safe to run again."""
    email = patient.email.lower()
    password = demo_passwords(email)[email]
    account = PatientAccount.objects.select_related("user").filter(patient=patient).first()
    if account is None:
        user, _ = User.objects.get_or_create(username=email, defaults={"email": patient.email})
        account = PatientAccount.objects.create(user=user, patient=patient, clinic=patient.clinic)
    if not account.user.check_password(password):
        account.user.set_password(password)
        account.user.save(update_fields=["password"])
    return DemoLogin(account.user.username, password, "Patient (portal)", patient.clinic.name)
