"""The demo clinic that `make run` loads."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from acuback.web.clinics.models import Clinic, Membership, Patient
from acuback.web.clinics.service import load_demo


@pytest.mark.django_db
def test_demo_loads_twice_without_duplicates_and_logins_work() -> None:
    first = load_demo()
    counts = (Clinic.objects.count(), Patient.objects.count(), get_user_model().objects.count())
    second = load_demo()
    assert (Clinic.objects.count(), Patient.objects.count(), get_user_model().objects.count()) == (
        counts
    )
    assert [(x.username, x.password) for x in first] == [(x.username, x.password) for x in second]
    practitioner = next(x for x in second if x.username == "demo-practitioner")
    client = Client()
    assert client.login(username=practitioner.username, password=practitioner.password)
    response = client.get("/patients/")
    assert b"Fenwick" in response.content
    assert Membership.objects.get(user__username="demo-practitioner").clinic.slug == (
        "demo-back-clinic"
    )
