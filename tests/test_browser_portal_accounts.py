"""End to end in Chromium: reception invites a patient, who opens the emailed link on a
phone, chooses a password and reaches their portal; the portal's pages pass axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lilac-harbour-teapot-42"


@pytest.mark.parametrize("size", WIDTHS)
def test_an_invitation_from_reception_to_the_patients_portal(
    live_server: Any, browser: Any, clinics: dict[str, Any], settings: Any, size: str
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    patient = clinics["patient"]
    patient.email = "ada@example.org"
    patient.save()
    base = live_server.url

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    sign_in(desk, base, "bob")
    desk.goto(f"{base}/patients/{patient.pk}/edit/")
    desk.click("text=Invite to the patient portal")
    desk.wait_for_selector("text=Invitation sent to ada@example.org")
    assert desk.locator(".portal-access").inner_text().count("the link works until") == 1
    staff.close()

    link = re.search(r"https?://\S+/portal/welcome/\S+/", mail.outbox[-1].body)
    assert link
    width, height = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(link.group(0))
        assert page.locator("h1").inner_text() == "Welcome, Ada"
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-welcome-{size}")
        page.fill("#id_password1", "short")
        page.fill("#id_password2", "short")
        page.click("text=Create my account")
        page.wait_for_selector(".error")
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-welcome-error-{size}")
        page.fill("#id_password1", NEW_PASSWORD)
        page.fill("#id_password2", NEW_PASSWORD)
        page.click("text=Create my account")
        page.wait_for_url(f"{base}/portal/")
        assert page.locator("h1").inner_text() == "Hello, Ada"
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-home-{size}")

        page.click("text=Sign out")
        page.wait_for_url(re.compile(r".*/portal/login/$"))
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-login-{size}")
        page.fill("#id_username", "ada@example.org")
        page.fill("#id_password", NEW_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/portal/")

        page.goto(link.group(0))  # used once already
        assert "already been used" in page.inner_text("main")
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-link-used-{size}")
    finally:
        context.close()
