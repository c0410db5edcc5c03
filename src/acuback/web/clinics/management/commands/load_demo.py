from typing import Any

from django.core.management.base import BaseCommand

from acuback.web.clinics.service import load_demo


class Command(BaseCommand):
    help = "Create or refresh the demo clinics (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        self.stdout.write("Demo logins (fictional clinics and patients):")
        for login in logins:
            self.stdout.write(
                f"  {login.username:<24} {login.password:<16} {login.role} at {login.clinic}"
            )
