"""Reception registers a patient in Chromium, meets the duplicate warning, finds them by phone.

Screenshots of the register form, the edit form and the patient list at desktop and phone
width go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from acuback.web.clinics.models import Patient
from tests.browser_helpers import check_page, sign_in

pytestmark = pytest.mark.browser


def fill_nora(page: Any, given: str = "Nora", family: str = "Quill") -> None:
    page.fill("#id_given_name", given)
    page.fill("#id_family_name", family)
    page.fill("#id_date_of_birth", "1984-07-09")
    page.select_option("#id_sex", "female")


def test_reception_registers_meets_the_duplicate_warning_and_finds_by_phone(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    base = live_server.url
    # A UK clinic. (Headless Chromium still draws its date boxes month first.)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "bob")

    page.click("text=Register a patient")
    page.wait_for_url(f"{base}/patients/new/")
    check_page(page, "patient-register-desktop")
    fill_nora(page)
    page.fill("#id_phone", "07700 900 481")
    page.fill("#id_email", "nora.quill@example.org")
    page.fill("#id_address", "3 Sample Yard\nLeeds LS2 9ZZ")
    page.select_option("#id_preferred_contact", "sms")
    page.fill("#id_gp_name", "Dr Priya Shah")
    page.fill("#id_insurer", "Demo Health Mutual")
    page.fill("#id_insurer_visits", "0")
    page.click("text=Register patient")
    # A mistake is shown beside its field and nothing is saved.
    page.wait_for_selector("#field-insurer_visits .error")
    assert "1 or more" in page.inner_text("#field-insurer_visits")
    assert page.input_value("#id_email") == "nora.quill@example.org"
    check_page(page, "patient-register-error-desktop")
    page.fill("#id_insurer_visits", "10")
    page.click("text=Register patient")
    page.wait_for_url("**/patients/*/")
    assert "Patient registered." in page.inner_text(".messages")
    assert "07700900481" in page.inner_text("#details")
    nora = Patient.objects.get(family_name="Quill")
    assert nora.clinic == clinics["home"] and nora.insurer_visits == 10

    # The same person again, typed differently: held until someone says it is another person.
    page.goto(f"{base}/patients/new/")
    fill_nora(page, "NORA", "quill")
    page.click("text=Register patient")
    page.wait_for_selector("#duplicates")
    warning = page.inner_text("#duplicates")
    assert "may already be registered" in warning
    assert "Quill, Nora" in warning and "9 Jul 1984" in warning and "07700900481" in warning
    assert Patient.objects.filter(family_name__iexact="quill").count() == 1
    check_page(page, "patient-register-duplicate-desktop")

    # Found by phone, however the number is typed.
    page.goto(f"{base}/patients/")
    page.fill("input[type=search]", "900 481")
    # Both are listed before the search; after it, only Nora.
    expect(page.locator("#patient-rows")).not_to_contain_text("Fenwick")
    expect(page.locator("#patient-rows")).to_contain_text("Quill, Nora")
    check_page(page, "patient-list-desktop")

    page.click("text=Quill, Nora")
    page.click("text=Edit details")
    page.wait_for_url("**/edit/")
    check_page(page, "patient-edit-desktop")
    page.fill("#id_policy_number", "DHM-55")
    page.click("text=Save details")
    page.wait_for_url(f"{base}/patients/{nora.pk}/")
    assert "Details saved." in page.inner_text(".messages")
    assert "policy DHM-55" in page.inner_text("#details")
    check_page(page, "patient-detail-desktop")
    context.close()

    # The same pages on a phone.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    sign_in(phone, base, "bob")
    check_page(phone, "patient-list-phone")
    phone.goto(f"{base}/patients/new/")
    check_page(phone, "patient-register-phone")
    fill_nora(phone)
    phone.click("text=Register patient")
    phone.wait_for_selector("#duplicates")
    check_page(phone, "patient-register-duplicate-phone")
    phone.goto(f"{base}/patients/{nora.pk}/edit/")
    check_page(phone, "patient-edit-phone")
    phone.goto(f"{base}/patients/{nora.pk}/")
    check_page(phone, "patient-detail-phone")
    context.close()
