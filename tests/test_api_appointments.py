"""The JSON API's appointment book: the booking rules and clash check of the pages,
for every staff role, scoped to the caller's clinic."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from acuback.web.appointments import service
from acuback.web.appointments.models import Appointment, Status
from acuback.web.audit.models import Action
from tests.api_helpers import api_as, last_audit
from tests.appointments_helpers import a_weekday_ahead, moment, type_named

pytestmark = pytest.mark.django_db


def booking(clinics: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "patient_id": clinics["patient"].pk,
        "practitioner_id": clinics["practitioner"].pk,
        "type_id": type_named(clinics["home"], "Treatment").pk,
        "day": a_weekday_ahead().isoformat(),
        "time": "09:00",
        **changes,
    }


def test_reception_books_and_a_clash_is_refused_with_the_nearest_free_slot(
    clinics: dict[str, Any],
) -> None:
    api = api_as(clinics["colleague"])
    types = api.get("/appointment-types").json()
    assert "Treatment" in [t["name"] for t in types["items"]]
    created = api.post("/appointments", booking(clinics))
    assert created.status_code == 201, created.content
    body = created.json()
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.clinic == clinics["home"] and appointment.created_by == clinics["colleague"]
    assert body["status"] == "booked" and "cancel" in body["next_actions"]
    assert (last_audit().action, last_audit().patient_id) == (Action.CREATE, clinics["patient"].pk)

    clash = api.post("/appointments", booking(clinics, time="09:15"))
    assert clash.status_code == 409
    assert "Nearest free slot" in clash.json()["reasons"][0]
    assert "Ada Fenwick" in clash.json()["reasons"][0]
    assert last_audit().what == f"appointment {appointment.pk} (shown as a clash)"
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time": "07:00"}, "time"),
        ({"day": "2020-01-06"}, "time"),
        ({"travel_before": 500}, "travel_before"),
        ({"patient_id": "1"}, "patient_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_booking_input_is_checked_like_the_booking_form(
    clinics: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    response = api_as(clinics["practitioner"]).post("/appointments", booking(clinics, **change))
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert not Appointment.objects.exists()


def test_the_book_lists_a_range_of_days_and_another_clinic_is_missing(
    clinics: dict[str, Any],
) -> None:
    day = a_weekday_ahead()
    api = api_as(clinics["practitioner"])
    mine = api.post("/appointments", booking(clinics)).json()
    outsider = api_as(clinics["outsider"])
    theirs = outsider.post(
        "/appointments",
        booking(clinics, patient_id=clinics["other_patient"].pk,
                practitioner_id=clinics["outsider"].pk,
                type_id=type_named(clinics["other"], "Treatment").pk),
    )  # fmt: skip
    assert theirs.status_code == 201, theirs.content
    week = api.get(
        "/appointments", start=day.isoformat(), end=(day + timedelta(days=6)).isoformat()
    )
    assert [a["id"] for a in week.json()["items"]] == [mine["id"]]
    assert last_audit().what.startswith("appointment book")
    assert api.get("/appointments").json()["count"] == 0, "today by default"
    backwards = api.get("/appointments", start=day.isoformat(), end="2020-01-01")
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "end"
    assert api.get("/appointments", end=(day + timedelta(days=400)).isoformat()).status_code == 422
    assert api.get(f"/appointments/{mine['id']}").json()["type"] == "Treatment"
    for path in (f"/appointments/{theirs.json()['id']}", "/appointments/999999"):
        assert api.get(path).json() == {"detail": "No such appointment."}
        assert api.post(f"{path}/status", {"action": "arrive"}).status_code == 404
    # Booking another clinic's patient or practitioner: as missing as a wrong number.
    stranger = api.post("/appointments", booking(clinics, patient_id=clinics["other_patient"].pk))
    assert stranger.status_code == 404 and stranger.json() == {"detail": "No such patient."}
    someone = api.post(
        "/appointments", booking(clinics, practitioner_id=clinics["outsider"].pk, time="11:00")
    )
    assert someone.json() == {"detail": "No such practitioner."}


def test_status_changes_follow_the_books_rules(clinics: dict[str, Any]) -> None:
    api = api_as(clinics["colleague"])
    created = api.post("/appointments", booking(clinics)).json()
    path = f"/appointments/{created['id']}/status"
    early = api.post(path, {"action": "no_show"})
    assert early.status_code == 409 and "once the time has come" in early.json()["detail"]
    no_reason = api.post(path, {"action": "cancel"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    unknown = api.post(path, {"action": "vanish"})
    assert unknown.status_code == 422
    cancelled = api.post(path, {"action": "cancel", "reason": "Patient unwell"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["next_actions"] == []
    assert Appointment.objects.get(pk=created["id"]).status == Status.CANCELLED
    assert last_audit().what == f"appointment {created['id']} cancel"
    final = api.post(path, {"action": "arrive"})
    assert final.status_code == 409 and "cancelled" in final.json()["detail"]


def test_moment_helper_matches_the_service(clinics: dict[str, Any]) -> None:
    # The API's day and time are the clinic's local time, as on the booking page.
    api = api_as(clinics["practitioner"])
    created = api.post("/appointments", booking(clinics, time="10:30")).json()
    assert Appointment.objects.get(pk=created["id"]).starts_at == moment(a_weekday_ahead(), 10, 30)
    assert service.local(Appointment.objects.get(pk=created["id"]).starts_at).hour == 10
