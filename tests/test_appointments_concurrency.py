"""Eight receptionists click "Book" for the same slot at the same moment: one is booked,
seven are told the time is taken. Runs on SQLite (IMMEDIATE) and PostgreSQL (row lock)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from acuback.web.appointments.models import Appointment
from tests.appointments_helpers import a_weekday_ahead, type_named
from tests.concurrency import all_at_once, simultaneous


@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_of_one_slot_book_it_once(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    data = {
        "patient": clinics["patient"].pk,
        "practitioner": clinics["practitioner"].pk,
        "type": type_named(clinics["home"], "Treatment").pk,
        "day": day.isoformat(),
        "time": "09:00",
        "travel_before": 0,
        "travel_after": 0,
    }
    url = reverse("appointment-new")
    responses = simultaneous(8, lambda client: client.post(url, data), user=clinics["colleague"])
    assert sorted(r.status_code for r in responses) == [302] + [409] * 7
    assert Appointment.objects.filter(practitioner=clinics["practitioner"]).count() == 1
    refused = next(r for r in responses if r.status_code == 409)
    assert "Nearest free slot" in refused.content.decode()


@pytest.mark.django_db(transaction=True)
def test_overlapping_but_different_slots_at_once_still_book_one(clinics: dict[str, Any]) -> None:
    """Not the same request: 09:00, 09:15 and a home visit whose travel reaches 09:00."""
    day = a_weekday_ahead()
    base = {
        "patient": clinics["patient"].pk,
        "practitioner": clinics["practitioner"].pk,
        "type": type_named(clinics["home"], "Treatment").pk,
        "day": day.isoformat(),
        "travel_before": 0,
        "travel_after": 0,
    }
    visit = {**base, "type": type_named(clinics["home"], "Home visit").pk, "time": "09:45",
             "address": "1 Mill Lane", "travel_before": 30}  # fmt: skip
    url = reverse("appointment-new")
    forms = [{**base, "time": "09:00"}, {**base, "time": "09:15"}, visit] * 2
    responses = all_at_once(
        [lambda client, f=f: client.post(url, f) for f in forms], user=clinics["colleague"]
    )
    assert sorted(r.status_code for r in responses) == [302] + [409] * 5
    assert Appointment.objects.filter(practitioner=clinics["practitioner"]).count() == 1
