"""Every care page at desktop and phone width: screenshots kept, no internal code on screen.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR) so a
person can look at them after a run.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.care import service
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# Codes look like 'chronic-low-back-pain' or 'physician_clearance'; words on screen don't.
CODE = re.compile(r"\b[a-z0-9]+(?:[-_][a-z0-9]+){2,}\b|\b[a-z]+_[a-z_]+\b|\.txt\b")


def shots_dir() -> Path:
    path = Path(os.environ.get("ACUBACK_SCREENSHOTS", Path(settings.VAR_DIR) / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


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
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/patients/")
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, name
            page.screenshot(path=str(out / f"{name}-{width_name}.png"), full_page=True)
            text = page.inner_text("main")
            assert not CODE.findall(text), (name, CODE.findall(text)[:5])
            overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert not overflow, f"{name} scrolls sideways at {width_name} width"
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
