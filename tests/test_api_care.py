"""The JSON API's clinical records: the engine screens, plans and checks charts as in the
app; reception is turned away (403) and another clinic's ids are missing (404)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care import service
from acuback.web.care.models import IntakeRecord, PlanRecord, ScoreRecord, SessionRecord
from tests.api_helpers import api_as, last_audit
from tests.check_in_helpers import a_plan, open_session

pytestmark = pytest.mark.django_db

CLEAR = {
    "pain_duration_weeks": 20,
    "pain_sites": ["lumbar"],
    "conditions": ["chronic-low-back-pain"],
    "nrs": 7,
}


def today() -> str:
    return timezone.localdate().isoformat()


def test_an_intake_is_screened_as_in_the_app_and_a_red_flag_stops_the_plan(
    clinics: dict[str, Any],
) -> None:
    api, ada = api_as(clinics["practitioner"]), clinics["patient"]
    created = api.post(f"/patients/{ada.pk}/intakes",
                       {**CLEAR, "red_flags": ["rf-saddle-anaesthesia"]})  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    intake = IntakeRecord.objects.get(pk=body["id"])
    assert intake.clinic == clinics["home"] and intake.created_by == clinics["practitioner"]
    # The same screening the intake page shows, as the engine's typed model.
    assert body["screening"] == service.current_screening(intake).model_dump(mode="json")
    assert body["screening"]["triage"]["level"] == "emergency"
    assert body["may_plan"] is False and body["blockers"]
    assert AuditEvent.objects.filter(action=Action.CREATE, what=f"intake {intake.pk}").exists()

    refused = api.post(f"/intakes/{intake.pk}/plans", {"start": today()})
    assert refused.status_code == 409
    assert refused.json()["reasons"] == list(service.care_permission(ada).blockers)
    assert not PlanRecord.objects.exists()

    read = api.get(f"/intakes/{intake.pk}")
    assert read.status_code == 200 and read.json()["screening"] == body["screening"]
    assert (last_audit().action, last_audit().patient_id) == (Action.VIEW, ada.pk)
    listed = api.get(f"/patients/{ada.pk}/intakes").json()
    assert listed["count"] == 1 and listed["items"][0]["triage_level"] == "emergency"


def test_the_engines_input_errors_are_422_naming_the_field(clinics: dict[str, Any]) -> None:
    api, ada = api_as(clinics["practitioner"]), clinics["patient"]
    partial = api.post(
        f"/patients/{ada.pk}/intakes", {**CLEAR, "startback": {"startback-1": 1, "startback-2": 0}}
    )
    assert partial.status_code == 422
    assert partial.json()["errors"] == [
        {"field": "startback.startback-3", "message": "Answer all nine STarT Back items, or none"}
    ]
    unknown = api.post(f"/patients/{ada.pk}/intakes", {**CLEAR, "red_flags": ["rf-made-up"]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "red_flags"
    extra = api.post(f"/patients/{ada.pk}/intakes", {**CLEAR, "mood": "low"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "mood"
    assert not IntakeRecord.objects.exists()


def test_a_plan_is_drafted_from_a_clear_intake_and_read_with_its_course(
    clinics: dict[str, Any],
) -> None:
    api, ada = api_as(clinics["admin"]), clinics["patient"]
    intake = api.post(f"/patients/{ada.pk}/intakes", CLEAR).json()
    assert intake["may_plan"] is True
    future = api.post(f"/intakes/{intake['id']}/plans", {"start": "not a date"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "start"
    created = api.post(f"/intakes/{intake['id']}/plans", {"start": today()})
    assert created.status_code == 201, created.content
    plan = PlanRecord.objects.get(pk=created.json()["id"])
    assert created.json()["course"] == plan.course.model_dump(mode="json")
    assert created.json()["course"]["points"], "the course names its points"
    assert api.get(f"/plans/{plan.pk}").json()["course"] == created.json()["course"]
    assert api.get(f"/patients/{ada.pk}/plans").json()["count"] == 1
    # The intake baseline NRS became a score, as in the app.
    scores = api.get(f"/patients/{ada.pk}/scores").json()
    assert [(s["instrument"], s["value"]) for s in scores["items"]] == [("nrs", 7.0)]


def test_a_chart_with_a_point_screening_excludes_is_refused_with_reasons(
    clinics: dict[str, Any],
) -> None:
    api, ada, alice = api_as(clinics["practitioner"]), clinics["patient"], clinics["practitioner"]
    intake = api.post(
        f"/patients/{ada.pk}/intakes", {**CLEAR, "pregnant": True, "pregnancy_weeks": 20}
    ).json()
    assert intake["screening"]["triage"]["level"] == "physician_clearance"
    waiting = api.post(f"/intakes/{intake['id']}/plans", {"start": today()})
    assert waiting.status_code == 409
    record = IntakeRecord.objects.get(pk=intake["id"])
    service.record_decision(record, alice, "clearance_received", timezone.localdate(), "GP letter")
    plan = api.post(f"/intakes/{intake['id']}/plans", {"start": today()}).json()
    session = api.post(f"/plans/{plan['id']}/sessions", {"day": today()})
    assert session.status_code == 201, session.content
    session_id = session.json()["id"]
    again = api.post(f"/plans/{plan['id']}/sessions", {"day": today()})
    assert again.status_code == 409 and "still open" in again.json()["detail"]

    refused = api.patch(f"/sessions/{session_id}", {"points": [{"code": "li4", "side": "both"}]})
    assert refused.status_code == 409, refused.content
    assert any("li4" in r.lower() or "LI4" in r for r in refused.json()["reasons"]), refused.json()
    assert SessionRecord.objects.get(pk=session_id).points != [{"code": "li4", "side": "both"}]
    # The reasons speak of the patient's screening, so the refusal is on the trail.
    assert (last_audit().what, last_audit().patient_id) == (
        f"session {session_id} (chart refused)",
        ada.pk,
    )

    charted = api.patch(
        f"/sessions/{session_id}",
        {"needles_inserted": 4, "needles_removed": 3, "stimulation": "manual", "nrs_before": 5},
    )
    assert charted.status_code == 200, charted.content
    assert charted.json()["needles_inserted"] == 4 and charted.json()["points"]
    assert last_audit().action == Action.CHANGE
    # Each field the call changed, with its old and new value, as on the session page.
    assert last_audit().changes["Needles inserted"] == ["", "4"]
    assert last_audit().changes["Stimulation"] == ["", "Manual"]
    assert "Points and sides" not in last_audit().changes
    unclosable = api.post(f"/sessions/{session_id}/close")
    assert unclosable.status_code == 409 and "unaccounted" in unclosable.json()["detail"]
    api.patch(f"/sessions/{session_id}", {"needles_removed": 4})
    closed = api.post(f"/sessions/{session_id}/close")
    assert closed.status_code == 200 and closed.json()["closed"]
    late = api.patch(f"/sessions/{session_id}", {"advice": "Walk"})
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    assert api.get(f"/plans/{plan['id']}/sessions").json()["count"] == 1


def test_chart_input_is_checked_like_the_session_form(clinics: dict[str, Any]) -> None:
    api = api_as(clinics["practitioner"])
    session = open_session(clinics["patient"], clinics["practitioner"])
    path = f"/sessions/{session.pk}"
    bad = [
        ({"points": [{"code": "xx99", "side": "left"}]}, "points"),
        ({"stimulation": "electrical"}, "electrical_settings"),
        ({"nrs_before": 11}, "nrs_before"),
        ({"day": (timezone.localdate() + timedelta(days=1)).isoformat()}, "day"),
        ({"needles_inserted": "4"}, "needles_inserted"),
    ]
    for change, field in bad:
        response = api.patch(path, change)
        assert response.status_code == 422, (change, response.content)
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_scores_keep_the_pages_date_and_range_checks(clinics: dict[str, Any]) -> None:
    api, ada = api_as(clinics["practitioner"]), clinics["patient"]
    path = f"/patients/{ada.pk}/scores"
    created = api.post(path, {"instrument": "nrs", "value": 6, "day": today()})
    assert created.status_code == 201, created.content
    assert ScoreRecord.objects.get(pk=created.json()["id"]).created_by == clinics["practitioner"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for body, field in [
        ({"instrument": "nrs", "value": 6, "day": tomorrow}, "day"),
        ({"instrument": "nrs", "value": 6, "day": "1960-01-01"}, "day"),
        ({"instrument": "nrs", "value": 12, "day": today()}, "value"),
        ({"instrument": "tarot", "value": 1, "day": today()}, "instrument"),
    ]:
        response = api.post(path, body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert ScoreRecord.objects.count() == 1
    assert api.get(path).json()["count"] == 1


def test_reception_reads_no_clinical_record_and_another_clinic_is_missing(
    clinics: dict[str, Any],
) -> None:
    ada, ivo = clinics["patient"], clinics["other_patient"]
    session = open_session(ada, clinics["practitioner"])
    plan, intake = session.plan, session.plan.intake
    theirs = a_plan(ivo, clinics["outsider"])
    their_session = open_session(ivo, clinics["outsider"])
    ours = [
        ("get", f"/patients/{ada.pk}/intakes"), ("get", f"/intakes/{intake.pk}"),
        ("get", f"/patients/{ada.pk}/plans"), ("get", f"/plans/{plan.pk}"),
        ("get", f"/plans/{plan.pk}/sessions"), ("get", f"/sessions/{session.pk}"),
        ("get", f"/patients/{ada.pk}/scores"), ("post", f"/sessions/{session.pk}/close"),
        ("post", f"/patients/{ada.pk}/scores"), ("post", f"/intakes/{intake.pk}/plans"),
    ]  # fmt: skip
    other = [
        ("get", f"/patients/{ivo.pk}/intakes"), ("get", f"/intakes/{theirs.intake.pk}"),
        ("get", f"/plans/{theirs.pk}"), ("get", f"/plans/{theirs.pk}/sessions"),
        ("get", f"/sessions/{their_session.pk}"), ("get", f"/patients/{ivo.pk}/scores"),
        ("post", f"/sessions/{their_session.pk}/close"), ("patch", f"/sessions/{their_session.pk}"),
    ]  # fmt: skip
    bodies = {
        f"/patients/{ada.pk}/scores": {"instrument": "nrs", "value": 5, "day": today()},
        f"/intakes/{intake.pk}/plans": {"start": today()},
    }
    bob, alice = api_as(clinics["colleague"]), api_as(clinics["practitioner"])
    scores_before = ScoreRecord.objects.count()
    for method, path in ours:
        args = (path, bodies[path]) if method == "post" and path in bodies else (path,)
        response = getattr(bob, method)(*args)
        assert response.status_code == 403, (path, response.content)
        assert "practitioners" in response.json()["detail"]
    for client in (bob, alice):
        for method, path in other:
            response = getattr(client, method)(*((path, {}) if method == "patch" else (path,)))
            assert response.status_code == 404, (path, response.content)
            assert response.json()["detail"].startswith("No such")
    # The same answer as for an id that does not exist at all.
    assert alice.get("/sessions/999999").json() == alice.get(f"/sessions/{their_session.pk}").json()
    assert ScoreRecord.objects.count() == scores_before
    assert PlanRecord.objects.filter(patient=ada).count() == 1


def test_the_api_and_the_intake_page_store_the_same_screening(clinics: dict[str, Any]) -> None:
    ada = clinics["patient"]
    page = Client()
    page.force_login(clinics["practitioner"])
    form = {
        "pain_duration_weeks": "20", "pain_sites": ["lumbar"], "nrs": "7",
        "red_flags": ["rf-saddle-anaesthesia"], "devices": ["pacemaker"],
    }  # fmt: skip
    assert page.post(reverse("intake-new", args=[ada.pk]), form).status_code == 302
    by_page = IntakeRecord.objects.latest("id")
    body = {"pain_duration_weeks": 20, "pain_sites": ["lumbar"], "nrs": 7,
            "red_flags": ["rf-saddle-anaesthesia"], "devices": ["pacemaker"]}  # fmt: skip
    by_api = IntakeRecord.objects.get(
        pk=api_as(clinics["practitioner"]).post(f"/patients/{ada.pk}/intakes", body).json()["id"]
    )
    assert by_api.answers == by_page.answers
    assert by_api.screening_json == by_page.screening_json
    assert by_api.triage_level == by_page.triage_level == "emergency"
