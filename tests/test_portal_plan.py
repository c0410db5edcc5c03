"""My plan in the patient portal: plain words, the patient's own plans only, and the PDF.

Source: issue 11 (the plan for the patient, no codes, as a PDF). The plans are made as the
clinic makes them: an intake through the care service, the doctor's approval where the
screening asks for it, then the engine's draft.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care import service
from acuback.web.care.models import DecisionKind, PlanRecord
from tests.browser_helpers import CODE
from tests.portal_helpers import portal

__all__ = ["portal", "make_plan", "LYMPHOEDEMA_LEFT_LEG"]

pytestmark = pytest.mark.django_db

START = date.today() + timedelta(days=3)
LYMPHOEDEMA_LEFT_LEG = {
    "age": 57,
    "pain_duration_weeks": 26,
    "pain_sites": ["lumbar", "leg-below-knee"],
    "conditions": ["chronic-low-back-pain"],
    "medications": ["anticoagulant"],
    "local_findings": [{"finding": "lymphoedema", "region": "lower-leg", "side": "left"}],
    "nrs": 6,
}
# Any point code of the knowledge base, as staff would write it (BL23, bl23, EX-B2, LI4).
POINT_CODE = re.compile(r"\b(?:BL|KI|GB|LR|GV|SI|LI|SP|ST|EX)-?\d+\b", re.IGNORECASE)


def make_intake(clinics: dict[str, Any], patient: Any, answers: dict[str, Any]) -> Any:
    kb = knowledge_base()
    intake = read_intake(answers, kb)
    return service.record_intake(
        patient.clinic, patient, clinics["practitioner"] if patient.clinic == clinics["home"]
        else clinics["outsider"], intake, answers,
    )  # fmt: skip


def make_plan(
    clinics: dict[str, Any],
    patient: Any,
    answers: dict[str, Any] | None = None,
    start: date = START,
    approved: bool = True,
) -> PlanRecord:
    answers = answers or LYMPHOEDEMA_LEFT_LEG
    intake = make_intake(clinics, patient, answers)
    user = intake.created_by
    if approved:
        service.record_decision(
            intake, user, DecisionKind.CLEARANCE_RECEIVED, date.today(), "GP agreed by letter"
        )
    return service.draft_plan(intake, user, start)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def main_text(html: str) -> str:
    """The words a patient reads in <main>, tags and hidden link targets left out."""
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    body = body.split(">", 1)[1]
    body = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", body)  # inline: no space
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", body)


def no_codes(text: str) -> None:
    assert not CODE.findall(text), CODE.findall(text)[:5]
    assert not POINT_CODE.findall(text), POINT_CODE.findall(text)[:5]


def test_the_plan_in_plain_words_areas_sides_schedule_restrictions_and_why(
    portal: dict[str, Any],
) -> None:
    plan = make_plan(portal, portal["patient"])
    course = plan.course
    response = signed_in(portal["ada"]).get(reverse("portal-plan"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = main_text(response.content.decode())
    no_codes(text)

    # Where: body areas and sides, from the knowledge base's regions; the left leg is
    # left out, so a leg point keeps its right side only.
    assert "Low back and sacrum: both sides" in text
    regions = {p.region for p in course.points}
    if "popliteal" in regions:
        assert "Back of the knee: right leg" in text
    assert "Hand: both" in text or "hand" not in regions
    leg_sides = {p.side for p in course.points if knowledge_base().regions[p.region].limb}
    assert leg_sides <= {"right"}, leg_sides

    # When: the rhythm, every date as "2 Jan 2026", the reviews and the limits.
    assert (
        "Twice a week for 3 weeks, then once a week for 4 more weeks: 10 sessions in all." in text
    )
    first, last = course.sessions[0].date, course.sessions[-1].date
    assert f"From {first.day} {first:%b %Y} to {last.day} {last:%b %Y}." in text
    six, eight = START + timedelta(weeks=6), START + timedelta(weeks=8)
    assert (
        f"Weeks 6 to 8, between {six.day} {six:%b %Y} and {eight.day} {eight:%b %Y}: "
        "first results review." in text
    )
    assert "Weeks 10 to 12" in text
    assert "This plan has at most 10 sessions." in text
    assert "the 12 visits in 90 days some insurers pay for" in text

    # What is different and why, in the patient's words.
    assert (
        "No needles or heat in your left leg, because of the swelling (lymphoedema) there." in text
    )
    assert "Because you take blood-thinning medicine, only very fine needles are used" in text

    # What to expect, cited by the FAQ's own questions.
    assert "How might I feel after treatment?" in text
    assert "this usually settles within a day" in text
    assert "A small bruise can appear" in text
    assert "Download my plan (PDF)" in text
    assert AuditEvent.objects.filter(
        action=Action.VIEW, what=f"portal plan {plan.pk}", patient_id=portal["patient"].pk
    ).exists()


def test_no_plan_yet_and_a_plan_held_for_the_doctors_reply(portal: dict[str, Any]) -> None:
    client = signed_in(portal["ada"])
    text = main_text(client.get(reverse("portal-plan")).content.decode())
    assert "There is no plan yet." in text

    # Blood thinners: the clinic asks the doctor first, and says so.
    make_intake(portal, portal["patient"], LYMPHOEDEMA_LEFT_LEG)
    text = main_text(client.get(reverse("portal-plan")).content.decode())
    assert "waiting for your doctor's reply before treatment starts" in text
    no_codes(text)


def test_a_plan_held_after_a_newer_intake_says_the_clinic_waits_for_the_doctor(
    portal: dict[str, Any],
) -> None:
    make_plan(portal, portal["patient"], answers={**LYMPHOEDEMA_LEFT_LEG, "medications": []})
    make_intake(portal, portal["patient"], LYMPHOEDEMA_LEFT_LEG)  # blood thinners since
    text = main_text(signed_in(portal["ada"]).get(reverse("portal-plan")).content.decode())
    assert "Where the needles go" in text
    assert "waiting for your doctor's reply before treatment starts" in text


def test_older_plans_are_listed_by_start_date_and_open_on_their_own_page(
    portal: dict[str, Any],
) -> None:
    patient = portal["patient"]
    plain = {**LYMPHOEDEMA_LEFT_LEG, "medications": [], "local_findings": []}
    older = make_plan(
        portal, patient, answers=plain, start=date.today() - timedelta(days=60), approved=False
    )
    newest = make_plan(portal, patient)
    client = signed_in(portal["ada"])
    html = client.get(reverse("portal-plan")).content.decode()
    shown = older.start
    assert f"Plan starting {shown.day} {shown:%b %Y}" in html
    assert reverse("portal-plan-one", args=[older.pk]) in html

    page = client.get(reverse("portal-plan-one", args=[older.pk]))
    text = main_text(page.content.decode())
    assert "This is an older plan" in text
    assert "Nothing in your health answers changes how you are treated." in text
    assert reverse("portal-plan-one", args=[newest.pk]) in page.content.decode()
    no_codes(text)


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_another_patients_plan_is_not_found_in_the_same_clinic_or_another(
    portal: dict[str, Any], suffix: str
) -> None:
    own = make_plan(portal, portal["patient"])
    same_clinic = make_plan(portal, portal["bea_patient"])
    other_clinic = make_plan(portal, portal["other_patient"])
    client = signed_in(portal["ada"])
    assert client.get(f"/portal/plans/{own.pk}/{suffix}").status_code == 200
    for plan in (same_clinic, other_clinic):
        assert client.get(f"/portal/plans/{plan.pk}/{suffix}").status_code == 404
    assert client.get(f"/portal/plans/{other_clinic.pk + 100}/{suffix}").status_code == 404
    # And the other patients see theirs, not Ada's.
    assert signed_in(portal["bea"]).get(f"/portal/plans/{own.pk}/{suffix}").status_code == 404
    assert signed_in(portal["ivo"]).get(f"/portal/plans/{own.pk}/{suffix}").status_code == 404
    assert (
        signed_in(portal["ivo"]).get(f"/portal/plans/{other_clinic.pk}/{suffix}").status_code == 200
    )
    # Staff have their own pages: the portal's plan is not one of them.
    staff = signed_in(portal["practitioner"])
    assert staff.get(f"/portal/plans/{own.pk}/{suffix}").status_code == 404


def test_signed_out_goes_to_the_portal_sign_in(portal: dict[str, Any]) -> None:
    plan = make_plan(portal, portal["patient"])
    for url in (reverse("portal-plan"), reverse("portal-plan-pdf", args=[plan.pk])):
        response = Client().get(url)
        assert response.status_code == 302 and "/portal/login/" in response["Location"]


def test_the_pdf_says_what_the_page_says_with_no_code(portal: dict[str, Any]) -> None:
    plan = make_plan(portal, portal["patient"])
    response = signed_in(portal["ada"]).get(reverse("portal-plan-pdf", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="my-plan-{START.isoformat()}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    assert 1 <= len(reader.pages) <= 2
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    no_codes(text)
    for sentence in (
        "Low back and sacrum: both sides",
        "Twice a week for 3 weeks, then once a week for 4 more weeks: 10 sessions in all.",
        "No needles or heat in your left leg, because of the swelling (lymphoedema) there.",
        "Because you take blood-thinning medicine",
        "How might I feel after treatment?",
        "first results review",
    ):
        assert sentence in text, sentence
    assert "Download my plan" not in text
    # No link annotation carries a code into the file either.
    assert all(page.get("/Annots") is None for page in reader.pages)
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, what=f"portal plan {plan.pk} as PDF"
    ).exists()


def _intake_with(finding_code: str) -> dict[str, Any]:
    """An intake asserting one finding, in the field its kind belongs to."""
    kb = knowledge_base()
    answers: dict[str, Any] = {"age": 40, "pain_duration_weeks": 20, "sex": "female"}
    kind = kb.findings[finding_code].kind
    if finding_code == "pregnant":
        answers.update(pregnant=True, pregnancy_weeks=20)
    elif finding_code == "driving-after-treatment":
        answers["driving_after_treatment"] = True
    elif kind in {"skin", "limb"}:
        answers["local_findings"] = [{"finding": finding_code, "region": "thigh", "side": "right"}]
    else:
        field = {"medication": "medications", "device": "devices"}.get(kind, "history")
        answers[field] = [finding_code]
    return answers


@pytest.mark.parametrize("code", sorted(knowledge_base().contraindications))
def test_every_contraindication_reads_as_a_plain_sentence_with_no_code(code: str) -> None:
    from acuback.clinical.screening import screen
    from acuback.web.portal.plan_text import restrictions

    kb = knowledge_base()
    ci = kb.contraindications[code]
    intake = read_intake(_intake_with(ci.triggered_by[0]), kb)
    lines = restrictions(intake, screen(intake, kb), kb)
    assert lines, code
    for line in lines:
        assert line[:1].isupper() and line.endswith("."), line
        no_codes(line)
    if ci.for_patients:
        assert ci.for_patients in lines
    if intake.local_findings:
        assert lines[0].startswith("No needles or heat in your right "), lines[0]
