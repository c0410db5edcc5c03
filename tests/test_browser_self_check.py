"""A stranger on a phone answers the public self-check in Chromium.

Source: issue 11 (phone first; a red flag shows "Get help now" first, a plain case "It may
suit you"; no sideways scroll). Full-page screenshots of the questions and each result at
390x844 and 1280x900 go to $ACUBACK_SCREENSHOTS (default: screenshots/ under
ACUBACK_VAR_DIR).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from acuback.clinical import self_check
from tests.browser_helpers import no_serious_accessibility_problem

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


def shots_dir() -> Path:
    path = Path(os.environ.get("ACUBACK_SCREENSHOTS", Path(settings.VAR_DIR) / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def no_sideways_scroll(page: Any) -> None:
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def answer(page: Any, **override: str) -> None:
    values = {key: "no" for key in self_check.QUESTIONS}
    values.update(age="18_49", duration="over_3_months")
    values.update(override)
    for key, value in values.items():
        # A patient taps the label, the whole box is the target.
        page.locator(f"#q-{key} label.choice", has=page.locator(f'input[value="{value}"]')).click()


@pytest.mark.parametrize("size", SIZES)
def test_a_stranger_with_a_red_flag_and_one_with_a_plain_case(
    live_server: Any, browser: Any, size: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    out = shots_dir()
    url = f"{live_server.url}/self-check/"
    try:
        page.goto(url)
        # Only the public pages' navigation, and the self-check marked as the page shown.
        assert page.locator("nav a").count() == 7
        assert page.locator('nav a[aria-current="page"]').inner_text() == "Self-check"
        no_sideways_scroll(page)
        no_serious_accessibility_problem(page)
        page.screenshot(path=str(out / f"self-check-questions-{size}.png"), full_page=True)
        page.screenshot(path=str(out / f"self-check-questions-top-{size}.png"))

        # Submitting with nothing answered marks what is missing, nothing is lost.
        page.click("text=See my result")
        page.wait_for_selector("#missing")
        no_sideways_scroll(page)
        no_serious_accessibility_problem(page)
        page.screenshot(path=str(out / f"self-check-missing-{size}.png"), full_page=True)

        # A red flag among other answers: the emergency comes first.
        answer(page, bladder="yes", pacemaker="yes", age="50_plus")
        page.click("text=See my result")
        page.wait_for_selector("#result-heading")
        assert page.inner_text("h1") == "Get help now"
        first = page.locator("main li").first.inner_text()
        assert "Call emergency services" in first
        no_sideways_scroll(page)
        no_serious_accessibility_problem(page)
        page.screenshot(path=str(out / f"self-check-get-help-now-{size}.png"), full_page=True)

        page.click("text=Start again with new answers")
        answer(page, blood_thinners="yes")
        page.click("text=See my result")
        assert page.inner_text("h1") == "Talk to your doctor first"
        assert "Blood thinners" in page.inner_text("main")
        no_sideways_scroll(page)
        no_serious_accessibility_problem(page)
        page.screenshot(path=str(out / f"self-check-doctor-first-{size}.png"), full_page=True)

        page.click("text=Start again with new answers")
        answer(page)
        page.click("text=See my result")
        assert page.inner_text("h1") == "It may suit you: discuss it with a practitioner"
        main = page.inner_text("main")
        assert "What to expect" in main and "6 to 8 weeks" in main
        assert "does not tell you what is causing your pain" in main
        no_sideways_scroll(page)
        no_serious_accessibility_problem(page)
        page.screenshot(path=str(out / f"self-check-may-suit-{size}.png"), full_page=True)
    finally:
        context.close()
