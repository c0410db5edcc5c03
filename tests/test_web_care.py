"""The clinic side of the care pathway, through Django's test client.

Three users as in the fixtures: alice (practitioner) and dora (clinic admin) of the home
clinic, bob (reception) of the same clinic, and charlie, a practitioner of another clinic.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from acuback.knowledge.loader import knowledge_base
from acuback.web.audit.models import Action, AppendOnlyError, AuditEvent
from acuback.web.care import service
from acuback.web.care.models import IntakeRecord, PlanRecord, ScoreRecord, SessionRecord

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def intake_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "pain_duration_weeks": "20",
        "pain_sites": ["lumbar"],
        "conditions": ["chronic-low-back-pain"],
        "nrs": "7",
    }
    data.update(changes)
    return data


def make_intake(client: Client, patient: Any, **changes: Any) -> IntakeRecord:
    response = client.post(reverse("intake-new", args=[patient.pk]), intake_data(**changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return IntakeRecord.objects.latest("id")


def make_plan(client: Client, intake: IntakeRecord, start: date | None = None) -> PlanRecord:
    start = start or date.today()
    response = client.post(reverse("plan-create", args=[intake.pk]), {"start": start})
    assert response.status_code == 302, response.content.decode()[:2000]
    return PlanRecord.objects.latest("id")


def chart(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "day": date.today().isoformat(),
        "points_text": "bl23 both\nbl40 left",
        "needles_inserted": "6",
        "needles_removed": "6",
        "needle_type": "Sterile single-use stainless steel",
        "needle_diameter_mm": "0.25",
        "needle_length_mm": "40",
        "depth_mm": "15-25",
        "response_sought": "de_qi",
        "stimulation": "manual",
        "retention_minutes": "20",
        "advice": "Keep walking daily.",
        "nrs_before": "6",
        "nrs_after": "4",
    }
    data.update(changes)
    return data


# Intake and live screening -------------------------------------------------------------


def test_intake_is_saved_with_the_engines_screening(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    intake = make_intake(client, clinics["patient"], devices=["pacemaker"])
    assert intake.patient == clinics["patient"] and intake.clinic == clinics["home"]
    assert intake.answers["devices"] == ["pacemaker"]
    excluded = [m.code for m in intake.screening.excluded_methods]
    assert "electroacupuncture" in excluded
    assert AuditEvent.objects.filter(action=Action.CREATE, what=f"intake {intake.pk}").exists()


def test_a_form_with_errors_keeps_what_was_typed_and_names_the_field(
    clinics: dict[str, Any],
) -> None:
    client = signed_in(clinics["practitioner"])
    url = reverse("intake-new", args=[clinics["patient"].pk])
    response = client.post(
        url, intake_data(pain_duration_weeks="many", **{"startback-1": "1", "startback-2": "0"})
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "pain_duration_weeks" in form.errors
    html = response.content.decode()
    assert re.search(r'<input[^>]*value="chronic-low-back-pain"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="sciatica"[^>]*checked', html)
    assert 'name="startback-1"' in html and re.search(
        r'<option value="1" selected>1</option>', html
    )
    assert IntakeRecord.objects.count() == 0
    # Once the number is readable, the engine's own rule names the next item to answer.
    partial = client.post(url, intake_data(**{"startback-1": "1", "startback-2": "0"}))
    assert partial.status_code == 400
    assert partial.context["form"].errors["startback-3"] == [
        "Answer all nine STarT Back items, or none"
    ]


def test_live_preview_shows_triage_as_answers_change(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    url = reverse("intake-preview", args=[clinics["patient"].pk])
    calm = client.post(url, intake_data(), HTTP_HX_REQUEST="true")
    assert calm.status_code == 200
    # Ada is 58: age over 50 on its own asks for caution, nothing more.
    assert 'data-level="caution"' in calm.content.decode()
    alarm = client.post(url, intake_data(red_flags=["rf-saddle-anaesthesia"]))
    html = alarm.content.decode()
    assert 'data-level="emergency"' in html
    assert "no course plan" in html


def test_red_flag_stops_the_plan_until_a_decision_is_recorded(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    intake = make_intake(client, clinics["patient"], pregnant="on", pregnancy_weeks="20")
    detail = client.get(reverse("intake-detail", args=[intake.pk]))
    assert detail.context["screening"].level == "physician_clearance"
    assert b"Draft the plan" not in detail.content

    refused = client.post(reverse("plan-create", args=[intake.pk]), {"start": date.today()})
    assert refused.status_code == 400
    assert refused.context["plan_problem"]
    assert PlanRecord.objects.count() == 0

    approval = {"kind": "clearance_received", "on": "2026-11-20", "note": "Letter from GP"}
    assert client.post(reverse("intake-detail", args=[intake.pk]), approval).status_code == 302
    plan = make_plan(client, intake)
    chosen = {p.code for p in plan.course.points}
    struck = {p.code for p in plan.course.excluded_points}
    excluded = {p.code for p in service.current_screening(intake).excluded_points}
    assert {"li4", "sp6", "bl60", "bl67", "bl23"} <= excluded
    assert excluded & chosen == set()
    assert "bl23" in struck, "a local point the plan wanted is shown struck out"


def test_a_decision_form_with_a_missing_date_keeps_the_note(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    intake = make_intake(client, clinics["patient"])
    response = client.post(
        reverse("intake-detail", args=[intake.pk]), {"kind": "referred", "note": "To GP today"}
    )
    assert response.status_code == 400
    assert "on" in response.context["decision_form"].errors
    assert b"To GP today" in response.content


# Plan ----------------------------------------------------------------------------------


def test_plan_page_shows_roles_struck_points_and_a_body_map(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    intake = make_intake(
        client, clinics["patient"], local_finding_0="numb-skin", local_region_0="lower-leg"
    )
    plan = make_plan(client, intake)
    response = client.get(reverse("plan-detail", args=[plan.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="body-map"' in html
    for point in plan.course.points:
        assert re.search(f'data-point="{point.code}" data-side="[a-z]+" data-state="chosen"', html)
    assert plan.course.excluded_points, "numb skin of the lower leg strikes points there"
    for struck_point in plan.course.excluded_points:
        assert re.search(
            f'data-point="{struck_point.code}" data-side="[a-z]+" data-state="excluded"', html
        )
    assert html.count("<s>") >= len(plan.course.excluded_points)
    first = plan.course.sessions[0].date
    assert 'id="schedule"' in html and f"{first.day} {first:%b %Y}" in html


# Sessions ------------------------------------------------------------------------------


def open_session(client: Client, plan: PlanRecord, day: date | None = None) -> SessionRecord:
    day = day or date.today()
    response = client.post(reverse("session-create", args=[plan.pk]), {"day": day})
    assert response.status_code == 302
    return SessionRecord.objects.latest("id")


def test_a_session_cannot_close_while_needle_counts_differ(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    plan = make_plan(client, make_intake(client, clinics["patient"]))
    session = open_session(client, plan)
    assert session.number == 1 and session.points, "the plan's points are filled in"
    url = reverse("session-detail", args=[session.pk])

    short = client.post(url, chart(needles_removed="5", close="1"))
    assert short.status_code == 409
    assert "unaccounted" in short.context["problem"]
    session.refresh_from_db()
    assert session.closed is None
    assert session.needle_type.startswith("Sterile"), "the chart is saved, nothing is lost"
    assert session.points == [{"code": "bl23", "side": "both"}, {"code": "bl40", "side": "left"}]

    closed = client.post(url, chart(close="1"))
    assert closed.status_code == 302
    session.refresh_from_db()
    assert session.closed is not None
    score = ScoreRecord.objects.get(session=session)
    assert (score.instrument, float(score.value)) == ("nrs", 6.0)

    again = client.post(url, chart(needles_inserted="9", needles_removed="9"))
    assert again.status_code == 409
    session.refresh_from_db()
    assert session.needles_inserted == 6


def test_a_chart_change_is_audited_field_by_field_without_the_advice_text(
    clinics: dict[str, Any],
) -> None:
    client = signed_in(clinics["practitioner"])
    plan = make_plan(client, make_intake(client, clinics["patient"]))
    session = open_session(client, plan)
    url = reverse("session-detail", args=[session.pk])
    assert client.post(url, chart()).status_code == 302
    assert client.post(url, chart(retention_minutes="25", advice="Swim.")).status_code == 302
    last = AuditEvent.objects.filter(what=f"session {session.pk}").latest("id")
    assert last.changes == {
        "Needle retention (minutes)": ["20", "25"],
        "Advice given": [None, None],
    }
    again = chart(points_text="bl23 both", retention_minutes="25", advice="Swim.")
    assert client.post(url, again).status_code == 302
    last = AuditEvent.objects.filter(what=f"session {session.pk}").latest("id")
    assert last.changes == {"Points and sides": ["bl23 both, bl40 left", "bl23 both"]}


def test_session_chart_errors_are_named_and_kept(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    plan = make_plan(client, make_intake(client, clinics["patient"]))
    session = open_session(client, plan)
    blank = client.get(reverse("session-detail", args=[session.pk]))
    # The browser's date picker only accepts ISO dates; a localised value would show empty.
    assert f'name="day" value="{date.today().isoformat()}"' in blank.content.decode()
    response = client.post(
        reverse("session-detail", args=[session.pk]),
        chart(stimulation="electrical", points_text="bl23 both\nxx99 left", nrs_before="12"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "electrical_settings" in errors
    assert "xx99" in str(errors["points_text"])
    assert "nrs_before" in errors
    assert b"xx99 left" in response.content


def test_adverse_events_need_follow_up_when_moderate_or_serious(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    plan = make_plan(client, make_intake(client, clinics["patient"]))
    session = open_session(client, plan)
    url = reverse("adverse-event-create", args=[session.pk])
    missing = client.post(url, {"severity": "moderate", "description": "Fainted briefly"})
    assert missing.status_code == 400
    assert "follow_up" in missing.context["event_form"].errors
    assert b"Fainted briefly" in missing.content
    ok = client.post(
        url,
        {"severity": "moderate", "description": "Fainted briefly", "follow_up": "Lay flat"},
    )
    assert ok.status_code == 302
    assert session.adverse_events.get().follow_up == "Lay flat"


# Outcome -------------------------------------------------------------------------------


def test_patient_page_charts_scores_and_shows_the_engine_prompt(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    patient = clinics["patient"]
    start = date.today() - timedelta(weeks=7)
    plan = make_plan(client, make_intake(client, patient, nrs=""), start=start)
    url = reverse("score-create", args=[patient.pk])
    for weeks, value in ((0, "7"), (3, "5"), (7, "3")):
        day = start + timedelta(weeks=weeks)
        assert (
            client.post(url, {"instrument": "nrs", "value": value, "day": day}).status_code == 302
        )

    page = client.get(reverse("patient-detail", args=[patient.pk]))
    html = page.content.decode()
    assert re.search(r'<svg [^>]*data-instrument="nrs"[^>]*class="[^"]*outcome-chart', html)
    assert "Important improvement:" in html, "the threshold lines are labelled"
    outcome = page.context["outcome"]
    assert outcome.measures[0].responder is True
    assert outcome.decision == "continue"
    assert [e.kind for e in page.context["timeline"]].count("score") == 3

    review = client.get(reverse("plan-detail", args=[plan.pk]))
    assert review.context["review_due"] is True, "results are due at 6 weeks"
    assert 'id="outcome-decision"' in review.content.decode()


def test_a_score_out_of_range_is_refused_and_kept(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    patient = clinics["patient"]
    response = client.post(
        reverse("score-create", args=[patient.pk]),
        {"instrument": "rmdq", "value": "31", "day": date.today()},
    )
    assert response.status_code == 400
    assert "runs from 0 to 24" in str(response.context["score_form"].errors["value"])
    assert b'value="31"' in response.content
    assert ScoreRecord.objects.count() == 0


# Tenancy, roles and audit --------------------------------------------------------------


def care_urls() -> list[URLPattern]:
    from acuback.web.care.urls import urlpatterns

    return [p for p in urlpatterns if isinstance(p, URLPattern)]


def test_another_clinics_staff_get_404_at_every_care_url_and_change_nothing(
    clinics: dict[str, Any],
) -> None:
    from acuback.web.care.models import AdverseEvent, Decision, Message
    from acuback.web.clinics.models import Membership, Role

    owner = signed_in(clinics["practitioner"])
    patient = clinics["patient"]
    plan = make_plan(owner, make_intake(owner, patient))
    session = open_session(owner, plan)
    ids = {
        "patient_id": patient.pk,
        "intake_id": plan.intake.pk,
        "plan_id": plan.pk,
        "session_id": session.pk,
    }
    # Bodies that would succeed for the owner: a refusal must not be a validation error.
    body = {
        **intake_data(),
        **chart(close="1"),
        "kind": "clearance_received",
        "on": date.today(),
        "start": date.today(),
        "instrument": "nrs",
        "value": "3",
        "body": "Hello",
        "severity": "mild",
        "description": "Bruise",
    }
    rows = (IntakeRecord, PlanRecord, SessionRecord, ScoreRecord, Decision, Message, AdverseEvent)
    before = {model.__name__: model.objects.count() for model in rows}

    outsider = signed_in(clinics["outsider"])
    reception_user = clinics["outsider"].__class__.objects.create_user("erin", password=PASSWORD)
    Membership.objects.create(user=reception_user, clinic=clinics["other"], role=Role.RECEPTION)
    other_reception = signed_in(reception_user)
    checked = 0
    for pattern in care_urls():
        kwargs = {name: ids[name] for name in pattern.pattern.converters}
        url = reverse(pattern.name or "", kwargs=kwargs)
        assert owner.get(url).status_code in {200, 405}, url
        for client in (outsider, other_reception):
            assert client.get(url).status_code in {404, 405}, url
            assert client.post(url, body).status_code == 404, url
        checked += 1
    assert checked == len(care_urls()) >= 10
    assert {model.__name__: model.objects.count() for model in rows} == before
    session.refresh_from_db()
    assert session.closed is None and session.needle_type == ""


def test_reception_sees_the_patient_but_not_the_clinical_notes(clinics: dict[str, Any]) -> None:
    owner = signed_in(clinics["practitioner"])
    intake = make_intake(owner, clinics["patient"])
    reception = signed_in(clinics["colleague"])
    page = reception.get(reverse("patient-detail", args=[clinics["patient"].pk]))
    assert page.status_code == 200
    assert b"Fenwick" in page.content and b"Timeline" not in page.content
    assert reception.get(reverse("intake-detail", args=[intake.pk])).status_code == 403


def test_every_view_change_and_export_is_audited(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    patient = clinics["patient"]
    client.get(reverse("intake-new", args=[patient.pk]))
    intake = make_intake(client, patient)
    client.post(
        reverse("intake-detail", args=[intake.pk]), {"kind": "referred", "on": date.today()}
    )
    plan = make_plan(client, intake)
    client.get(reverse("plan-detail", args=[plan.pk]))
    session = open_session(client, plan)
    client.post(reverse("session-detail", args=[session.pk]), chart(close="1"))
    client.post(
        reverse("adverse-event-create", args=[session.pk]),
        {"severity": "mild", "description": "Small bruise"},
    )
    client.post(
        reverse("score-create", args=[patient.pk]),
        {"instrument": "rmdq", "value": "12", "day": date.today()},
    )
    client.post(reverse("message-create", args=[patient.pk]), {"body": "See you Thursday"})
    # A page shown again after an error shows patient data too.
    client.post(reverse("score-create", args=[patient.pk]), {"instrument": "nrs", "value": "99"})
    exported = client.get(reverse("patient-export", args=[patient.pk]))
    assert exported["Content-Disposition"].startswith("attachment")
    record = json.loads(exported.content)
    assert record["plans"][0]["id"] == plan.pk and record["sessions"][0]["needles_removed"] == 6

    events = list(AuditEvent.objects.filter(patient_id=patient.pk))
    said = [(e.action, e.what.split(" ")[0]) for e in events]
    for expected in [
        (Action.VIEW, "new"),
        (Action.CREATE, "intake"),
        (Action.CREATE, "decision"),
        (Action.CREATE, "plan"),
        (Action.VIEW, "plan"),
        (Action.CREATE, "session"),
        (Action.CHANGE, "session"),
        (Action.CREATE, "adverse"),
        (Action.CREATE, "score"),
        (Action.CREATE, "message"),
        (Action.EXPORT, "patient"),
    ]:
        assert expected in said, expected
    assert said.count((Action.VIEW, "patient")) >= 1, "the page shown with the score error"
    assert {(e.action, e.what) for e in events} >= {(Action.CHANGE, f"session {session.pk} closed")}
    assert all(e.username == "alice" and e.clinic == clinics["home"] for e in events)
    assert all(e.ip_address == "127.0.0.1" for e in events)


def test_search_words_stay_out_of_the_trail(clinics: dict[str, Any]) -> None:
    signed_in(clinics["practitioner"]).get("/patients/?q=Fenwick")
    event = AuditEvent.objects.get(what="patient list (search)")
    assert "Fenwick" not in event.path and event.path == "/patients/"


def test_the_audit_trail_is_append_only(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    client.get(reverse("patient-detail", args=[clinics["patient"].pk]))
    event = AuditEvent.objects.latest("id")
    event.what = "something else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(what="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).what.startswith("patient")


def test_only_the_clinic_admin_reads_the_trail_and_only_their_clinics(
    clinics: dict[str, Any],
) -> None:
    signed_in(clinics["practitioner"]).get(reverse("patient-detail", args=[clinics["patient"].pk]))
    other = clinics["other_patient"]
    signed_in(clinics["outsider"]).get(reverse("patient-detail", args=[other.pk]))

    assert signed_in(clinics["practitioner"]).get(reverse("audit-trail")).status_code == 403
    page = signed_in(clinics["admin"]).get(reverse("audit-trail"))
    assert page.status_code == 200
    shown = list(page.context["page"])
    assert shown and all(e.clinic == clinics["home"] for e in shown)
    assert f"patient {clinics['patient'].pk}" in page.content.decode()
    assert "charlie" not in page.content.decode()


def test_login_is_throttled_after_repeated_failures(clinics: dict[str, Any]) -> None:
    client = Client()
    for _ in range(5):
        wrong = client.post("/login/", {"username": "alice", "password": "not-the-password"})
        assert wrong.status_code == 200
    locked = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 200
    assert b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, username="alice").count() == 5
    # Another account from another address is not locked out by alice's failures.
    fresh = Client(REMOTE_ADDR="10.0.0.9")
    assert fresh.post("/login/", {"username": "bob", "password": PASSWORD}).status_code == 302


def test_django_admin_is_for_clinic_admins_scoped_to_their_clinic(
    clinics: dict[str, Any],
) -> None:
    practitioner = signed_in(clinics["practitioner"]).get("/admin/")
    assert practitioner.status_code == 302 and "/login/" in practitioner["Location"]

    admin = signed_in(clinics["admin"])
    assert admin.get("/admin/").status_code == 200
    users = admin.get("/admin/auth/user/")
    assert users.status_code == 200
    names = {u.username for u in users.context["cl"].result_list}
    assert names == {"alice", "bob", "dora"}
    assert admin.get(
        f"/admin/clinics/patient/{clinics['other_patient'].pk}/change/"
    ).status_code in {
        302,
        404,
    }
    patients = admin.get("/admin/clinics/patient/")
    assert {p.family_name for p in patients.context["cl"].result_list} == {"Fenwick"}
    own = clinics["patient"].pk
    assert admin.get(f"/admin/clinics/patient/{own}/change/").status_code == 200
    assert AuditEvent.objects.filter(what=f"patient {own} (admin)", username="dora").exists()
    assert admin.post(f"/admin/clinics/patient/{own}/delete/", {"post": "yes"}).status_code == 403
    assert clinics["patient"].__class__.objects.filter(pk=own).exists()
    kb = admin.get("/admin/knowledge/")
    assert kb.status_code == 200 and b"bl23" in kb.content
    entry = admin.get("/admin/knowledge/bl23/")
    assert entry.status_code == 200 and b"who-2008-point-locations" in entry.content
    assert admin.get("/admin/knowledge/no-such-code/").status_code == 404


def test_csrf_is_enforced_on_care_forms(clinics: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinics["practitioner"])
    response = client.post(reverse("intake-new", args=[clinics["patient"].pk]), intake_data())
    assert response.status_code == 403
    assert IntakeRecord.objects.count() == 0


def test_the_models_and_migrations_agree() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# Safety of the pathway over time -------------------------------------------------------


def test_a_newer_intake_with_a_red_flag_stops_plans_and_sessions(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    patient = clinics["patient"]
    old = make_intake(client, patient)
    plan = make_plan(client, old)
    make_intake(client, patient, red_flags=["rf-saddle-anaesthesia"])

    again = client.post(reverse("plan-create", args=[old.pk]), {"start": date.today()})
    assert again.status_code == 400 and "newer intake" in again.context["plan_problem"]
    refused = client.post(reverse("session-create", args=[plan.pk]), {"day": date.today()})
    assert refused.status_code == 409
    emergency = knowledge_base().triage_levels["triage-emergency"].label
    assert refused.context["session_problem"].startswith(emergency)
    assert SessionRecord.objects.count() == 0
    banner = client.get(reverse("intake-detail", args=[old.pk]))
    assert banner.context["superseded_by"] is not None


def test_a_later_decision_withdraws_an_approval_and_dates_cannot_be_ahead(
    clinics: dict[str, Any],
) -> None:
    client = signed_in(clinics["practitioner"])
    intake = make_intake(client, clinics["patient"], devices=["pacemaker"])
    url = reverse("intake-detail", args=[intake.pk])
    future = client.post(url, {"kind": "clearance_received", "on": date.today() + timedelta(1)})
    assert future.status_code == 400 and "future" in str(future.context["decision_form"].errors)
    client.post(url, {"kind": "clearance_received", "on": date.today()})
    assert client.get(url).context["permission"].allowed is True
    client.post(url, {"kind": "declined", "on": date.today(), "note": "Cardiologist says no"})
    assert client.get(url).context["permission"].allowed is False
    refused = client.post(reverse("plan-create", args=[intake.pk]), {"start": date.today()})
    assert refused.status_code == 400 and PlanRecord.objects.count() == 0


def test_a_course_is_judged_on_its_own_scores(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    patient = clinics["patient"]
    url = reverse("score-create", args=[patient.pk])
    last_year = date.today() - timedelta(days=400)
    for days, value in ((0, "9"), (60, "2")):
        client.post(url, {"instrument": "nrs", "value": value, "day": last_year + timedelta(days)})
    start = date.today() - timedelta(weeks=8)
    plan = make_plan(client, make_intake(client, patient, nrs=""), start=start)
    for weeks, value in ((0, "6"), (8, "6")):
        client.post(
            url, {"instrument": "nrs", "value": value, "day": start + timedelta(weeks=weeks)}
        )
    outcome = client.get(reverse("plan-detail", args=[plan.pk])).context["outcome"]
    nrs = outcome.measures[0]
    assert (nrs.baseline, nrs.latest, nrs.responder) == (6.0, 6.0, False)
    assert outcome.decision != "continue"


def test_the_pain_at_intake_is_the_courses_baseline(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    make_intake(client, clinics["patient"], nrs="7")
    score = ScoreRecord.objects.get()
    assert (score.instrument, float(score.value), score.day) == ("nrs", 7.0, date.today())


def test_starting_a_session_names_a_bad_date_and_one_session_is_open_at_a_time(
    clinics: dict[str, Any],
) -> None:
    client = signed_in(clinics["practitioner"])
    plan = make_plan(client, make_intake(client, clinics["patient"]))
    url = reverse("session-create", args=[plan.pk])
    bad = client.post(url, {"day": "31/02/2026"})
    assert bad.status_code == 400 and "day" in bad.context["session_form"].errors
    assert SessionRecord.objects.count() == 0
    first = open_session(client, plan)
    second = client.post(url, {"day": date.today()})
    assert second.status_code == 409
    assert f"Session {first.number} is still open" in second.context["session_problem"]
    client.post(reverse("session-detail", args=[first.pk]), chart(close="1"))
    assert open_session(client, plan).number == 2


def test_typing_into_a_closed_session_is_shown_back_not_saved(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    plan = make_plan(client, make_intake(client, clinics["patient"]))
    session = open_session(client, plan)
    url = reverse("session-detail", args=[session.pk])
    client.post(url, chart(close="1"))
    late = client.post(url, chart(advice="Forgot: ice pack advice"))
    assert late.status_code == 409
    assert b"Forgot: ice pack advice" in late.content
    session.refresh_from_db()
    assert session.advice == "Keep walking daily."


def test_csrf_is_enforced_on_the_live_preview(clinics: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinics["practitioner"])
    url = reverse("intake-preview", args=[clinics["patient"].pk])
    assert client.post(url, intake_data()).status_code == 403


def test_the_plans_schedule_links_each_charted_session_on_its_row(
    clinics: dict[str, Any],
) -> None:
    client = signed_in(clinics["practitioner"])
    start = date.today() - timedelta(days=3)
    plan = make_plan(client, make_intake(client, clinics["patient"]), start)
    first = open_session(client, plan)
    html = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    planned = plan.course.sessions
    row = re.search(r'<tr data-number="1">(.*?)</tr>', html)
    assert row is not None
    said = f"{first.day.day} {first.day:%b %Y}"
    assert f"<td>{planned[0].date.day} {planned[0].date:%b %Y}</td>" in row.group(1)
    assert f'<a href="{reverse("session-detail", args=[first.pk])}">{said}</a>' in row.group(1)
    assert "(open)" in row.group(1)
    second = re.search(r'<tr data-number="2">(.*?)</tr>', html)
    assert second is not None and "not yet" in second.group(1)
