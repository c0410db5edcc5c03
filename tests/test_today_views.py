"""The Today page: each panel's rule, the clinic's walls, reception's view, the audit."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from acuback.clinical.base import spoken
from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, Status
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care import service as care
from acuback.web.care.models import DecisionKind, IntakeRecord, PlanRecord, ScoreRecord
from acuback.web.clinics.models import Clinic, Patient
from acuback.web.today import service as today_service
from acuback.web.today.service import listed
from tests.conftest import PASSWORD

CLEAR = {
    "age": 57,
    "sex": "female",
    "pain_duration_weeks": 30.0,
    "pain_sites": ["lumbar"],
    "conditions": ["chronic-low-back-pain"],
    "nrs": 6.0,
}
PACEMAKER = {**CLEAR, "age": 71, "devices": ["pacemaker"]}


def intake(patient: Patient, user: User, answers: dict[str, Any]) -> Any:
    return care.record_intake(
        patient.clinic, patient, user, read_intake(answers, knowledge_base()), answers
    )


def a_plan(patient: Patient, user: User, weeks_ago: int = 8) -> PlanRecord:
    """A course begun weeks ago, from an intake (and its pain score) of that day."""
    start = timezone.localdate() - timedelta(weeks=weeks_ago)
    plan = care.draft_plan(intake(patient, user, CLEAR), user, start)
    ScoreRecord.objects.filter(patient=patient).update(day=start)
    IntakeRecord.objects.filter(pk=plan.intake_id).update(created=book.at(start, time(9)))
    return plan


def appointment(
    patient: Patient, user: User, day: date, hh: int, status: str = Status.BOOKED
) -> Appointment:
    clinic = patient.clinic
    starts = book.at(day, time(hh, 0))
    return Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        practitioner=user,
        type=book.types_for(clinic).get(name="Treatment"),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        status=status,
        created_by=user,
    )


def patient(clinic: Clinic, given: str, family: str, email: str = "") -> Patient:
    return Patient.objects.create(
        clinic=clinic, given_name=given, family_name=family, date_of_birth=date(1960, 1, 1),
        email=email, phone="+441234567890",
    )  # fmt: skip


def busy_day(clinics: dict[str, Any]) -> dict[str, Any]:
    """Something in every panel for alice, a colleague's appointment, and another clinic's.

    Ada: alice's course, started 8 weeks ago, no score since its reviews came due, a
    moderate adverse event with no follow-up, seen today (arrived), no appointment ahead.
    Cara: alice's intake with a pacemaker, waiting for the doctor's approval.
    Eli: no email, booked with alice next week. Ben: booked with dora today.
    Ivo (other clinic): the same kinds of item with charlie; never shown to home staff.
    """
    home, alice, dora = clinics["home"], clinics["practitioner"], clinics["admin"]
    today = timezone.localdate()
    ada = clinics["patient"]
    ada.email = "ada@example.org"
    ada.save()
    plan = a_plan(ada, alice)
    session = care.open_session(plan, alice, plan.start)
    care.record_adverse_event(
        session, alice, {"severity": "moderate", "description": "Bruise at the needle site"}
    )
    cara = patient(home, "Cara", "Doyle", "cara@example.org")
    intake(cara, alice, PACEMAKER)
    eli = patient(home, "Eli", "Brandt")
    ben = patient(home, "Ben", "Okafor", "ben@example.org")
    items = {
        "ada_today": appointment(ada, alice, today, 9, Status.ARRIVED),
        "eli_next_week": appointment(eli, alice, today + timedelta(days=7), 10),
        "ben_today": appointment(ben, dora, today, 11),
        "plan": plan,
        "cara": cara,
        "eli": eli,
        "ben": ben,
    }
    # Another clinic's patient with every kind of item, for charlie.
    charlie, ivo = clinics["outsider"], clinics["other_patient"]
    other_plan = a_plan(ivo, charlie)
    other_session = care.open_session(other_plan, charlie, other_plan.start)
    care.record_adverse_event(
        other_session, charlie, {"severity": "serious", "description": "Fainted"}
    )
    appointment(ivo, charlie, today, 9)
    appointment(ivo, charlie, today + timedelta(days=7), 10)
    waiting = patient(clinics["other"], "Otto", "Waits")
    intake(waiting, charlie, PACEMAKER)
    return items


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def panel(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_alice_sees_every_panel_of_her_own_day(clinics: dict[str, Any]) -> None:
    items = busy_day(clinics)
    response = signed_in("alice").get("/today/")
    assert response.status_code == 200
    html = response.content.decode()

    appointments = panel(html, "appointments")
    assert "Ada Fenwick" in appointments and "Arrived" in appointments
    assert "Ben Okafor" not in appointments  # dora's, not hers
    assert f"/appointments/{items['ada_today'].pk}/" in appointments
    assert "Reviews due" in html and "Ada Fenwick" in panel(html, "reviews")
    adverse = panel(html, "adverse")
    assert "Moderate" in adverse and "Bruise at the needle site" in adverse
    assert "No follow-up written" in adverse
    assert f"Session 1</a> of {spoken(items['plan'].start)}" in adverse
    approvals = panel(html, "approvals")
    assert "Cara Doyle" in approvals and "Ada" not in approvals
    no_next = panel(html, "no-next")
    assert "Ada Fenwick" in no_next and "1 of" in no_next
    assert f"/plans/{items['plan'].pk}/book/" in no_next
    no_email = panel(html, "no-email")
    assert "Eli Brandt" in no_email and "Ada" not in no_email
    # Clinical words only: no codes or enum values.
    for code in ("moderate<", "arrived<", "physician_clearance", "chronic-low-back-pain"):
        assert code not in html


def test_the_whole_clinic_switch_shows_colleagues_appointments(clinics: dict[str, Any]) -> None:
    busy_day(clinics)
    html = signed_in("alice").get("/today/?show=clinic").content.decode()
    appointments = panel(html, "appointments")
    assert "Ada Fenwick" in appointments and "Ben Okafor" in appointments
    assert appointments.index("Ada Fenwick") < appointments.index("Ben Okafor")  # time order
    assert 'aria-current="page">Whole clinic' in html


def words(html: str) -> str:
    """The page without its 64-character CSRF tokens, where a name could turn up by chance."""
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def test_another_clinics_data_never_appears(clinics: dict[str, Any]) -> None:
    busy_day(clinics)
    for username in ("alice", "dora", "bob"):
        for query in ("", "?show=clinic", "?show=mine"):
            html = words(signed_in(username).get(f"/today/{query}").content.decode())
            for outsider in ("Ivo", "Lindqvist", "Otto", "Fainted", "Serious"):
                assert outsider not in html, (username, query, outsider)
    # And charlie sees his clinic's items, none of home's.
    html = words(signed_in("charlie").get("/today/?show=clinic").content.decode())
    assert "Ivo Lindqvist" in panel(html, "appointments")
    assert "Otto Waits" in panel(html, "approvals")
    assert "Fainted" in panel(html, "adverse")
    for home_name in ("Ada", "Cara", "Eli", "Ben"):
        assert home_name not in html


def test_reception_sees_the_day_and_missing_emails_but_no_clinical_list(
    clinics: dict[str, Any],
) -> None:
    busy_day(clinics)
    html = signed_in("bob").get("/today/").content.decode()
    assert "Ada Fenwick" in panel(html, "appointments")
    assert "Ben Okafor" in panel(html, "appointments")
    assert "Eli Brandt" in panel(html, "no-email")
    for clinical in ('id="reviews"', 'id="adverse"', 'id="approvals"', 'id="no-next"',
                     "Bruise", "Cara Doyle", "My work"):  # fmt: skip
        assert clinical not in html


def test_an_approval_recorded_or_a_score_after_the_review_clears_the_lists(
    clinics: dict[str, Any],
) -> None:
    items = busy_day(clinics)
    alice = clinics["practitioner"]
    cara_intake = care.latest_intake(items["cara"])
    assert cara_intake is not None
    care.record_decision(
        cara_intake, alice, DecisionKind.CLEARANCE_RECEIVED, timezone.localdate(), "GP letter"
    )
    care.record_score(clinics["home"], clinics["patient"], alice, "nrs", 4, timezone.localdate())
    html = signed_in("alice").get("/today/").content.decode()
    assert "No approval is awaited." in panel(html, "approvals")
    assert "No review is due." in panel(html, "reviews")


def test_a_followed_up_moderate_event_older_than_a_week_leaves_the_list(
    clinics: dict[str, Any],
) -> None:
    busy_day(clinics)
    from acuback.web.care.models import AdverseEvent

    event = AdverseEvent.objects.get(clinic=clinics["home"])
    AdverseEvent.objects.filter(pk=event.pk).update(
        follow_up="Phoned: gone in two days", created=timezone.now() - timedelta(days=8)
    )
    html = signed_in("alice").get("/today/").content.decode()
    assert "Nothing to follow up." in panel(html, "adverse")
    AdverseEvent.objects.filter(pk=event.pk).update(created=timezone.now() - timedelta(days=2))
    html = signed_in("alice").get("/today/").content.decode()
    assert "Phoned: gone in two days" in panel(html, "adverse")


def test_the_view_is_audited_and_needs_a_sign_in(clinics: dict[str, Any]) -> None:
    assert Client().get("/today/").status_code == 302
    signed_in("alice").get("/today/?show=clinic")
    event = AuditEvent.objects.filter(action=Action.VIEW, what__startswith="today").get()
    assert event.clinic == clinics["home"] and event.user == clinics["practitioner"]
    assert event.what == "today page (whole clinic)"


@pytest.mark.parametrize("username", ["alice", "dora", "bob"])
def test_the_nav_links_to_today(clinics: dict[str, Any], username: str) -> None:
    html = signed_in(username).get("/patients/").content.decode()
    assert '<a href="/today/">Today</a>' in html


def test_a_referral_keeps_the_approval_awaited_and_a_refusal_ends_it(
    clinics: dict[str, Any],
) -> None:
    items = busy_day(clinics)
    alice, today = clinics["practitioner"], timezone.localdate()
    cara_intake = care.latest_intake(items["cara"])
    assert cara_intake is not None
    care.record_decision(cara_intake, alice, DecisionKind.REFERRED, today, "Letter to GP")
    html = signed_in("alice").get("/today/").content.decode()
    approvals = panel(html, "approvals")
    assert "Cara Doyle" in approvals and "Referred to a doctor or service" in approvals
    # For another patient: an approval ends the wait, a referral after it withdraws it, and
    # a guardian's consent recorded last is not a decision on the approval.
    dan = intake(patient(clinics["home"], "Dan", "Moss"), alice, PACEMAKER)
    waits = []
    for kind in (
        DecisionKind.CLEARANCE_RECEIVED,
        DecisionKind.REFERRED,
        DecisionKind.GUARDIAN_CONSENT,
    ):
        care.record_decision(dan, alice, kind, today, "")
        html = signed_in("alice").get("/today/").content.decode()
        waits.append("Dan Moss" in panel(html, "approvals"))
    assert waits == [False, True, True]
    care.record_decision(cara_intake, alice, DecisionKind.DECLINED, today, "GP: not advised")
    html = signed_in("alice").get("/today/").content.decode()
    assert "Cara Doyle" not in panel(html, "approvals")


def test_a_long_list_shows_a_page_at_a_time_and_keeps_whose_work(
    clinics: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(today_service, "LIST_SIZE", 2)
    alice = clinics["practitioner"]
    names = ["Abel", "Bria", "Cole"]
    for family in names:  # three courses of alice's, none with an appointment ahead
        a_plan(patient(clinics["home"], "Pat", family), alice)
    client = signed_in("alice")
    first = panel(client.get("/today/", {"show": "clinic"}).content.decode(), "no-next")
    assert "(3)" in first and "1–2 of 3" in first
    assert "Pat Abel" in first and "Pat Bria" in first and "Pat Cole" not in first
    assert 'href="?show=clinic&amp;no-next=2#no-next"' in first
    second = panel(
        client.get("/today/", {"show": "clinic", "no-next": "2"}).content.decode(), "no-next"
    )
    assert "3–3 of 3" in second and "Pat Cole" in second and "Pat Abel" not in second
    assert 'href="?show=clinic&amp;no-next=1#no-next"' in second
    # Moving through one list leaves the others on the page they were.
    both = client.get("/today/", {"show": "clinic", "reviews": "2"}).content.decode()
    assert 'href="?show=clinic&amp;reviews=2&amp;no-next=2#no-next"' in panel(both, "no-next")
    # A page past the end, or one that is not a number, shows the last or the first.
    assert "Pat Cole" in panel(client.get("/today/?no-next=9").content.decode(), "no-next")
    assert "Pat Abel" in panel(client.get("/today/?no-next=x").content.decode(), "no-next")


def test_a_page_of_a_list_counts_from_its_first_row() -> None:
    page = listed(list(range(45)), 3, size=20)
    assert (page.rows, page.total, page.pages) == (list(range(40, 45)), 45, 3)
    assert (page.first, page.last, page.previous, page.next) == (41, 45, 2, None)
    assert listed([], 4).rows == [] and not listed([], 4) and listed([0], 1)


def test_adverse_events_needing_follow_up_come_first(clinics: dict[str, Any]) -> None:
    items = busy_day(clinics)
    alice = clinics["practitioner"]
    session = items["plan"].sessions.get()
    care.record_adverse_event(session, alice, {"severity": "mild", "description": "Tired"})
    adverse = panel(signed_in("alice").get("/today/").content.decode(), "adverse")
    # The mild event is the newer, but the moderate one waits for its follow-up.
    assert adverse.index("Bruise at the needle site") < adverse.index("Tired")


def test_a_course_long_past_its_last_planned_session_has_lapsed(
    clinics: dict[str, Any],
) -> None:
    home, alice = clinics["home"], clinics["practitioner"]
    ada = clinics["patient"]
    gone = patient(home, "Gus", "Gone")
    lapsed = a_plan(gone, alice, weeks_ago=40)
    kept = a_plan(ada, alice, weeks_ago=8)
    assert lapsed.planned_end is not None and kept.planned_end is not None
    cutoff = timezone.localdate() - today_service.LAPSED_AFTER
    assert lapsed.planned_end < cutoff <= kept.planned_end

    html = signed_in("alice").get("/today/").content.decode()
    no_next, reviews = panel(html, "no-next"), panel(html, "reviews")
    assert "Ada Fenwick" in no_next and "Ada Fenwick" in reviews
    # The lapsed course leaves both lists; the count says so, and its patient keeps the plan.
    assert "Gus Gone" not in no_next and "Gus Gone" not in reviews
    assert "1 lapsed course, more than 8 weeks past the last planned session, is left out" in (
        no_next
    )
    page = signed_in("alice").get(f"/patients/{gone.pk}/").content.decode()
    assert f"/plans/{lapsed.pk}/" in page

    # On the 8th week after its last planned session a course is still in hand.
    PlanRecord.objects.filter(pk=lapsed.pk).update(planned_end=cutoff)
    html = signed_in("alice").get("/today/").content.decode()
    assert "Gus Gone" in panel(html, "no-next") and "lapsed course" not in panel(html, "no-next")


def test_the_panels_write_values_as_djangos_templates_do(clinics: dict[str, Any]) -> None:
    # Today's panels go through Jinja2 (acuback.web.jinja): every value escaped as Django
    # escapes it, dates and numbers written as on every other page.
    items = busy_day(clinics)
    ada = clinics["patient"]
    ada.family_name = "O'Brien <Fenwick> & Co"
    ada.save()
    html = signed_in("alice").get("/today/").content.decode()
    assert "Ada O&#x27;Brien &lt;Fenwick&gt; &amp; Co" in html
    assert "<Fenwick>" not in html and "O&#39;Brien" not in html
    day = timezone.localdate()
    assert f'<small class="muted">{day:%A} {day.day} {day:%b %Y}</small>' in html
    moment = timezone.localtime(items["ada_today"].starts_at)
    assert f'<span class="when">{moment:%H:%M}–' in html
    assert f'data-appointment="{items["ada_today"].pk}"' in html
