"""The pain diary and messages in Chromium at desktop and phone width.

A patient notes their pain, sees it on the chart beside the clinic's scores, writes to the
clinic; the practitioner finds the diary on their own chart. axe-core finds nothing serious
or critical. Screenshots (portal-diary-*.png, portal-messages-*.png) go to
$ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem, sign_in
from tests.portal_helpers import portal, sign_in_patient

__all__ = ["portal"]

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", WIDTHS)
def test_a_diary_entry_reaches_the_chart_and_a_message_the_clinic(
    live_server: Any, browser: Any, portal: dict[str, Any], size: str, settings: Any
) -> None:
    from acuback.web.care.models import Message, ScoreRecord, ScoreSource

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    patient, today = portal["patient"], timezone.localdate()
    for days, value in ((20, 7), (10, 5)):
        ScoreRecord.objects.create(
            clinic=patient.clinic, patient=patient, created_by=portal["practitioner"],
            instrument="nrs", value=Decimal(value), day=today - timedelta(days=days),
        )  # fmt: skip
    Message.objects.create(
        clinic=patient.clinic, patient=patient, created_by=portal["practitioner"],
        body="How has the pain been since Monday's session?",
    )  # fmt: skip

    base = live_server.url
    width, height = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in_patient(page, base, portal["ada"])
        page.click(".portal-nav >> text=Pain diary")
        page.wait_for_url(f"{base}/portal/diary/")
        assert page.locator(".portal-nav a[aria-current=page]").inner_text() == "Pain diary"

        # A rating out of range is refused beside its field, and nothing is saved.
        page.fill("#id_day", (today - timedelta(days=1)).isoformat())
        page.fill("#id_nrs", "11")
        page.click("text=Save to my diary")
        assert "The highest rating is 10." in page.inner_text("#id_nrs_error")
        assert page.get_attribute("#id_nrs", "aria-invalid") == "true"
        assert not ScoreRecord.objects.filter(source=ScoreSource.PATIENT).exists()
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-diary-error-{size}")

        page.fill("#id_nrs", "4")
        page.fill("#id_peg_1", "5")
        page.fill("#id_peg_2", "4")
        page.fill("#id_peg_3", "3")
        page.click("text=Save to my diary")
        page.wait_for_selector("text=Saved to your diary.")
        nrs_chart = page.locator('svg[data-instrument="nrs"]')
        assert "Your diary" in nrs_chart.inner_html()
        assert "Recorded at the clinic" in nrs_chart.inner_html()
        assert page.locator('svg[data-instrument="peg"]').count() == 1
        entries = page.inner_text(".diary-list")
        assert "Pain 4 out of 10" in entries
        assert "pain on average 5, enjoyment of life 4, general activity 3" in entries
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-diary-{size}")

        # Written today, so it can still be corrected.
        page.locator(".diary-list li", has_text="Pain 4 out of 10").locator("text=Correct").click()
        page.wait_for_selector("text=Correct it")
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-diary-entry-{size}")
        page.fill("#id_nrs", "3")
        page.click("text=Save the correction")
        page.wait_for_selector("text=Your entry is corrected.")
        assert "Pain 3 out of 10" in page.inner_text(".diary-list")

        page.click(".portal-nav >> text=Messages")
        page.wait_for_url(f"{base}/portal/messages/")
        assert "since Monday's session" in page.inner_text(".conversation")
        page.fill("#id_body", "Better: about a 4 most days, worse after sitting.")
        page.click("button:has-text('Send')")
        page.wait_for_selector("text=Your message has been sent")
        assert "worse after sitting" in page.inner_text(".conversation")
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-messages-{size}")
        page.context.clear_cookies()

        # The practitioner: the diary on their chart, the message on Today and the page.
        sign_in(page, base, "alice")
        page.goto(f"{base}/today/?show=clinic")
        assert "1 unread message" in page.inner_text("#messages")
        page.click("#messages >> text=Ada Fenwick")
        page.wait_for_selector("#messages-title")
        assert "worse after sitting" in page.inner_text("#messages")
        chart = page.locator('svg[data-instrument="nrs"]')
        assert "Reported by the patient" in chart.inner_html()
        check_page(page, f"portal-diary-practitioner-{size}")
        page.goto(f"{base}/today/?show=clinic")
        assert "No unread message" in page.inner_text("#messages")
    finally:
        context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_a_long_conversation_pages_back_to_earlier_messages(
    live_server: Any,
    browser: Any,
    portal: dict[str, Any],
    size: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from acuback.web.care.models import Message
    from acuback.web.portal import message_service

    monkeypatch.setattr(message_service, "THREAD_PAGE", 2)
    patient = portal["patient"]
    for n in range(1, 4):
        Message.objects.create(
            clinic=patient.clinic, patient=patient, created_by=portal["practitioner"],
            body=f"Clinic note {n}",
        )  # fmt: skip
    width, height = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in_patient(page, live_server.url, portal["ada"])
        page.goto(f"{live_server.url}/portal/messages/")
        assert "Clinic note 1" not in page.inner_text(".conversation")
        page.get_by_role("link", name="Earlier messages").click()
        page.wait_for_url("**/portal/messages/?page=2#thread-title")
        assert page.inner_text(".conversation").count("Clinic note") == 1
        assert page.get_by_role("link", name="Later messages").count() == 1
        no_serious_accessibility_problem(page)
        check_page(page, f"portal-messages-earlier-{size}")
    finally:
        context.close()
