from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from acuback.web.appointments.demo import load_demo_book
from acuback.web.care.demo import load_demo_course
from acuback.web.clinics.models import Patient
from acuback.web.clinics.service import load_demo
from acuback.web.portal.demo import load_demo_account


class Command(BaseCommand):
    help = "Create or refresh the demo clinics (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        practitioner = User.objects.get(username="demo-practitioner")
        for patient in Patient.objects.filter(clinic__slug="demo-back-clinic")[:1]:
            load_demo_course(patient, practitioner)
            load_demo_book(patient.clinic, practitioner)
            logins.append(load_demo_account(patient))
        self.stdout.write("Demo logins (fictional clinics and patients):")
        for login in logins:
            self.stdout.write(
                f"  {login.username:<24} {login.password:<16} {login.role} at {login.clinic}"
            )
        self.stdout.write("Staff sign in at /login/, patients at /portal/login/.")
