"""In Chromium: a practitioner creates an API token, copies it once, and revokes it."""

from __future__ import annotations

from typing import Any

import pytest

from acuback.web.apitokens import service
from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", WIDTHS)
def test_a_token_is_shown_once_and_revoked(
    live_server: Any, browser: Any, clinics: dict[str, Any], size: str
) -> None:
    width, height = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server.url, "alice")
        page.click("text=API tokens")
        page.fill("#token-name", "practice research export")
        page.get_by_role("button", name="Create a token").click()
        secret = page.locator("code.secret").inner_text()
        assert service.caller_for(secret) is not None
        no_serious_accessibility_problem(page)
        check_page(page, f"api-tokens-new-{size}")
        page.get_by_role("button", name="Revoke").click()
        page.wait_for_selector("text=no longer opens the API")
        assert service.caller_for(secret) is None
        assert "code.secret" not in page.content() and secret not in page.content()
        # The confirmation is announced without breaking the list inside it (axe).
        no_serious_accessibility_problem(page)
        check_page(page, f"api-tokens-revoked-{size}")
    finally:
        context.close()
