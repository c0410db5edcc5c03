"""Billing pages: who may see and do what, 404 across clinics, an audit event for every view
and change, a message after every save, and no clinical notes on an invoice."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from acuback.clinical.base import spoken
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.billing import service
from acuback.web.billing.models import Invoice
from acuback.web.clinics.models import Role
from tests.appointments_helpers import a_plan
from tests.billing_helpers import days_ago, priced, visit


@pytest.fixture
def home(clinics: dict[str, Any]) -> dict[str, Any]:
    priced(clinics["home"])
    priced(clinics["other"])
    return clinics


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(action: Action, what: str) -> int:
    return AuditEvent.objects.filter(action=action, what=what).count()


@pytest.mark.parametrize("who", ["practitioner", "colleague", "admin"])
def test_every_role_reads_the_price_list(home: dict[str, Any], who: str) -> None:
    response = signed_in(home[who]).get(reverse("billing-prices"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "£60.00" in page and "£45.00" in page and "£75.50" in page
    assert "home_visit" not in page and "first_assessment" not in page
    assert events(Action.VIEW, "price list") == 1


def test_reception_issues_an_invoice_and_marks_it_paid(home: dict[str, Any]) -> None:
    patient = home["patient"]
    patient.insurer, patient.policy_number, patient.insurer_visits = "Bupa", "BX-1", 10
    patient.address = "4 Quay Street\nHexham"
    patient.save()
    done = visit(home, "Treatment", days_ago(3))
    bob = signed_in(home["colleague"])

    listed = bob.get(reverse("patient-invoices", args=[patient.pk])).content.decode()
    assert "Issue invoice" in listed and "Visits left" in listed
    assert events(Action.VIEW, f"invoices of patient {patient.pk}") == 1

    response = bob.post(reverse("invoice-issue", args=[done.pk]), follow=True)
    invoice = Invoice.objects.get()
    assert response.redirect_chain == [(reverse("invoice-detail", args=[invoice.pk]), 302)]
    page = response.content.decode()
    assert "Invoice 1 issued to Ada Fenwick: £45.00." in page
    assert 'id="document-name">Invoice<' in page
    assert spoken(days_ago(3)) in page
    assert "4 Quay Street<br>Hexham" in page
    assert "Bupa (policy BX-1) covers 10 visits; this is visit 1 of them." in page
    assert "Unpaid: £45.00 due." in page and "Mark paid" in page
    assert events(Action.CREATE, f"invoice 1 for appointment {done.pk}") == 1
    assert events(Action.VIEW, "invoice 1") == 1

    response = bob.post(
        reverse("invoice-paid", args=[invoice.pk]),
        {"paid_on": days_ago(0).isoformat(), "method": "card"},
        follow=True,
    )
    page = response.content.decode()
    assert "Invoice 1 marked paid: it is now a receipt." in page
    assert 'id="document-name">Receipt<' in page
    assert f"Paid in full on {spoken(days_ago(0))} by card." in page
    assert "Mark paid" not in page
    assert events(Action.CHANGE, "invoice 1 paid") == 1

    again = bob.post(reverse("invoice-issue", args=[done.pk]), follow=True)
    assert "This visit already has invoice 1." in again.content.decode()
    assert Invoice.objects.count() == 1


def test_a_bad_payment_is_refused_with_the_reason(home: dict[str, Any]) -> None:
    invoice = service.issue(home["home"], home["colleague"], Role.RECEPTION, visit(home))
    bob = signed_in(home["colleague"])
    url = reverse("invoice-paid", args=[invoice.pk])
    response = bob.post(url, {"paid_on": "", "method": "card"})
    assert (
        response.status_code == 400
        and "Paid on: This field is required." in response.content.decode()
    )
    response = bob.post(url, {"paid_on": days_ago(-2).isoformat(), "method": "card"})
    assert response.status_code == 400
    assert "A payment cannot be dated in the future." in response.content.decode()
    bob.post(url, {"paid_on": days_ago(0).isoformat(), "method": "cash"})
    response = bob.post(url, {"paid_on": days_ago(0).isoformat(), "method": "card"})
    assert response.status_code == 409 and "already paid" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.payment_method == "cash"


def test_an_open_visit_cannot_be_invoiced(home: dict[str, Any]) -> None:
    booked = visit(home, status="booked")
    response = signed_in(home["colleague"]).post(reverse("invoice-issue", args=[booked.pk]))
    assert response.status_code == 409
    assert "Only a visit marked done can be invoiced; this one is booked." in (
        response.content.decode()
    )
    assert not Invoice.objects.exists()


def test_practitioners_view_invoices_but_neither_issue_nor_take_payment(
    home: dict[str, Any],
) -> None:
    done = visit(home)
    alice = signed_in(home["practitioner"])
    assert alice.post(reverse("invoice-issue", args=[done.pk])).status_code == 403
    invoice = service.issue(home["home"], home["colleague"], Role.RECEPTION, done)
    page = alice.get(reverse("invoice-detail", args=[invoice.pk]))
    assert page.status_code == 200 and "Mark paid" not in page.content.decode()
    paid = alice.post(
        reverse("invoice-paid", args=[invoice.pk]),
        {"paid_on": days_ago(0).isoformat(), "method": "card"},
    )
    assert paid.status_code == 403
    invoice.refresh_from_db()
    assert not invoice.is_paid
    listed = alice.get(reverse("patient-invoices", args=[home["patient"].pk])).content.decode()
    assert "No. 1" in listed and "Issue invoice" not in listed


def test_no_clinical_notes_on_an_invoice(home: dict[str, Any]) -> None:
    plan = a_plan(home)
    done = visit(home)
    done.plan = plan
    done.save()
    invoice = service.issue(home["home"], home["colleague"], Role.RECEPTION, done)
    page = signed_in(home["admin"]).get(reverse("invoice-detail", args=[invoice.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for clinical in [plan.course.conditions[0].text, plan.course.points[0].label, "plan"]:
        assert clinical not in text.replace("planned", ""), clinical


def test_another_clinics_records_answer_404(home: dict[str, Any]) -> None:
    invoice = service.issue(home["home"], home["colleague"], Role.RECEPTION, visit(home))
    done = visit(home, hour=11)
    plan = a_plan(home)
    charlie = signed_in(home["outsider"])
    for response in (
        charlie.get(reverse("invoice-detail", args=[invoice.pk])),
        charlie.post(reverse("invoice-paid", args=[invoice.pk]),
                     {"paid_on": days_ago(0).isoformat(), "method": "card"}),
        charlie.post(reverse("invoice-issue", args=[done.pk])),
        charlie.get(reverse("patient-invoices", args=[home["patient"].pk])),
        charlie.get(reverse("plan-costs", args=[plan.pk])),
        charlie.get(reverse("invoice-detail", args=[invoice.pk + 1000])),
    ):  # fmt: skip
        assert response.status_code == 404
    invoice.refresh_from_db()
    assert not invoice.is_paid and Invoice.objects.count() == 1
    overview = charlie.get(reverse("billing-overview")).content.decode()
    assert "Fenwick" not in overview


def test_signed_out_users_are_sent_to_sign_in_and_non_staff_find_nothing(
    home: dict[str, Any],
) -> None:
    response = Client().get(reverse("billing-prices"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    stranger = User.objects.create_user(username="erin", password="not-a-member-1")
    for url in (reverse("billing-prices"), reverse("billing-overview")):
        assert signed_in(stranger).get(url).status_code == 404


def test_the_overview_lists_visits_to_invoice_and_unpaid_invoices(home: dict[str, Any]) -> None:
    first = visit(home, day=days_ago(9))
    visit(home, "Review", day=days_ago(2))
    service.issue(home["home"], home["colleague"], Role.RECEPTION, first)
    page = signed_in(home["colleague"]).get(reverse("billing-overview")).content.decode()
    assert page.count("Issue invoice") == 1 and "Review" in page
    assert "Unpaid" in page and "No. 1" in page
    assert events(Action.VIEW, "invoices overview") == 1


def test_the_course_costs_include_renders_from_the_plan_alone(home: dict[str, Any]) -> None:
    patient = home["patient"]
    patient.insurer, patient.insurer_visits = "Bupa", 3
    patient.save()
    plan = a_plan(home)
    html = render_to_string("billing/_course_costs.html", {"plan": plan})
    costs = service.course_costs(plan)
    assert f'id="course-total">£{costs.total:,.2f}<' in html
    assert "First assessment" in html and "Planned sessions" in html
    assert f"{costs.not_covered_visits} of the {costs.visits} visits fall beyond the cover" in html
    cap = plan.course.caps[0]
    assert f"{cap.planned} of {cap.limit} visits in {cap.window_days} days" in html
    assert "How this is worked out" in html
    # Reception reads it too: counts and prices only, nothing clinical.
    assert plan.course.conditions[0].text not in html
    assert plan.course.points[0].label not in html

    response = signed_in(home["colleague"]).get(reverse("plan-costs", args=[plan.pk]))
    assert response.status_code == 200 and 'id="course-costs"' in response.content.decode()
    assert events(Action.VIEW, f"costs of plan {plan.pk}") == 1
