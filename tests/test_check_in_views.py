"""The patient's check-in page, the adverse events it records, and the practitioner's Today.

Source: issue 11. A patient sees only their own check-in (404 for another patient's, of the
same clinic or another); the answers are taken once and not after the check-in expires;
each reported effect is an adverse event of the session with the rule's severity; anything
beyond mild shows on the Today page of the practitioner who charted the session until
someone marks it seen.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acuback.clinical.base import spoken
from acuback.web.audit.models import AuditEvent
from acuback.web.care.models import AdverseEvent
from acuback.web.checkins import service
from acuback.web.checkins.models import CheckIn
from tests.check_in_helpers import closed_session, hours_ago
from tests.portal_helpers import portal

__all__ = ["portal"]

NONE = {"soreness": "none", "bruising": "none", "dizziness": "no", "pain": "no",
        "warning_signs": "no", "note": ""}  # fmt: skip


@pytest.fixture
def check_in(portal: dict[str, Any], django_capture_on_commit_callbacks: Any) -> CheckIn:
    """Ada's check-in after a session alice charted, closed 25 hours ago."""
    with django_capture_on_commit_callbacks(execute=True):
        session = closed_session(portal["patient"], portal["practitioner"])
    return hours_ago(CheckIn.objects.get(session=session), 25)


