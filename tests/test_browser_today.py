"""The Today page in Chromium at desktop and phone width, with an item in every panel.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_helpers import check_page, sign_in
from tests.test_today_views import a_plan, busy_day, patient

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
PANELS = ("appointments", "reviews", "adverse", "approvals", "no-next", "no-email")


def shoot(page: Any, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        check_page(page, f"today-{name}-{size}")


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


def test_a_long_list_pages_at_desktop_and_phone_width(
    live_server: Any, page: Any, clinics: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from acuback.web.today import service

    monkeypatch.setattr(service, "LIST_SIZE", 1)
    busy_day(clinics)
    a_plan(patient(clinics["home"], "Pat", "Abel"), clinics["practitioner"])
    # And a course the patient stopped coming to, long past its last planned session.
    a_plan(patient(clinics["home"], "Gus", "Gone"), clinics["practitioner"], weeks_ago=40)
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/today/")
    assert "1–1 of 2" in page.inner_text("#no-next")
    assert "1 lapsed course" in page.inner_text("#no-next")
    page.locator("#no-next").get_by_role("link", name="Next →").click()
    page.wait_for_url("**/today/?no-next=2#no-next")
    assert "2–2 of 2" in page.inner_text("#no-next")
    shoot(page, "paged")
