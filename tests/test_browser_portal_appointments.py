"""End to end in Chromium: a patient books a free time, sees it, cancels it, and asks for a
home visit, at desktop and phone width; every page passes axe-core (nothing serious or
critical), shows no codes and does not scroll sideways."""

from __future__ import annotations

from typing import Any

import pytest

from tests.appointments_helpers import a_weekday_ahead, moment, type_named
from tests.browser_helpers import (
    WIDTHS,
    check_page,
    no_serious_accessibility_problem,
    sign_in,
)
from tests.portal_helpers import portal, sign_in_patient

__all__ = ["portal"]

pytestmark = pytest.mark.browser


def looked_at(page: Any, name: str) -> None:
    no_serious_accessibility_problem(page)
    check_page(page, name)


@pytest.mark.parametrize("size", WIDTHS)
def test_a_patient_books_cancels_and_asks_for_a_home_visit(
    live_server: Any, browser: Any, portal: dict[str, Any], size: str
) -> None:
    from django.contrib.auth.models import User

    from acuback.web.appointments import service
    from acuback.web.appointments.models import Appointment, HomeVisitRequest, Status

    alice = User.objects.get(username="alice")
    alice.first_name, alice.last_name = "Alice", "Marsh"
    alice.save()
    day = a_weekday_ahead()
    # Bea holds Alice's 09:00: it must not be offered to Ada.
    bea = portal["bea_patient"]
    service.book(
        bea.clinic, alice,
        service.Booking(bea, alice, type_named(bea.clinic, "Treatment"), moment(day, 9)),
    )  # fmt: skip
    ada = portal["patient"]
    ada.address = "12 Rose Street, Leeds"
    ada.save(update_fields=["address"])

    width, height = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = live_server.url
    try:
        sign_in_patient(page, base, portal["ada"])
        page.goto(f"{base}/portal/appointments/")
        assert page.locator("h1").inner_text() == "My appointments"
        assert page.locator("nav [aria-current=page]").inner_text() == "Appointments"
        looked_at(page, f"portal-appointments-empty-{size}")

        page.click("#book-link")
        page.select_option("#id_type", label="Treatment (30 minutes)")
        page.select_option("#id_practitioner", label="Alice Marsh")
        page.fill("#id_day", day.isoformat())
        page.click("text=Show free times")
        page.wait_for_selector("#free-times")
        times = page.locator("#free-times a.time")
        offered = [t.split()[0] for t in times.all_inner_texts()]
        assert "09:00" not in offered and "09:15" not in offered and "09:30" in offered
        looked_at(page, f"portal-appointment-free-times-{size}")

        page.locator("#free-times a.time", has_text="10:00").click()
        page.wait_for_selector("#confirm")
        summary = page.locator(".summary-list").inner_text()
        assert "Treatment" in summary and "Alice Marsh" in summary and "10:00" in summary
        looked_at(page, f"portal-appointment-confirm-{size}")

        page.click("#confirm")
        page.wait_for_url(f"{base}/portal/appointments/")
        assert "Booked: Treatment with Alice Marsh" in page.locator(".notices").inner_text()
        upcoming = page.locator("#upcoming").inner_text()
        assert f"{day.day} {day:%b %Y}" in upcoming and "10:00" in upcoming
        booked = Appointment.objects.get(patient=ada)
        assert booked.starts_at == moment(day, 10) and booked.created_by == portal["ada"]
        looked_at(page, f"portal-appointments-booked-{size}")

        page.locator("#upcoming a", has_text="Cancel").click()
        page.wait_for_selector("#confirm-cancel")
        looked_at(page, f"portal-appointment-cancel-{size}")
        page.click("#confirm-cancel")
        page.wait_for_url(f"{base}/portal/appointments/")
        booked.refresh_from_db()
        assert booked.status == Status.CANCELLED
        assert "(cancelled)" in page.locator("#past").inner_text()

        page.click("text=Ask for a home visit")
        assert page.input_value("#id_address") == "12 Rose Street, Leeds"
        page.fill("#id_address", "")
        page.click("text=Send my request")
        page.wait_for_selector(".error")
        assert "Write the address" in page.locator("#home-visit-form").inner_text()
        looked_at(page, f"portal-home-visit-error-{size}")
        page.fill("#id_address", "12 Rose Street, Leeds")
        page.fill("#id_earliest", day.isoformat())
        page.locator("label.choice", has_text="Morning").click()
        page.fill("#id_note", "Second floor, no lift.")
        page.click("text=Send my request")
        page.wait_for_url(f"{base}/portal/appointments/")
        assert "Waiting for the clinic" in page.locator("#home-visit-requests").inner_text()
        assert HomeVisitRequest.objects.get(patient=ada).time_of_day == "morning"
        looked_at(page, f"portal-appointments-requested-{size}")
    finally:
        context.close()

    # Reception sees the request on Today and books it; the patient then sees the visit.
    desk_context = browser.new_context(viewport={"width": width, "height": height})
    desk = desk_context.new_page()
    desk.set_default_timeout(10_000)
    try:
        sign_in(desk, base, "bob")
        desk.goto(f"{base}/today/")
        assert "12 Rose Street" in desk.locator("#home-visit-requests").inner_text()
        desk.click("#home-visit-requests >> text=Book or decline")
        desk.wait_for_selector("#book-request")
        assert "Second floor, no lift." in desk.locator("#request").inner_text()
        no_serious_accessibility_problem(desk)
        check_page(desk, f"staff-home-visit-request-{size}")
        desk.select_option("#id_practitioner", label="Alice Marsh")
        desk.select_option("#id_time", "11:00")
        desk.fill("#id_travel_before", "20")
        desk.fill("#id_travel_after", "20")
        desk.click("text=Book the home visit")
        desk.wait_for_url(lambda url: "/appointments/" in url and "home-visit" not in url)
        visit = HomeVisitRequest.objects.get(patient=ada).appointment
        assert visit is not None and visit.starts_at == moment(day, 11)
        assert visit.address == "12 Rose Street, Leeds"
    finally:
        desk_context.close()
