"""Reception's till in Chromium: bob issues the invoice for a done visit and marks it paid;
the price list, the invoice (on screen and as printed) and a course's costs at two widths.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from acuback.web.billing.models import Invoice
from tests.appointments_helpers import a_plan
from tests.billing_helpers import days_ago, priced, visit
from tests.browser_helpers import WIDTHS, check_page, shots_dir, sign_in

pytestmark = pytest.mark.browser


def test_reception_issues_an_invoice_marks_it_paid_and_every_page_fits(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    base = live_server.url
    priced(clinics["home"])
    patient = clinics["patient"]
    patient.insurer, patient.policy_number, patient.insurer_visits = "Bupa", "BX-40213", 10
    patient.address = "4 Quay Street\nHexham NE46 1AA"
    patient.save()
    plan = a_plan(clinics, start=days_ago(14))
    visit(clinics, "First assessment", days_ago(14))
    treatment = visit(clinics, "Treatment", days_ago(10))
    treatment.plan, treatment.planned_number = plan, 1
    treatment.save()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "bob")

    page.goto(f"{base}{reverse('billing-prices')}")
    assert "£45.00" in page.inner_text("#price-list")
    check_page(page, "billing-prices-desktop")

    page.goto(f"{base}{reverse('billing-overview')}")
    assert page.locator("#to-invoice tbody tr").count() == 2
    page.click("#to-invoice >> text=Ada Fenwick >> nth=0")
    page.wait_for_url(f"**{reverse('patient-invoices', args=[patient.pk])}")
    check_page(page, "billing-patient-desktop")
    page.click(f'#to-invoice tr[data-appointment="{treatment.pk}"] >> text=Issue invoice')
    page.wait_for_url("**/billing/invoices/*/")
    assert "Invoice 1 issued to Ada Fenwick: £45.00." in page.inner_text(".messages")
    assert page.inner_text("#document-name") == "Invoice"
    assert page.inner_text("#total") == "£45.00"
    assert "this is visit 2 of them" in page.inner_text("#cover-note")
    check_page(page, "billing-invoice-unpaid-desktop")

    page.select_option("#id_method", "card")
    page.click("text=Mark paid")
    page.wait_for_selector("text=it is now a receipt")
    assert page.inner_text("#document-name") == "Receipt"
    assert "Paid in full on" in page.inner_text("#payment-state")
    invoice = Invoice.objects.get()
    assert invoice.payment_method == "card" and invoice.paid_on == days_ago(0)
    check_page(page, "billing-receipt-desktop")
    page.emulate_media(media="print")
    assert not page.locator("header.bar").is_visible()
    assert not page.locator("#payment, .messages, .no-print").first.is_visible()
    check_page(page, "billing-receipt-print-desktop")
    # Printed on A4 the receipt is one page: no navigation, no form, nothing cut off.
    pdf = page.pdf(format="A4", print_background=True)
    (shots_dir() / "billing-receipt-a4.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    page.emulate_media(media="screen")
    context.close()

    pages = {
        "prices": reverse("billing-prices"),
        "overview": reverse("billing-overview"),
        "patient": reverse("patient-invoices", args=[patient.pk]),
        "invoice": reverse("invoice-detail", args=[invoice.pk]),
        "course-costs": reverse("plan-costs", args=[plan.pk]),
    }
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, base, "bob")
        for name, url in pages.items():
            page.goto(f"{base}{url}")
            check_page(page, f"billing-{name}-{width_name}")
        page.goto(f"{base}{pages['course-costs']}")
        costs = page.inner_text("#course-costs")
        assert "Planned sessions" in costs and "visits in 90 days" in costs
        page.goto(f"{base}{pages['invoice']}")
        page.emulate_media(media="print")
        check_page(page, f"billing-invoice-print-{width_name}")
        context.close()
