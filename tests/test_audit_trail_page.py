"""The audit trail page at desktop and phone width: changes read as 'label: old → new'."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser_helpers import (
    WIDTHS,
    check_page,
    no_serious_accessibility_problem,
    sign_in,
)
from tests.test_patients_register import details

pytestmark = pytest.mark.browser


def test_the_trail_shows_changes_readably_at_both_widths(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    patient = clinics["patient"]
    client = Client()
    client.force_login(clinics["colleague"])
    data = details(given_name="Ada", family_name="Fenwick", date_of_birth="1968-04-12",
                   address="1 Harbour Lane")  # fmt: skip
    assert client.post(reverse("patient-edit", args=[patient.pk]), data).status_code == 302
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server.url, "dora")
        response = page.goto(f"{live_server.url}{reverse('audit-trail')}")
        assert response is not None and response.status == 200
        text = page.inner_text("main")
        assert "Phone: blank → +4407700900555" in text and "Sex: Not stated → Female" in text
        assert "{" not in text and "Harbour" not in text
        check_page(page, f"audit-trail-{width_name}")
        no_serious_accessibility_problem(page)
        context.close()
