"""Patient accounts for portal tests: two patients of one clinic and one of another.

Import the `portal` fixture into a test module (`from tests.portal_helpers import portal`)
and sign a patient in with `client.force_login(portal["ada"])`, or in a browser with
`sign_in_patient(page, base, portal["ada"])`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.conftest import PASSWORD


def make_account(patient: Any, email: str) -> Any:
    from django.contrib.auth.models import User

    from acuback.web.portal.models import PatientAccount

    patient.email = email
    patient.save(update_fields=["email"])
    user = User.objects.create_user(username=email, email=email, password=PASSWORD)
    PatientAccount.objects.create(user=user, patient=patient, clinic=patient.clinic)
    return user


@pytest.fixture
def portal(clinics: dict[str, Any]) -> dict[str, Any]:
    from acuback.web.clinics.models import Patient

    bea = Patient.objects.create(
        clinic=clinics["home"], given_name="Bea", family_name="Okafor",
        date_of_birth=date(1979, 9, 3),
    )  # fmt: skip
    return {
        **clinics,
        "ada": make_account(clinics["patient"], "ada@example.org"),
        "bea_patient": bea,
        "bea": make_account(bea, "bea@example.org"),
        "ivo": make_account(clinics["other_patient"], "ivo@example.org"),
    }


def sign_in_patient(page: Any, base: str, user: Any) -> None:
    page.goto(f"{base}/portal/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/portal/login/" not in url)
