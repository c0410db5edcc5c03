"""My plan in Chromium at desktop and phone width: plain words, axe-core, the PDF download.

Screenshots (portal-plan-*.png) go to $ACUBACK_SCREENSHOTS (default: screenshots/ under
ACUBACK_VAR_DIR), so a person can look at them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem
from tests.portal_helpers import portal, sign_in_patient
from tests.test_portal_plan import LYMPHOEDEMA_LEFT_LEG, make_intake, make_plan

__all__ = ["portal"]

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", WIDTHS)
def test_a_patient_reads_their_plan_and_downloads_it(
    live_server: Any, browser: Any, portal: dict[str, Any], size: str
) -> None:
    patient = portal["patient"]
    plain = {**LYMPHOEDEMA_LEFT_LEG, "medications": [], "local_findings": []}
    older = make_plan(
        portal, patient, answers=plain, start=date.today() - timedelta(days=80), approved=False
    )
    plan = make_plan(portal, patient)
    # Bea's blood thinners wait for her doctor's reply: no plan yet.
    make_intake(portal, portal["bea_patient"], LYMPHOEDEMA_LEFT_LEG)

    base = live_server.url
    width, height = WIDTHS[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in_patient(page, base, portal["ada"])
        page.click(".portal-nav >> text=My plan")
        page.wait_for_url(f"{base}/portal/plan/")
        assert page.locator("h1").inner_text() == "My plan"
        assert page.locator(".portal-nav a[aria-current=page]").inner_text() == "My plan"
        text = page.inner_text("main")
        assert "No needles or heat in your left leg" in text
        assert "Low back and sacrum: both sides" in text
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-plan-{size}")

        with page.expect_download() as download:
            page.click("text=Download my plan (PDF)")
        assert download.value.suggested_filename == f"my-plan-{plan.start.isoformat()}.pdf"

        page.click(f"text=Plan starting {older.start.day} {older.start:%b %Y}")
        page.wait_for_url(f"{base}/portal/plans/{older.pk}/")
        assert "This is an older plan" in page.inner_text("main")
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-plan-older-{size}")

        # Another patient's plan is not there for Ada.
        other = make_plan(portal, portal["other_patient"])
        response = page.goto(f"{base}/portal/plans/{other.pk}/")
        assert response is not None and response.status == 404
        page.context.clear_cookies()

        sign_in_patient(page, base, portal["bea"])
        page.goto(f"{base}/portal/plan/")
        assert "waiting for your doctor's reply" in page.inner_text("main")
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-plan-waiting-{size}")
    finally:
        context.close()