def url(check_in: CheckIn) -> str:
    return reverse("portal-check-in", args=[check_in.pk])


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_patient_sees_the_form_in_plain_words(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    response = as_user(portal["ada"]).get(url(check_in))
    assert response.status_code == 200
    page = response.content.decode()
    assert "How have you been since your session?" in page
    for words in ("Yes, it still hurts a lot", "A large one, or it is spreading", "Much worse",
                  "Have you felt dizzy or fainted", "Anything else"):  # fmt: skip
        assert words in page
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(patient_id=portal["patient"].pk, what__contains="check-in")


@pytest.mark.parametrize("who", ["bea", "ivo", "practitioner"])
def test_another_patients_check_in_is_404(
    portal: dict[str, Any], check_in: CheckIn, who: str
) -> None:
    """bea: same clinic; ivo: another clinic; alice: staff never use the portal page."""
    client = as_user(portal[who])
    assert client.get(url(check_in)).status_code == 404
    assert client.post(url(check_in), {**NONE, "pain": "much_worse"}).status_code == 404
    check_in.refresh_from_db()
    assert check_in.answered_at is None and not AdverseEvent.objects.exists()


def test_a_missing_id_is_404_and_signed_out_goes_to_sign_in(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    assert as_user(portal["ada"]).get(reverse("portal-check-in", args=[99999])).status_code == 404
    response = Client().get(url(check_in))
    assert response.status_code == 302 and "/portal/login/" in response["Location"]


def test_missing_answers_and_a_long_note_are_marked_beside_the_field(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    response = as_user(portal["ada"]).post(
        url(check_in), {"soreness": "mild", "bruising": "enormous", "note": "x" * 2001}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Please choose one answer.") == 4  # bruising, dizziness, pain, warning
    assert "Please keep this to 2,000 characters or fewer" in page
    assert 'value="mild" checked' in page  # nothing lost
    check_in.refresh_from_db()
    assert check_in.answered_at is None and not AdverseEvent.objects.exists()


def test_much_worse_pain_and_a_small_bruise_become_adverse_events(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    client = as_user(portal["ada"])
    answers = {**NONE, "pain": "much_worse", "bruising": "small", "note": "Hard to sit."}
    response = client.post(url(check_in), answers, follow=True)
    page = response.content.decode()
    assert "Your clinic will contact you" in page
    assert "will contact you" in page and "Source:" in page

    events = {e.severity: e for e in AdverseEvent.objects.filter(session=check_in.session)}
    assert set(events) == {"moderate", "mild"}
    moderate = events["moderate"]
    assert moderate.created_by == portal["ada"]
    assert moderate.patient == portal["patient"] and moderate.clinic == portal["home"]
    assert "Pain much worse than before the session" in moderate.description
    assert "Reported by the patient in the check-in" in moderate.description
    assert "Hard to sit." in moderate.description
    assert "A small bruise" in events["mild"].description
    check_in.refresh_from_db()
    assert check_in.answered_at is not None
    assert check_in.severity == "moderate" and check_in.alert

    # Only once: a second answer is refused kindly and records nothing more.
    again = client.post(url(check_in), {**NONE, "warning_signs": "yes"}, follow=True)
    assert "Each check-in is answered once." in again.content.decode()
    assert AdverseEvent.objects.count() == 2
    assert service.pending_check_ins(portal["patient"]) == []


def test_no_to_everything_records_no_adverse_event_but_the_answer(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    assert service.pending_check_ins(portal["patient"]) == [check_in]
    response = as_user(portal["ada"]).post(url(check_in), NONE, follow=True)
    assert "Nothing you told us needs action" in response.content.decode()
    assert not AdverseEvent.objects.exists()
    check_in.refresh_from_db()
    assert check_in.answered_at is not None and check_in.severity == "none"
    assert not check_in.alert
    assert service.pending_check_ins(portal["patient"]) == []


def test_warning_signs_say_get_urgent_care_first(portal: dict[str, Any], check_in: CheckIn) -> None:
    response = as_user(portal["ada"]).post(url(check_in), {**NONE, "warning_signs": "yes"},
                                           follow=True)  # fmt: skip
    page = response.content.decode()
    assert "Get urgent care now" in page
    assert page.index("emergency department") < page.index("Your clinic has been told")
    (event,) = AdverseEvent.objects.all()
    assert event.severity == "serious"


def test_an_expired_check_in_is_refused_kindly(portal: dict[str, Any], check_in: CheckIn) -> None:
    hours_ago(check_in, 7 * 24 + 1)
    client = as_user(portal["ada"])
    page = client.get(url(check_in)).content.decode()
    assert "This check-in is closed" in page and "please call your clinic" in page
    client.post(url(check_in), {**NONE, "pain": "much_worse"})
    check_in.refresh_from_db()
    assert check_in.answered_at is None and not AdverseEvent.objects.exists()
    assert service.pending_check_ins(portal["patient"]) == []


def test_not_yet_due_is_not_open(portal: dict[str, Any], check_in: CheckIn) -> None:
    hours_ago(check_in, 2)
    assert service.pending_check_ins(portal["patient"]) == []
    page = as_user(portal["ada"]).get(url(check_in)).content.decode()
    assert "This check-in is not open yet" in page and "opens a day after your session" in page


def test_the_practitioner_sees_it_on_today_until_marked_seen(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    as_user(portal["ada"]).post(url(check_in), {**NONE, "pain": "much_worse"})
    alice = as_user(portal["practitioner"])
    page = alice.get(reverse("today")).content.decode()
    assert 'Check-ins needing attention <span class="count">(1)' in page
    assert f'data-check-in="{check_in.pk}"' in page
    assert "Pain much worse than before the session" in page
    assert reverse("patient-detail", args=[portal["patient"].pk]) in page
    session = check_in.session
    assert f"Session {session.number} of {spoken(session.day)}, answered" in page
    attention = service.needing_attention(portal["home"], portal["practitioner"])
    assert [a.check_in for a in attention] == [check_in]
    assert service.for_today(portal["home"], portal["practitioner"], timezone.now()) == (
        attention,
        [],
    )

    # The other clinic sees nothing, and cannot mark it seen; reception may not either.
    charlie = as_user(portal["outsider"])
    assert f'data-check-in="{check_in.pk}"' not in charlie.get(reverse("today")).content.decode()
    seen = reverse("check-in-seen", args=[check_in.pk])
    assert charlie.post(seen).status_code == 404
    assert as_user(portal["colleague"]).post(seen).status_code == 403
    check_in.refresh_from_db()
    assert check_in.seen_at is None

    response = alice.post(seen, {"next": "/today/?show=mine"})
    assert response.status_code == 302 and response["Location"] == "/today/?show=mine"
    check_in.refresh_from_db()
    assert check_in.seen_by == portal["practitioner"] and check_in.seen_at is not None
    page = alice.get(reverse("today")).content.decode()
    assert f'data-check-in="{check_in.pk}"' not in page
    assert "No check-in needs attention." in page
    # The adverse event stays on the adverse-event list for its own follow-up.
    assert "Pain much worse than before the session" in page


def test_a_mild_answer_alerts_no_one(portal: dict[str, Any], check_in: CheckIn) -> None:
    as_user(portal["ada"]).post(url(check_in), {**NONE, "soreness": "mild"})
    assert service.needing_attention(portal["home"]) == []
    (event,) = AdverseEvent.objects.all()
    assert event.severity == "mild"


def test_only_the_practitioner_who_charted_it_sees_it_as_theirs(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    as_user(portal["ada"]).post(url(check_in), {**NONE, "dizziness": "yes"})
    assert len(service.needing_attention(portal["home"], portal["practitioner"])) == 1
    assert service.needing_attention(portal["home"], portal["admin"]) == []
    assert len(service.needing_attention(portal["home"])) == 1
    assert service.needing_attention(portal["other"]) == []


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_record_one_set_of_answers(portal: dict[str, Any]) -> None:
    from tests.concurrency import simultaneous

    session = closed_session(portal["patient"], portal["practitioner"])
    check_in = hours_ago(CheckIn.objects.get(session=session), 25)
    answers = {**NONE, "pain": "much_worse"}
    responses = simultaneous(4, lambda c: c.post(url(check_in), answers), user=portal["ada"])
    assert all(r.status_code in (200, 302) for r in responses)
    assert AdverseEvent.objects.filter(session=session).count() == 1
    check_in.refresh_from_db()
    assert check_in.answered_at is not None


def test_the_session_page_says_where_its_check_in_stands(
    portal: dict[str, Any], check_in: CheckIn
) -> None:
    practitioner = as_user(portal["practitioner"])
    session_url = f"/sessions/{check_in.session.pk}/"

    def status() -> str:
        page = practitioner.get(session_url)
        assert page.status_code == 200
        return str(page.context["check_in"])

    assert status().startswith("Check-in due on ")
    CheckIn.objects.filter(pk=check_in.pk).update(sent_at=timezone.now())
    assert status().endswith("not answered yet.")
    as_user(portal["ada"]).post(url(check_in), {**NONE, "pain": "much_worse"})
    assert status().startswith("Check-in answered on ") and status().endswith(": moderate.")


def test_serious_reports_come_first_then_moderate_then_notes_each_newest_first() -> None:
    base = timezone.now()
    found = [
        CheckIn(pk=n, answered_at=base + timedelta(hours=n), severity=severity)
        for n, severity in enumerate(["moderate", "serious", "mild", "moderate", "serious"])
    ]
    order = [a.check_in.pk for a in service._attention(found)]
    assert order == [4, 1, 3, 0, 2]
