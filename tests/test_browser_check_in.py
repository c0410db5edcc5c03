"""A check-in answered on a phone reaches the practitioner's Today page, in Chromium.

Ada answers that her pain is much worse a day after a session alice charted; alice signs
in and finds it under "Check-ins needing attention", then marks it seen. The portal pages
pass axe-core with no serious or critical violation. Screenshots at desktop and phone
width go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from typing import Any

import pytest

from acuback.web.checkins.models import CheckIn
from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem, sign_in
from tests.check_in_helpers import closed_session, hours_ago
from tests.portal_helpers import portal, sign_in_patient

__all__ = ["portal"]

pytestmark = pytest.mark.browser


def shoot(page: Any, name: str) -> None:
    for size, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        check_page(page, f"{name}-{size}")


def choose(page: Any, question: str, value: str) -> None:
    # A patient taps the label: the whole box is the target.
    page.locator(f"#q-{question} label.choice", has=page.locator(f'input[value="{value}"]')).click()


def test_much_worse_pain_reaches_the_practitioners_today(
    live_server: Any, browser: Any, portal: dict[str, Any]
) -> None:
    session = closed_session(portal["patient"], portal["practitioner"])
    check_in = hours_ago(CheckIn.objects.get(session=session), 25)
    base = live_server.url

    patient = browser.new_context(viewport={"width": 390, "height": 844})
    page = patient.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in_patient(page, base, portal["ada"])
        page.goto(f"{base}/portal/check-ins/{check_in.pk}/")
        assert page.inner_text("h1") == "How have you been since your session?"
        no_serious_accessibility_problem(page)
        shoot(page, "check-in-form")

        # Sent half-answered: the missing answers are marked, the given one kept.
        choose(page, "soreness", "mild")
        page.click("text=Send my answers")
        page.wait_for_selector("#problems")
        assert page.locator(".error").count() == 4
        assert page.locator('#q-soreness input[value="mild"]').is_checked()
        no_serious_accessibility_problem(page)
        shoot(page, "check-in-missing")

        choose(page, "bruising", "none")
        choose(page, "dizziness", "no")
        choose(page, "pain", "much_worse")
        choose(page, "warning_signs", "no")
        page.fill("#id_note", "It is hard to sit at work.")
        page.click("text=Send my answers")
        page.wait_for_selector("#what-to-do")
        assert page.inner_text("#what-to-do") == "Your clinic will contact you"
        main = page.inner_text("main")
        assert "has been told" in main and "Source:" in main
        no_serious_accessibility_problem(page)
        shoot(page, "check-in-answered")
    finally:
        patient.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, base, "alice")
        page.goto(f"{base}/today/")
        panel = page.inner_text("#check-ins")
        assert str(portal["patient"]) in panel
        assert "Pain much worse than before the session" in panel
        assert "It is hard to sit at work." in panel
        shoot(page, "check-in-today")

        page.click("#check-ins >> text=Mark as seen")
        page.wait_for_selector("text=marked as seen")
        assert "No check-in needs attention." in page.inner_text("#check-ins")
    finally:
        staff.close()


def test_warning_signs_and_a_closed_check_in_read_plainly(
    live_server: Any, browser: Any, portal: dict[str, Any]
) -> None:
    first = closed_session(portal["patient"], portal["practitioner"])
    second = closed_session(portal["patient"], portal["practitioner"])
    urgent = hours_ago(CheckIn.objects.get(session=first), 30)
    expired = hours_ago(CheckIn.objects.get(session=second), 8 * 24)
    base = live_server.url

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in_patient(page, base, portal["ada"])
        page.goto(f"{base}/portal/check-ins/{urgent.pk}/")
        for question, value in (("soreness", "none"), ("bruising", "none"),
                                ("dizziness", "yes"), ("pain", "a_little"),
                                ("warning_signs", "yes")):  # fmt: skip
            choose(page, question, value)
        page.click("text=Send my answers")
        page.wait_for_selector("#what-to-do")
        assert page.inner_text("#what-to-do") == "Get urgent care now"
        first_advice = page.locator(".statements li").first.inner_text()
        assert "emergency department" in first_advice
        no_serious_accessibility_problem(page)
        shoot(page, "check-in-urgent")

        page.goto(f"{base}/portal/check-ins/{expired.pk}/")
        assert page.inner_text("h1") == "This check-in is closed"
        no_serious_accessibility_problem(page)
        shoot(page, "check-in-closed")
    finally:
        context.close()
