"""A stranger on a phone and at a desk reads the public pages in Chromium (issue 11).

Each page: no sideways scroll, no code on screen (check_page), axe-core finds nothing
serious or critical, the shared navigation marks where they are. End to end: a question
that describes a red flag shows the urgent advice first. Full-page screenshots at 390x844
and 1280x900 go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem

pytestmark = pytest.mark.browser

PAGES = {
    "questions": ("/questions/", "Questions about acupuncture for back pain", "Questions"),
    "question": ("/questions/pregnancy/", "Can I have acupuncture", "Questions"),
    "evidence": ("/evidence/", "What the evidence says", "Evidence"),
    "practitioners": ("/practitioners/", "Finding a licensed practitioner", "Practitioners"),
    "home-visits": ("/home-visits/", "Home visits", "Home visits"),
    "costs": ("/costs/", "Costs and insurance", "Costs"),
}
RED_FLAG = "I have numbness around my bottom and can't control my bladder, is acupuncture ok?"


def open_page(browser: Any, size: str) -> tuple[Any, Any]:
    width, height = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.mark.parametrize("size", WIDTHS)
def test_each_public_page(live_server: Any, browser: Any, size: str) -> None:
    context, page = open_page(browser, size)
    try:
        for name, (path, heading, current) in PAGES.items():
            page.goto(f"{live_server.url}{path}")
            assert page.inner_text("h1").startswith(heading), name
            assert page.locator('nav a[aria-current="page"]').inner_text() == current
            assert "Sources on this page" in page.inner_text("main") or name == "questions"
            check_page(page, f"public-{name}-{size}")
            no_serious_accessibility_problem(page)
        # From the list to one answer and on to a related one.
        page.goto(f"{live_server.url}/questions/")
        page.click("text=Does acupuncture hurt?")
        assert page.inner_text("h1") == "Does acupuncture hurt?"
        page.locator("section", has_text="Related questions").locator("a").first.click()
        assert page.url.startswith(f"{live_server.url}/questions/")
        assert page.inner_text("h1") != "Does acupuncture hurt?"
    finally:
        context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_evidence_shows_three_guidelines_side_by_side(
    live_server: Any, browser: Any, size: str
) -> None:
    context, page = open_page(browser, size)
    try:
        page.goto(f"{live_server.url}/evidence/")
        cards = page.locator("article.guideline")
        assert cards.count() == 3
        tops = [cards.nth(i).bounding_box()["y"] for i in range(3)]
        if size == "desktop":
            assert len(set(tops)) == 1  # one row
        else:
            assert tops == sorted(tops) and len(set(tops)) == 3  # stacked on a phone
        assert "Do not offer" in cards.nth(0).inner_text()
        assert "Past its review date" in cards.nth(2).inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_asking_a_question_and_a_red_flag_question(
    live_server: Any, browser: Any, size: str
) -> None:
    context, page = open_page(browser, size)
    try:
        page.goto(f"{live_server.url}/ask/")
        assert page.inner_text("h1") == "Ask a question"
        assert "For example" in page.inner_text("main")
        check_page(page, f"public-ask-{size}")
        no_serious_accessibility_problem(page)

        # A tap on an example asks it.
        page.click("text=How many sessions will I need?")
        page.wait_for_selector("#answers-heading")
        first = page.locator("article.answer h3").first.inner_text()
        assert first == "How many sessions will I need?"
        check_page(page, f"public-ask-answers-{size}")
        no_serious_accessibility_problem(page)

        # The red flag: urgent advice first, above the answers, in the page's order.
        page.fill("#q", RED_FLAG)
        page.click("button:has-text('Ask')")
        page.wait_for_selector("#urgent-heading")
        assert page.locator("main h2").first.inner_text() == "Get help now"
        main = page.inner_text("main")
        assert main.index("Get help now") < main.index("call emergency services")
        assert main.index("call emergency services") < main.index("best answer")
        urgent = page.locator("#urgent-heading").bounding_box()
        answers = page.locator("#answers-heading").bounding_box()
        assert urgent["y"] < answers["y"]
        check_page(page, f"public-ask-red-flag-{size}")
        no_serious_accessibility_problem(page)

        # Something we cannot answer.
        page.fill("#q", "how do I bake bread")
        page.press("#q", "Enter")
        page.wait_for_selector("text=We have no answer to that question")
        assert "ask your practitioner" in page.inner_text("main")
        check_page(page, f"public-ask-no-answer-{size}")
        no_serious_accessibility_problem(page)
    finally:
        context.close()
