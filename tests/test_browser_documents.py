"""The doctor's-approval page in Chromium: alice writes the letter, downloads it and records
the doctor's reply; the page at desktop and phone width, with no serious accessibility
problem. Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from acuback.web.care.models import Decision, DecisionKind
from tests.browser_helpers import (
    WIDTHS,
    check_page,
    no_serious_accessibility_problem,
    sign_in,
)
from tests.documents_helpers import pdf_text, waiting_intake

pytestmark = pytest.mark.browser


def test_the_letter_is_written_downloaded_and_its_reply_recorded(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    base = live_server.url
    patient = clinics["patient"]
    patient.gp_name, patient.gp_practice = "Dr Priya Shah", "Riverside Surgery"
    patient.save()
    intake = waiting_intake(patient, clinics["practitioner"])
    context = browser.new_context(
        viewport=dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)),
        locale="en-GB",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "alice")

    page.goto(f"{base}{reverse('intake-detail', args=[intake.pk])}")
    page.click("#approval-link")
    page.wait_for_url(f"**{reverse('documents-approval', args=[intake.pk])}")
    assert "blood-thinning medicine" in page.input_value("#id_question")
    page.fill("#id_question", "Is needling safe with INR 2.4?")
    page.click("#letter-form button[type=submit]")
    page.wait_for_selector("#reply-form")
    assert "Is needling safe with INR 2.4?" in page.inner_text("#letters")
    with page.expect_download() as download:
        page.click("#letters a")
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert "Is needling safe with INR 2.4?" in pdf_text(pdf.read())
    # Shown again without the one-off notice above it (base.html's notice list is not ours).
    page.reload()
    for name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        check_page(page, f"documents-approval-{name}")
        no_serious_accessibility_problem(page)

    # A wrong date is shown beside its field; the reply is then recorded.
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)))
    page.check("#reply-form input[value=yes]")
    page.fill("#id_replied_on", "2999-01-01")
    page.click("#reply-form button[type=submit]")
    assert "This date is in the future." in page.inner_text("#field-replied_on")
    no_serious_accessibility_problem(page)
    page.check("#reply-form input[value=yes]")
    page.fill("#id_replied_on", timezone.localdate().isoformat())
    page.fill("#id_note", "INR stable at 2.4; go ahead.")
    page.click("#reply-form button[type=submit]")
    page.wait_for_url(f"**{reverse('intake-detail', args=[intake.pk])}")
    assert "Recorded: Doctor's approval received." in page.inner_text(".messages")
    assert Decision.objects.get(intake=intake).kind == DecisionKind.CLEARANCE_RECEIVED
    context.close()
