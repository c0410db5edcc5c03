"""Two desks register the same person at the same moment: one is saved, the other warned."""

from __future__ import annotations

from typing import Any

import pytest

from acuback.web.clinics.models import Patient
from tests.concurrency import simultaneous
from tests.test_patients_register import NEW, details


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_of_one_person_save_one(clinics: dict[str, Any]) -> None:
    data = details(given_name="Nora", family_name="Quill", date_of_birth="1984-07-09")
    responses = simultaneous(4, lambda client: client.post(NEW, data), user=clinics["colleague"])
    assert sorted(r.status_code for r in responses) == [302, 400, 400, 400]
    assert Patient.objects.filter(family_name="Quill").count() == 1
    for refused in (r for r in responses if r.status_code == 400):
        assert "may already be registered" in refused.content.decode()
