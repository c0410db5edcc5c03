"""The audit trail's patient filter: a bad number is refused with a message, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from acuback.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(clinics: dict[str, Any]) -> Client:
    home = clinics["home"]
    for patient_id in (12, 13):
        AuditEvent.objects.create(clinic=home, username="alice", action=Action.VIEW,
                                  what=f"patient {patient_id}", patient_id=patient_id,
                                  path=f"/patients/{patient_id}/")  # fmt: skip
    client = Client()
    client.force_login(clinics["admin"])
    return client


def shown_patients(response: Any) -> set[int | None]:
    return {event.patient_id for event in response.context["page"]}


def test_a_patient_number_filters_the_trail(admin: Client) -> None:
    response = admin.get("/audit/", {"patient": "12"})
    assert response.status_code == 200
    assert shown_patients(response) == {12}


def test_an_empty_filter_shows_the_whole_trail(admin: Client) -> None:
    response = admin.get("/audit/", {"patient": ""})
    assert response.status_code == 200
    assert {12, 13} <= shown_patients(response)


def test_digits_of_another_script_are_read_as_the_number(admin: Client) -> None:
    # Arabic-Indic "١٢" is twelve, as Python and Django read it; the box then shows "12".
    response = admin.get("/audit/", {"patient": "١٢"})
    assert response.status_code == 200
    assert shown_patients(response) == {12}
    assert 'value="12"' in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("²", "A patient number is a whole number"),  # a digit to str.isdigit, not to int()
        ("12²", "A patient number is a whole number"),
        ("-3", "Patient numbers start at 1."),
        ("0", "Patient numbers start at 1."),
        (str(2**63), "No patient has a number that large."),  # overflows PostgreSQL's bigint
        ("9" * 400, "No patient has a number that large."),
        ("twelve", "A patient number is a whole number"),
        ("1\x00", "A patient number is a whole number"),
    ],
)
def test_a_bad_patient_number_is_refused_with_a_message(
    admin: Client, value: str, message: str
) -> None:
    response = admin.get("/audit/", {"patient": value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'role="alert"' in page
    # Nothing that could pass for the filtered trail.
    assert response.context["page"] is None
    assert "patient 12" not in page and "patient 13" not in page


def test_the_largest_64_bit_number_is_a_valid_filter(admin: Client) -> None:
    response = admin.get("/audit/", {"patient": str(2**63 - 1)})
    assert response.status_code == 200
    assert shown_patients(response) == set()


def test_the_filter_is_still_for_the_clinic_admin_only(clinics: dict[str, Any]) -> None:
    client = Client()
    client.force_login(clinics["practitioner"])
    assert client.get("/audit/", {"patient": "²"}).status_code == 403
