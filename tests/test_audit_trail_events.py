"""What the audit trail records beyond views: changes with old and new values, sign-outs,
refused attempts, looks at the trail itself, and failed sign-ins where the admin sees them."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from acuback.web.audit.models import Action, AuditEvent
from tests.api_helpers import api_as
from tests.conftest import PASSWORD
from tests.test_patients_register import details


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_change_records_each_field_with_old_and_new_value_but_not_free_text(
    clinics: dict[str, Any],
) -> None:
    patient = clinics["patient"]
    data = details(given_name="Ada", family_name="Fenwick", date_of_birth="1968-04-12",
                   address="1 Harbour Lane, Leeds")  # fmt: skip
    url = reverse("patient-edit", args=[patient.pk])
    assert signed_in(clinics["colleague"]).post(f"{url}?from=Fenwick", data).status_code == 302
    event = AuditEvent.objects.get(action=Action.CHANGE, patient_id=patient.pk)
    assert event.changes["Phone"] == ["", "+4407700900555"]
    assert event.changes["Consent to treatment"] == ["", "2 Jan 2026"]
    assert event.changes["Postal address"] == [None, None]
    assert "Harbour" not in str(event.changes)
    assert "Family name" not in event.changes and "Date of birth" not in event.changes
    # A query string can carry a patient's name (a search box): it is never kept.
    assert event.path == url


def test_a_search_is_recorded_without_its_words(clinics: dict[str, Any]) -> None:
    signed_in(clinics["colleague"]).get(reverse("patient-list"), {"q": "Fenwick"})
    assert not AuditEvent.objects.filter(path__contains="Fenwick").exists()
    assert not AuditEvent.objects.filter(path__contains="?").exists()


def test_signing_out_is_recorded_in_the_clinic(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    client.post(reverse("logout"))
    event = AuditEvent.objects.get(action=Action.LOGOUT)
    assert event.username == "alice" and event.clinic == clinics["home"]


def test_refused_attempts_by_staff_are_recorded(clinics: dict[str, Any]) -> None:
    other_patient = reverse("patient-detail", args=[clinics["other_patient"].pk])
    assert signed_in(clinics["practitioner"]).get(other_patient).status_code == 404
    assert signed_in(clinics["colleague"]).get(reverse("audit-trail")).status_code == 403
    refused = AuditEvent.objects.filter(action=Action.REFUSED).order_by("id")
    assert [(e.username, e.clinic, e.path) for e in refused] == [
        ("alice", clinics["home"], other_patient),
        ("bob", clinics["home"], reverse("audit-trail")),
    ]
    assert [e.what for e in refused] == [
        "refused (not found): GET",
        "refused (not allowed): GET",
    ]


def test_a_token_refused_is_recorded_and_a_stranger_is_not(clinics: dict[str, Any]) -> None:
    api = api_as(clinics["outsider"])
    assert api.get(f"/patients/{clinics['patient'].pk}").status_code == 404
    event = AuditEvent.objects.get(action=Action.REFUSED)
    assert event.username == "charlie" and event.clinic == clinics["other"]
    assert Client().get("/no-such-page/").status_code == 404
    assert AuditEvent.objects.filter(action=Action.REFUSED).count() == 1


def test_a_look_at_the_trail_is_on_the_trail(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["admin"])
    assert client.get(reverse("audit-trail"), {"patient": clinics["patient"].pk}).status_code == 200
    event = AuditEvent.objects.get(action=Action.VIEW, username="dora")
    assert event.what == f"audit trail filtered by patient number {clinics['patient'].pk}"
    assert event.patient_id is None
    assert event.clinic == clinics["home"] and event.path == reverse("audit-trail")


def test_the_admin_sees_failed_sign_ins_and_changes_readably(clinics: dict[str, Any]) -> None:
    for username in ("alice", "charlie"):  # charlie works in the other clinic
        wrong = {"username": username, "password": "wrong" + PASSWORD}
        assert Client().post(reverse("login"), wrong).status_code == 200
    patient = clinics["patient"]
    data = details(given_name="Ada", family_name="Fenwick", date_of_birth="1968-04-12",
                   notes="", address="1 Harbour Lane")  # fmt: skip
    signed_in(clinics["colleague"]).post(reverse("patient-edit", args=[patient.pk]), data)
    page = signed_in(clinics["admin"]).get(reverse("audit-trail")).content.decode()
    assert "Sign-in failed" in page and "alice" in page and "charlie" not in page
    assert "Phone: blank → +4407700900555" in page
    assert "Consent to treatment: blank → 2 Jan 2026" in page
    assert "Sex: Not stated → Female" in page
    assert "Postal address: changed (free text is not copied to the trail)" in page
    assert "Harbour" not in page and "{" not in page.split("<main", 1)[1]
