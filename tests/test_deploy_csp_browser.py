"""The Content-Security-Policy holds on the main pages (issue 13).

Chromium reports every blocked script, style, image or connection both on the console and
as a `securitypolicyviolation` event; any one of them fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.browser_helpers import sign_in
from tests.portal_helpers import portal, sign_in_patient
from tests.test_browser_pages import a_course

__all__ = ["portal"]

pytestmark = pytest.mark.browser

# Runs before any page script and outside the page's policy (Playwright injects it).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""


def watched(context: Any) -> tuple[Any, list[str]]:
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if "Content Security Policy" in m.text or "CSP violation" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    return page, problems


def test_no_page_breaks_the_content_security_policy(
    live_server: Any, browser: Any, portal: dict[str, Any]
) -> None:
    course = a_course(portal)
    base = live_server.url
    context = browser.new_context()
    page, problems = watched(context)
    page.goto(f"{base}/login/")
    header = context.request.get(f"{base}/login/").headers
    assert "script-src 'self'" in header["content-security-policy"]
    assert "frame-ancestors 'none'" in header["content-security-policy"]
    sign_in(page, base, "alice")
    staff_pages = [
        course["patient"],
        course["plan"],
        course["session"],
        course["intake-form"],
        reverse("patient-list"),
        reverse("appointment-day"),
        reverse("appointment-new"),
        reverse("today"),
    ]
    for path in staff_pages:
        answer = page.goto(f"{base}{path}")
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}{course['plan']}")
    assert page.locator("svg").count() >= 1, "the plan shows its body map"
    # The booking form's home-visit fields are shown and hidden by our own script file.
    page.goto(f"{base}{reverse('appointment-new')}")
    page.wait_for_load_state("networkidle")
    assert page.locator("#home-visit").is_hidden()
    # The patient search answers through htmx under the same policy.
    page.goto(f"{base}{reverse('patient-list')}")
    page.fill("input[name=q]", "Ada")
    page.wait_for_load_state("networkidle")
    # The API docs run Swagger from ninja's own files.
    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    context.close()

    context = browser.new_context()
    page, more = watched(context)
    for path in ("/questions/", "/evidence/", "/self-check/"):
        answer = page.goto(f"{base}{path}")
        assert answer is not None and answer.status == 200, path
    sign_in_patient(page, base, portal["ada"])
    for path in ("/portal/", "/portal/plan/", "/portal/appointments/"):
        answer = page.goto(f"{base}{path}")
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")
    context.close()
    assert problems + more == []
