"""The plan handout, the progress letter, the session record and the invoice as PDFs.

Source: issue 12 (documents from the same data as the pages, A4 and Letter, tested by their
text and by page 1 drawn to PNG). One render per test: WeasyPrint takes ~0.3 s a page.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.billing import service as billing
from acuback.web.care import service as care
from acuback.web.care.models import AdverseEvent, DecisionKind, ScoreRecord, SessionRecord
from acuback.web.clinics.models import PaperSize, Role
from tests.billing_helpers import days_ago, priced, visit
from tests.check_in_helpers import a_plan
from tests.documents_helpers import (
    A4,
    LETTER,
    dark_pixels,
    no_codes,
    page_one_png,
    page_size,
    pdf_text,
    signed_in,
    waiting_intake,
)

pytestmark = pytest.mark.django_db


def spoken_day(day: Any) -> str:
    return f"{day.day} {day:%b %Y}"


def _exported(what: str, patient: Any) -> bool:
    return AuditEvent.objects.filter(
        action=Action.EXPORT, what=what, patient_id=patient.pk
    ).exists()


def test_the_plan_handout_is_the_portals_plan_on_the_clinics_letter_paper(
    clinics: dict[str, Any],
) -> None:
    clinic, patient = clinics["home"], clinics["patient"]
    # A quote or backslash in the name reaches the page footer's CSS string intact.
    clinic.name, clinic.paper_size = 'Home "Back" Clinic \\ Hexham', PaperSize.LETTER
    clinic.save()
    plan = a_plan(patient, clinics["practitioner"])
    response = signed_in(clinics["practitioner"]).get(f"/documents/plans/{plan.pk}/handout/pdf/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="plan-ada-fenwick-{plan.start.isoformat()}.pdf"'
    )
    assert page_size(response.content) == LETTER
    text = pdf_text(response.content)
    no_codes(text)
    for words in (
        "Ada Fenwick",
        f'Your acupuncture plan at Home "Back" Clinic \\ Hexham, starting {spoken_day(plan.start)}',
        'Home "Back" Clinic \\ Hexham · Your plan · Ada Fenwick, born 12 Apr 1968',
        "Where the needles go",
        "Low back and sacrum: both sides",
        "Nothing in your health answers changes how you are treated.",
        "get medical help at once",
        "Page 1 of",
    ):
        assert words in text, words
    assert "Download my plan" not in text
    page_one_png(response.content, "document-plan-handout-letter")
    assert _exported(f"plan {plan.pk} handout as PDF", patient)


def _reviewed_plan(clinics: dict[str, Any]) -> Any:
    """A course a week in: pain 6 at the start, 3 then 2; two sessions closed."""
    patient, alice = clinics["patient"], clinics["practitioner"]
    plan = a_plan(patient, alice)
    today = timezone.localdate()
    ScoreRecord.objects.filter(patient=patient).update(day=plan.start)
    for day, value in ((today - timedelta(days=3), 3), (today, 2)):
        care.record_score(patient.clinic, patient, alice, "nrs", Decimal(value), day)
    for number, day in ((1, plan.start), (2, today - timedelta(days=3))):
        SessionRecord.objects.create(
            clinic=patient.clinic, patient=patient, created_by=alice, plan=plan, number=number,
            day=day, points=[{"code": "bl23", "side": "both"}], closed=timezone.now(),
        )  # fmt: skip
    return plan


def test_the_progress_letter_draws_the_chart_and_gives_the_review_decision(
    clinics: dict[str, Any],
) -> None:
    import pypdfium2 as pdfium

    patient = clinics["patient"]
    patient.gp_name = "Dr Priya Shah"
    patient.save()
    plan = _reviewed_plan(clinics)
    response = signed_in(clinics["practitioner"]).get(f"/documents/plans/{plan.pk}/progress/pdf/")
    assert response.status_code == 200
    assert page_size(response.content) == A4
    text = pdf_text(response.content)
    no_codes(text)
    for words in (
        "Dear Dr Priya Shah",
        "Ada Fenwick, born 12 Apr 1968",
        f"started a course of acupuncture with us on {spoken_day(plan.start)}",
        f"2 of the {len(plan.course.sessions)} planned sessions have taken place",
        "Our review: Continue the course",
        "Scores at the start and now",
        "4 points better (66.7%)",
        "Important improvement",
        "Scores over time",
    ):
        assert words in text, words
    image = page_one_png(response.content, "document-progress-letter")
    # The chart is drawn: between its heading and its caption the page is far from blank.
    page = pdfium.PdfDocument(response.content)[0]
    words = page.get_textpage()
    scale = image.height / page.get_height()

    def top_of(phrase: str) -> float:
        found = words.search(phrase).get_next()
        assert found is not None, phrase
        return float(words.get_charbox(found[0])[3])

    top = round((page.get_height() - top_of("Scores over time")) * scale) + 20
    bottom = round((page.get_height() - top_of("Each dot is a score")) * scale) - 5
    assert bottom - top > 150, "the chart has room on the page"
    assert dark_pixels(image, (0, top, image.width, bottom)) > 2000
    assert _exported(f"plan {plan.pk} progress letter as PDF", patient)


def test_the_session_record_has_every_stricta_item_in_words(clinics: dict[str, Any]) -> None:
    patient, alice = clinics["patient"], clinics["practitioner"]
    intake = waiting_intake(patient, alice)
    care.record_decision(intake, alice, DecisionKind.CLEARANCE_RECEIVED, days_ago(8), "")
    plan = care.draft_plan(intake, alice, days_ago(7))
    screening = care.care_permission(patient).screening
    assert screening is not None
    session = SessionRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=alice, plan=plan, number=1,
        day=days_ago(2),
        points=[{"code": "bl23", "side": "both"}, {"code": "gb30", "side": "left"}],
        needles_inserted=3, needles_removed=3, needle_type="Seirin J, stainless steel",
        needle_diameter_mm=Decimal("0.20"), needle_length_mm=30, depth_mm="5-10",
        response_sought="de_qi", stimulation="electrical", electrical_settings="2 Hz, 1 pair",
        retention_minutes=20, moxibustion=True, advice="Walk daily.",
        nrs_before=Decimal("6"), nrs_after=Decimal("4"), next_appointment=days_ago(-3),
        restrictions_applied=[r.key for r in screening.restricted_methods],
        closed=timezone.now(),
    )  # fmt: skip
    AdverseEvent.objects.create(
        clinic=patient.clinic, patient=patient, created_by=alice, session=session,
        severity="mild", description="Small bruise at one needle site.", follow_up="Settled.",
    )  # fmt: skip
    response = signed_in(alice).get(f"/documents/sessions/{session.pk}/pdf/")
    assert response.status_code == 200
    text = pdf_text(response.content)
    no_codes(text)
    for words in (
        f"Session 1 of {len(plan.course.sessions)}, {spoken_day(days_ago(2))}",
        "Practitioner alice",
        "BL23 Shenshu (L2 level) both sides",
        "left only",
        "Needles inserted 3",
        "Needles removed 3",
        "0.20 mm × 30 mm long",
        "Depth 5-10 mm",
        "Response sought De qi",
        "Stimulation Electrical (2 Hz, 1 pair)",
        "Needles left in 20 minutes",
        "Pain before (0-10) 6 Pain after (0-10) 4",
        "Moxibustion.",
        "Very superficial needling only",
        "Mild Small bruise at one needle site. Follow-up: Settled.",
        f"Next appointment: {spoken_day(days_ago(-3))}",
    ):
        assert words in text, words
    page_one_png(response.content, "document-session-record")
    assert _exported(f"session {session.pk} record as PDF", patient)


def _invoice(clinics: dict[str, Any]) -> Any:
    priced(clinics["home"])
    patient = clinics["patient"]
    patient.insurer, patient.policy_number, patient.insurer_visits = "Bupa", "BX-40213", 10
    patient.address = "4 Quay Street\nHexham NE46 1AA"
    patient.save()
    return billing.issue(clinics["home"], clinics["colleague"], Role.RECEPTION, visit(clinics))


def test_an_unpaid_invoice_prints_with_the_insurer_and_the_amount_due(
    clinics: dict[str, Any],
) -> None:
    invoice = _invoice(clinics)
    # Reception prints invoices: they are not clinical notes.
    response = signed_in(clinics["colleague"]).get(f"/documents/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="invoice-1.pdf"'
    text = pdf_text(response.content)
    no_codes(text)
    for words in (
        "Invoice No. 1",
        "4 Quay Street",
        f"Date of visit {spoken_day(days_ago(7))}",
        "Insurer Bupa, policy BX-40213",
        "£45.00",
        "Amount due: £45.00",
    ):
        assert words in text, words
    assert "Paid" not in text
    page_one_png(response.content, "document-invoice")
    assert _exported("invoice 1 as PDF", clinics["patient"])


def test_a_paid_invoice_prints_as_a_receipt(clinics: dict[str, Any]) -> None:
    invoice = _invoice(clinics)
    billing.mark_paid(invoice, clinics["colleague"], Role.RECEPTION, days_ago(1), "card")
    response = signed_in(clinics["colleague"]).get(f"/documents/invoices/{invoice.pk}/pdf/")
    text = pdf_text(response.content)
    no_codes(text)
    assert "Receipt No. 1" in text
    assert f"Paid in full on {spoken_day(days_ago(1))} by card. Thank you." in text
    assert response["Content-Disposition"] == 'attachment; filename="receipt-1.pdf"'
    page_one_png(response.content, "document-receipt")


def test_another_clinics_records_are_not_found_on_any_document(clinics: dict[str, Any]) -> None:
    priced(clinics["other"])
    theirs = a_plan(clinics["other_patient"], clinics["outsider"])
    session = SessionRecord.objects.create(
        clinic=theirs.clinic, patient=theirs.patient, created_by=clinics["outsider"],
        plan=theirs, number=1, day=theirs.start,
    )  # fmt: skip
    invoice = billing.issue(
        clinics["other"], clinics["outsider"], Role.ADMIN,
        visit(clinics, clinic_key="other", patient_key="other_patient",
              practitioner_key="outsider"),
    )  # fmt: skip
    urls = [
        f"/documents/plans/{theirs.pk}/handout/pdf/",
        f"/documents/plans/{theirs.pk}/progress/pdf/",
        f"/documents/sessions/{session.pk}/pdf/",
        f"/documents/invoices/{invoice.pk}/pdf/",
    ]
    for user in ("practitioner", "admin"):
        client = signed_in(clinics[user])
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            missing = url.replace(f"/{url.split('/')[3]}/", "/99999/")
            assert client.get(missing).status_code == 404, (user, missing)
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    # Reception prints invoices but reads no clinical notes in its own clinic either.
    ours = a_plan(clinics["patient"], clinics["practitioner"])
    reception = signed_in(clinics["colleague"])
    assert reception.get(f"/documents/plans/{ours.pk}/progress/pdf/").status_code == 403
    # Signed out: to the sign-in page, nothing printed.
    from django.test import Client

    response = Client().get(f"/documents/plans/{ours.pk}/handout/pdf/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_name_beyond_latin_1_keeps_the_download_an_attachment(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    patient.given_name, patient.family_name = "Łukasz", 'Żółć "Jr"'
    patient.save()
    plan = a_plan(patient, clinics["practitioner"])
    response = signed_in(clinics["practitioner"]).get(f"/documents/plans/{plan.pk}/handout/pdf/")
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename"), header
    assert header.isascii() and '"Jr"' not in header
