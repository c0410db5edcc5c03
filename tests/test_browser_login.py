"""A practitioner signs in through Debian's Chromium and finds a patient."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_practitioner_signs_in_and_searches(
    live_server: Any, page: Any, clinics: dict[str, Any]
) -> None:
    page.goto(f"{live_server.url}/patients/")
    assert "/login/" in page.url
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/patients/")
    assert page.locator("#patient-rows").inner_text().count("Fenwick") == 1
    page.fill("input[type=search]", "nobody-here")
    page.wait_for_selector("text=No patients match")
    assert "Lindqvist" not in page.content()
