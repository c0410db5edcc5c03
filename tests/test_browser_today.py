"""The Today page in Chromium at desktop and phone width, with an item in every panel.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import PASSWORD
from tests.test_today_views import busy_day

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
PANELS = ("appointments", "reviews", "adverse", "approvals", "no-next", "no-email")


def shots_dir() -> Path:
    path = Path(os.environ.get("ACUBACK_SCREENSHOTS", Path(settings.VAR_DIR) / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/patients/")


def shoot(page: Any, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        page.screenshot(path=str(shots_dir() / f"today-{name}-{size}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"sideways scroll at {size} width"


def test_today_for_alice_at_desktop_and_phone_width(
    live_server: Any, page: Any, clinics: dict[str, Any]
) -> None:
    busy_day(clinics)
    base = live_server.url
    sign_in(page, base, "alice")
    page.click("nav >> text=Today")
    page.wait_for_url(f"{base}/today/")

    for name in PANELS:
        assert page.locator(f"#{name} .items li").count() >= 1, name
    assert "Ada Fenwick" in page.inner_text("#reviews")
    assert "Cara Doyle" in page.inner_text("#approvals")
    assert "Eli Brandt" in page.inner_text("#no-email")

    shoot(page, "alice")

    # The switch shows the whole clinic: dora's patient appears.
    page.click("text=Whole clinic")
    page.wait_for_url("**/today/?show=clinic")
    assert "Ben Okafor" in page.inner_text("#appointments")
    page.click("#appointments >> text=Ben Okafor")
    page.wait_for_url("**/patients/*/")


def test_today_for_reception_has_the_day_and_no_clinical_list(
    live_server: Any, page: Any, clinics: dict[str, Any]
) -> None:
    busy_day(clinics)
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/today/")
    assert "Ben Okafor" in page.inner_text("#appointments")
    assert "Eli Brandt" in page.inner_text("#no-email")
    for name in ("reviews", "adverse", "approvals", "no-next"):
        assert page.locator(f"#{name}").count() == 0
    shoot(page, "reception")
