"""The outcomes report in Chromium at desktop and phone width: readable, no codes, axe-clean.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem, sign_in
from tests.test_reports import cohort  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_outcomes_report_at_desktop_and_phone_width(
    live_server: Any,
    page: Any,
    cohort: dict[str, Any],  # noqa: F811
) -> None:
    base = live_server.url
    sign_in(page, base, "dora")
    page.click("nav >> text=Outcomes")
    page.fill("#id_start", "2026-01-01")
    page.fill("#id_end", "2026-03-31")
    page.click("button:has-text('Show')")
    page.wait_for_url("**/reports/outcomes/?start=2026-01-01&end=2026-03-31")
    text = page.inner_text("main")
    assert "3 courses started and 2 finished" in text
    assert "Erin Hale" in text and "58.8" in text
    assert page.locator("figure.report-chart svg").count() == 4
    for size, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        check_page(page, f"outcomes-report-{size}")
        no_serious_accessibility_problem(page)
    page.emulate_media(media="print")
    check_page(page, "outcomes-report-print")
