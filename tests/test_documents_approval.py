"""The doctor's-approval letter: offered when screening asks for a doctor first, recorded
when printed, and its reply recorded as the decision that lets a plan go ahead or not.

Source: issue 12 (documents: the doctor's-approval request; the reply is the decision).
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care import service as care
from acuback.web.care.models import Decision, DecisionKind
from acuback.web.documents.models import ApprovalLetter
from tests.check_in_helpers import CLEAR
from tests.documents_helpers import (
    A4,
    no_codes,
    page_one_png,
    page_size,
    pdf_text,
    signed_in,
    waiting_intake,
)

pytestmark = pytest.mark.django_db

QUESTION = "Is needling safe with INR 2.4?"


def _url(intake: Any) -> str:
    return f"/documents/intakes/{intake.pk}/approval/"


def _letter(clinics: dict[str, Any], intake: Any, question: str = QUESTION) -> ApprovalLetter:
    response = signed_in(clinics["practitioner"]).post(
        f"{_url(intake)}letters/", {"question": question}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return ApprovalLetter.objects.filter(intake=intake).latest("pk")


def _reply(clinics: dict[str, Any], letter: ApprovalLetter, **data: Any) -> Any:
    return signed_in(clinics["practitioner"]).post(f"/documents/letters/{letter.pk}/reply/", data)


def test_the_page_offers_a_letter_with_a_question_built_from_the_findings(
    clinics: dict[str, Any],
) -> None:
    intake = waiting_intake(clinics["patient"], clinics["practitioner"])
    page = signed_in(clinics["practitioner"]).get(_url(intake)).content.decode()
    page = html.unescape(page)
    assert "Treatment waits for the doctor's approval" in page
    assert (
        "Is acupuncture with fine needles safe for Ada Fenwick at present, given: "
        "blood-thinning medicine?" in page
    )
    assert "No doctor is recorded." in page
    assert AuditEvent.objects.filter(
        action=Action.VIEW, what=f"doctor's approval letters for intake {intake.pk}"
    ).exists()


def test_sending_records_who_when_and_the_question(clinics: dict[str, Any]) -> None:
    intake = waiting_intake(clinics["patient"], clinics["practitioner"])
    letter = _letter(clinics, intake, f"  {QUESTION}\n ")
    assert (letter.question, letter.sent_on) == (QUESTION, timezone.localdate())
    assert letter.created_by == clinics["practitioner"] and letter.reply is None
    page = signed_in(clinics["practitioner"]).get(_url(intake)).content.decode()
    page = html.unescape(page)
    assert f"Letter {letter.reference}" in page and "No reply recorded yet." in page
    assert "Record the doctor's reply" in page
    assert AuditEvent.objects.filter(
        action=Action.CREATE, what=f"approval letter {letter.pk}"
    ).exists()


def test_no_letter_when_screening_asks_for_no_doctor(clinics: dict[str, Any]) -> None:
    patient, alice = clinics["patient"], clinics["practitioner"]
    clear = care.record_intake(
        patient.clinic, patient, alice, read_intake(CLEAR, knowledge_base()), CLEAR
    )
    client = signed_in(alice)
    assert "Record the letter as sent" not in client.get(_url(clear)).content.decode()
    response = client.post(f"{_url(clear)}letters/", {"question": QUESTION})
    assert response.status_code == 409
    assert not ApprovalLetter.objects.exists()
    assert client.post(f"{_url(clear)}letters/", {"question": " "}).status_code == 400


def test_the_letter_pdf_names_the_findings_the_question_the_methods_and_how_to_reply(
    clinics: dict[str, Any],
) -> None:
    clinic, patient = clinics["home"], clinics["patient"]
    clinic.address, clinic.phone, clinic.email = (
        "2 Mill Lane\nHexham NE46 3AB",
        "01434 600 600",
        ("desk@home-clinic.example"),
    )
    clinic.save()
    patient.gp_name, patient.gp_practice = "Dr Priya Shah", "Riverside Surgery"
    patient.save()
    intake = waiting_intake(patient, clinics["practitioner"])
    letter = _letter(clinics, intake)
    response = signed_in(clinics["practitioner"]).get(f"/documents/letters/{letter.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="doctors-approval-ada-fenwick-{letter.reference}.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    assert page_size(response.content) == A4
    text = pdf_text(response.content)
    no_codes(text)
    for words in (
        "Dr Priya Shah",
        "Riverside Surgery",
        "Ada Fenwick, born 12 Apr 1968",
        QUESTION,
        "Takes blood-thinning medicine: Needling a patient on anticoagulants",
        "Methods we would use: Acupuncture (hand-stimulated needles)",
        "Very superficial needling only",
        "Cupping (not used)",
        "by phone on 01434 600 600",
        "desk@home-clinic.example",
        f"quoting our reference {letter.reference}",
        "Page 1 of 1",
        timezone.localdate().strftime("%-d %b %Y"),
    ):
        assert words in text, words
    assert "seed" not in text
    page_one_png(response.content, "document-approval-letter")
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, what=f"approval letter {letter.pk} as PDF", patient_id=patient.pk
    ).exists()


def test_an_approving_reply_is_the_decision_that_lets_the_plan_go_ahead(
    clinics: dict[str, Any],
) -> None:
    alice = clinics["practitioner"]
    intake = waiting_intake(clinics["patient"], alice)
    with pytest.raises(care.PlanNotAllowed):
        care.draft_plan(intake, alice, timezone.localdate())
    letter = _letter(clinics, intake)
    today = timezone.localdate()
    response = _reply(clinics, letter, approved="yes", replied_on=today, note="INR stable")
    assert response.status_code == 302
    decision = Decision.objects.get(intake=intake)
    assert decision.kind == DecisionKind.CLEARANCE_RECEIVED and decision.on == today
    assert f"letter {letter.reference}" in decision.note and "INR stable" in decision.note
    letter.refresh_from_db()
    assert letter.reply == decision
    assert care.care_permission(clinics["patient"]).allowed
    assert care.draft_plan(intake, alice, today).pk
    # One reply per letter: a second is refused and changes nothing.
    again = _reply(clinics, letter, approved="no", replied_on=today)
    assert again.status_code == 400
    assert Decision.objects.filter(intake=intake).count() == 1


def test_a_reply_advising_against_stops_the_plan(clinics: dict[str, Any]) -> None:
    alice = clinics["practitioner"]
    intake = waiting_intake(clinics["patient"], alice)
    letter = _letter(clinics, intake)
    response = _reply(clinics, letter, approved="no", replied_on=timezone.localdate())
    assert response.status_code == 302
    assert Decision.objects.get(intake=intake).kind == DecisionKind.DECLINED
    assert not care.care_permission(clinics["patient"]).allowed
    with pytest.raises(care.PlanNotAllowed):
        care.draft_plan(intake, alice, timezone.localdate())


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (1, "This date is in the future."),
        (-4, "The letter was sent on"),
    ],
)
def test_the_reply_date_is_not_in_the_future_nor_before_the_letter(
    clinics: dict[str, Any], days: int, message: str
) -> None:
    intake = waiting_intake(clinics["patient"], clinics["practitioner"])
    letter = _letter(clinics, intake)
    ApprovalLetter.objects.filter(pk=letter.pk).update(
        sent_on=timezone.localdate() - timedelta(days=2)
    )
    day = timezone.localdate() + timedelta(days=days)
    response = _reply(clinics, letter, approved="yes", replied_on=day)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Decision.objects.exists()
    # Neither an answer nor a date: the form says so and nothing is recorded.
    assert _reply(clinics, letter, approved="maybe", replied_on="").status_code == 400
    assert not Decision.objects.exists()


def test_another_clinics_intake_and_letter_are_not_found(clinics: dict[str, Any]) -> None:
    theirs = waiting_intake(clinics["other_patient"], clinics["outsider"])
    letter = ApprovalLetter.objects.create(
        clinic=theirs.clinic, patient=theirs.patient, intake=theirs, question=QUESTION,
        sent_on=timezone.localdate(), created_by=clinics["outsider"],
    )  # fmt: skip
    alice = signed_in(clinics["practitioner"])
    for url in (_url(theirs), f"/documents/letters/{letter.pk}/pdf/"):
        assert alice.get(url).status_code == 404, url
        assert alice.get(url.replace(str(theirs.pk), "99999")).status_code == 404
    assert alice.post(f"{_url(theirs)}letters/", {"question": QUESTION}).status_code == 404
    response = alice.post(
        f"/documents/letters/{letter.pk}/reply/",
        {"approved": "yes", "replied_on": timezone.localdate()},
    )
    assert response.status_code == 404
    assert alice.get("/documents/letters/99999/pdf/").status_code == 404
    assert not Decision.objects.exists()
    # Reception reads no clinical notes, in its own clinic either.
    ours = waiting_intake(clinics["patient"], clinics["practitioner"])
    assert signed_in(clinics["colleague"]).get(_url(ours)).status_code == 403


def test_an_older_reply_entered_late_does_not_overturn_a_newer_refusal(
    clinics: dict[str, Any],
) -> None:
    alice = clinics["practitioner"]
    intake = waiting_intake(clinics["patient"], alice)
    first, second = _letter(clinics, intake), _letter(clinics, intake)
    today = timezone.localdate()
    ApprovalLetter.objects.filter(pk__in=[first.pk, second.pk]).update(
        sent_on=today - timedelta(days=10)
    )
    assert (
        _reply(clinics, second, approved="no", replied_on=today - timedelta(days=2)).status_code
        == 302
    )
    late = _reply(clinics, first, approved="yes", replied_on=today - timedelta(days=5))
    assert late.status_code == 400
    assert "A newer decision is recorded" in html.unescape(late.content.decode())
    assert list(Decision.objects.values_list("kind", flat=True)) == [DecisionKind.DECLINED]
    assert not care.care_permission(clinics["patient"]).allowed


def test_a_reply_to_a_letter_of_an_older_intake_is_refused(clinics: dict[str, Any]) -> None:
    alice = clinics["practitioner"]
    old = waiting_intake(clinics["patient"], alice)
    letter = _letter(clinics, old)
    waiting_intake(clinics["patient"], alice)
    response = _reply(clinics, letter, approved="yes", replied_on=timezone.localdate())
    assert response.status_code == 400
    assert "newer one" in html.unescape(response.content.decode())
    assert not Decision.objects.exists()
