"""Every care page at desktop and phone width: screenshots kept, no internal code on screen.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR) so a
person can look at them after a run.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.care import service
from tests.browser_helpers import WIDTHS, check_page, shots_dir, sign_in

pytestmark = pytest.mark.browser


def a_course(clinics: dict[str, Any]) -> dict[str, str]:
    """A patient with a pacemaker, on warfarin, with lymphoedema of the left leg."""
    patient, user = clinics["patient"], get_user_model().objects.get(username="alice")
    answers = {
        "age": 58,
        "sex": "female",
        "pain_duration_weeks": 30.0,
        "pain_sites": ["lumbar", "leg-below-knee"],
        "conditions": ["chronic-low-back-pain", "sciatica"],
        "medications": ["anticoagulant"],
        "devices": ["pacemaker"],
        "local_findings": [{"finding": "lymphoedema", "region": "lower-leg", "side": "left"}],
        "nrs": 7.0,
    }
    intake = service.record_intake(
        patient.clinic, patient, user, read_intake(answers, knowledge_base()), answers
    )
    start = date.today() - timedelta(days=10)
    service.record_decision(intake, user, "clearance_received", start - timedelta(days=3), "")
    plan = service.draft_plan(intake, user, start)
    session = service.open_session(plan, user, start)
    return {
        "patient": reverse("patient-detail", args=[patient.pk]),
        "intake-form": reverse("intake-new", args=[patient.pk]),
        "intake": reverse("intake-detail", args=[intake.pk]),
        "plan": reverse("plan-detail", args=[plan.pk]),
        "session": reverse("session-detail", args=[session.pk]),
    }


def test_care_pages_at_desktop_and_phone_width(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    pages = a_course(clinics)
    out = shots_dir()
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server.url, "alice")
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, name
            check_page(page, f"{name}-{width_name}")
        # Half way down the intake form the screening summary is still in view.
        page.goto(f"{live_server.url}{pages['intake-form']}")
        page.check("input[name=red_flags][value=rf-saddle-anaesthesia]")
        page.wait_for_selector('#screening [data-level="emergency"]')
        page.locator("#field-devices").scroll_into_view_if_needed()
        page.screenshot(path=str(out / f"intake-form-scrolled-{width_name}.png"))
        assert page.locator(".summary-line").is_visible()
        box = page.locator(".summary-line").bounding_box()
        assert box is not None and 0 <= box["y"] < height
        # The plan prints without navigation or forms.
        page.goto(f"{live_server.url}{pages['plan']}")
        page.emulate_media(media="print")
        page.screenshot(path=str(out / f"plan-print-{width_name}.png"), full_page=True)
        assert not page.locator("header.bar").is_visible()
        page.emulate_media(media="screen")
        context.close()
