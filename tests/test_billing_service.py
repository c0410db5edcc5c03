"""Billing rules: the price list, a course's estimate against cover and caps, invoices
numbered per clinic, the insurer's note, and payments that turn an invoice into a receipt."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from acuback.clinical.base import InputError
from acuback.web.appointments import service as book
from acuback.web.appointments.models import Kind, Status
from acuback.web.billing import presenters, service
from acuback.web.billing.models import Invoice
from acuback.web.clinics.models import Role
from tests.appointments_helpers import a_plan
from tests.billing_helpers import days_ago, priced, visit


@pytest.fixture
def home(clinics: dict[str, Any]) -> dict[str, Any]:
    priced(clinics["home"])
    priced(clinics["other"])
    return clinics


def test_money_has_two_decimals_and_the_currency() -> None:
    assert presenters.money(Decimal("1234.5"), "GBP") == "£1,234.50"
    assert presenters.money(Decimal("0"), "EUR") == "€0.00"
    assert presenters.money(Decimal("12.345"), "USD") == "$12.35"
    assert presenters.money(Decimal("12"), "chf") == "CHF 12.00"


def test_currency_comes_from_settings() -> None:
    assert service.currency() == "GBP"
    with override_settings(ACUBACK_CURRENCY="EUR"):
        assert service.currency() == "EUR"


def test_price_list_puts_the_assessment_first_and_leaves_out_retired_types(
    home: dict[str, Any],
) -> None:
    clinic = home["home"]
    book.types_for(clinic).filter(name="Home visit").update(active=False)
    listed = [(t.name, t.price) for t in service.price_list(clinic)]
    assert listed == [
        ("First assessment", Decimal("60.00")),
        ("Treatment", Decimal("45.00")),
        ("Review", Decimal("30.00")),
    ]


def test_course_estimate_adds_an_assessment_and_reviews_and_counts_cover(
    home: dict[str, Any],
) -> None:
    patient = home["patient"]
    patient.insurer, patient.policy_number, patient.insurer_visits = "Bupa", "BX-1", 6
    patient.save()
    plan = a_plan(home)
    visit(home, "Treatment", days_ago(30))
    visit(home, "Treatment", days_ago(20))
    visit(home, "Treatment", days_ago(10), Status.CANCELLED)  # not used

    costs = service.course_costs(plan)
    sessions, reviews = len(plan.course.sessions), len(plan.course.reviews)
    assert sessions >= 6 and reviews >= 1
    assert [(line.what, line.count, line.price) for line in costs.lines] == [
        ("First assessment", 1, Decimal("60.00")),
        ("Planned sessions", sessions, Decimal("45.00")),
        ("Reviews", reviews, Decimal("30.00")),
    ]
    assert costs.total == Decimal("60.00") + 45 * sessions + 30 * reviews
    assert costs.cover is not None
    assert (costs.cover.covered, costs.cover.used, costs.cover.left) == (6, 2, 4)
    # Four visits left: the assessment and the first three sessions; the rest are paid.
    assert costs.not_covered_visits == 1 + sessions + reviews - 4
    course_visits = sorted(
        [(s.date, 1, Decimal("45.00")) for s in plan.course.sessions]
        + [(r.date, 2, Decimal("30.00")) for r in plan.course.reviews]
    )
    assert costs.not_covered_amount == sum(v[2] for v in course_visits[3:])
    assert [(c.planned, c.limit, c.window_days) for c in costs.caps] == [
        (c.planned, c.limit, c.window_days) for c in plan.course.caps
    ]
    assert {c.limit for c in costs.caps} == {12, 20}
    assert not costs.problems


def test_course_estimate_without_a_second_assessment_or_a_review_type(
    home: dict[str, Any],
) -> None:
    clinic = home["home"]
    plan = a_plan(home)
    visit(home, "First assessment", days_ago(14))
    book.types_for(clinic).filter(kind=Kind.REVIEW).update(active=False)
    costs = service.course_costs(plan)
    assert [line.what for line in costs.lines] == ["Planned sessions"]
    assert costs.total == 45 * len(plan.course.sessions)
    assert not costs.assessment_added and not costs.has_review_type
    assert costs.cover is not None and not costs.cover.known
    assert costs.not_covered_visits == 0  # no cover known: nothing is split


def test_course_estimate_says_when_a_price_is_missing(clinics: dict[str, Any]) -> None:
    plan = a_plan(clinics)  # the default types, priced at 0
    costs = service.course_costs(plan)
    assert costs.total == Decimal("0.00")
    assert any("No price is set for Treatment" in p for p in costs.problems)


def test_invoice_numbers_run_per_clinic_and_a_refusal_takes_no_number(
    home: dict[str, Any],
) -> None:
    bob, clinic = home["colleague"], home["home"]
    first = service.issue(clinic, bob, Role.RECEPTION, visit(home, "First assessment"))
    booked = visit(home, "Treatment", days_ago(1), Status.BOOKED)
    with pytest.raises(service.Refused, match="marked done"):
        service.issue(clinic, bob, Role.RECEPTION, booked)
    second = service.issue(clinic, home["admin"], Role.ADMIN, visit(home, "Treatment", hour=11))
    assert (first.number, second.number) == (1, 2)
    assert [(line.description, line.amount) for line in first.lines.all()] == [
        ("First assessment", Decimal("60.00"))
    ]
    assert first.total == Decimal("60.00") and first.currency == "GBP"
    assert first.visit_on == days_ago(7) and not first.is_paid

    elsewhere = visit(
        home, clinic_key="other", patient_key="other_patient", practitioner_key="outsider"
    )
    other = service.issue(home["other"], home["outsider"], Role.ADMIN, elsewhere)
    assert other.number == 1


def test_a_visit_is_invoiced_once_and_only_by_reception_or_admin(home: dict[str, Any]) -> None:
    clinic, done = home["home"], visit(home)
    with pytest.raises(service.NotPermitted):
        service.issue(clinic, home["practitioner"], Role.PRACTITIONER, done)
    invoice = service.issue(clinic, home["colleague"], Role.RECEPTION, done)
    with pytest.raises(service.AlreadyInvoiced) as again:
        service.issue(clinic, home["admin"], Role.ADMIN, done)
    assert again.value.invoice == invoice
    with pytest.raises(service.NotFound):
        service.issue(home["other"], home["outsider"], Role.ADMIN, done)
    assert Invoice.objects.count() == 1


def test_the_insurer_note_counts_the_visit_against_the_cover(home: dict[str, Any]) -> None:
    patient = home["patient"]
    clinic, bob = home["home"], home["colleague"]
    assert service.cover_note(visit(home, day=days_ago(40))) == (
        "No insurer is on record for this patient."
    )
    patient.insurer, patient.policy_number, patient.insurer_visits = "Bupa", "BX-1", 2
    patient.save()
    second = visit(home, day=days_ago(30))
    third = visit(home, day=days_ago(20))
    assert service.issue(clinic, bob, Role.RECEPTION, second).cover_note == (
        "Bupa (policy BX-1) covers 2 visits; this is visit 2 of them."
    )
    assert service.issue(clinic, bob, Role.RECEPTION, third).cover_note == (
        "Bupa (policy BX-1) covers 2 visits; this is visit 3, beyond the cover."
    )


def test_marking_paid_makes_a_receipt_once(home: dict[str, Any]) -> None:
    bob = home["colleague"]
    invoice = service.issue(home["home"], bob, Role.RECEPTION, visit(home))
    assert presenters.document_name(invoice) == "Invoice"
    with pytest.raises(service.NotPermitted):
        service.mark_paid(invoice, home["practitioner"], Role.PRACTITIONER, days_ago(0), "card")
    with pytest.raises(InputError, match="future"):
        service.mark_paid(invoice, bob, Role.RECEPTION, days_ago(-1), "card")
    with pytest.raises(InputError, match="before the visit"):
        service.mark_paid(invoice, bob, Role.RECEPTION, days_ago(8), "card")
    with pytest.raises(InputError, match="how the patient paid"):
        service.mark_paid(invoice, bob, Role.RECEPTION, days_ago(0), "cheque")
    paid = service.mark_paid(invoice, bob, Role.RECEPTION, days_ago(1), "cash")
    assert paid.paid_on == days_ago(1) and paid.payment_method == "cash"
    assert paid.paid_recorded_by == bob
    assert presenters.document_name(paid) == "Receipt"
    assert presenters.state(paid) == "Paid in cash"
    with pytest.raises(service.Refused, match="already paid"):
        service.mark_paid(paid, bob, Role.RECEPTION, days_ago(0), "card")


def test_an_invoice_keeps_its_price_when_the_price_list_changes(home: dict[str, Any]) -> None:
    invoice = service.issue(home["home"], home["colleague"], Role.RECEPTION, visit(home))
    book.types_for(home["home"]).filter(name="Treatment").update(price=Decimal("99.00"))
    invoice.refresh_from_db()
    assert invoice.total == Decimal("45.00")
    assert invoice.lines.get().amount == Decimal("45.00")
