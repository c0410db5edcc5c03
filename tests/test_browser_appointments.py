"""Reception's morning in Chromium: a home visit with travel, a clash refused with the
nearest free slot, a cancellation with its reason; every book page at two widths.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from acuback.web.appointments import service
from acuback.web.appointments.models import Appointment, Status
from acuback.web.clinics.models import Patient
from tests.appointments_helpers import a_plan, a_weekday_ahead, moment, type_named
from tests.browser_helpers import WIDTHS, check_page, sign_in

pytestmark = pytest.mark.browser


def test_reception_books_a_home_visit_meets_a_clash_and_cancels(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    base = live_server.url
    alice, dora = clinics["practitioner"], clinics["admin"]
    alice.first_name, alice.last_name = "Alice", "Hart"
    alice.save()
    dora.first_name, dora.last_name = "Dora", "Quinn"
    dora.save()
    tomas = Patient.objects.create(clinic=clinics["home"], given_name="Tomas",
                                   family_name="Brandt", date_of_birth="1979-09-03")  # fmt: skip
    day = a_weekday_ahead()
    shown = f"{day.day} {day:%b %Y}"
    eleven = service.book(clinics["home"], dora, service.Booking(
        tomas, alice, type_named(clinics["home"], "Treatment"), moment(day, 11)))  # fmt: skip
    service.book(clinics["home"], dora, service.Booking(
        tomas, dora, type_named(clinics["home"], "First assessment"), moment(day, 9)))  # fmt: skip
    plan = a_plan(clinics, start=day)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "bob")
    page.click("nav >> text=Appointments")
    page.wait_for_url(f"{base}/appointments/")

    # A home visit for Ada with Alice: 09:30-10:15, with 30 minutes there and 20 back.
    page.goto(f"{base}{reverse('appointment-new')}?day={day.isoformat()}")
    assert page.locator("#home-visit").is_hidden(), "home-visit fields wait for a home visit"
    page.select_option("#id_patient", str(clinics["patient"].pk))
    page.select_option("#id_practitioner", str(alice.pk))
    page.select_option("#id_type", label="Home visit (45 min)")
    assert page.locator("#home-visit").is_visible()
    page.select_option("#id_time", "09:30")
    page.fill("#id_address", "12 Mill Lane\nLeeds LS6 2AB")
    page.fill("#id_travel_before", "30")
    page.fill("#id_travel_after", "20")
    page.click("#booking-form button[type=submit]")
    page.wait_for_url("**/appointments/*/")
    assert f"Appointment booked for {shown} at 09:30." in page.inner_text(".messages")
    assert "09:00–09:30" in page.inner_text("#facts") and "10:15–10:35" in page.inner_text("#facts")

    # Tomas at 10:15 with Alice: she is travelling back until 10:35 and busy at 11:00.
    page.goto(f"{base}{reverse('appointment-new')}?day={day.isoformat()}")
    page.select_option("#id_patient", str(tomas.pk))
    page.select_option("#id_practitioner", str(alice.pk))
    page.select_option("#id_type", label="Treatment (30 min)")
    page.select_option("#id_time", "10:15")
    page.click("#booking-form button[type=submit]")
    page.wait_for_selector("#clash")
    clash = page.inner_text("#clash")
    assert "Home visit with Ada Fenwick" in clash and "09:00–10:35" in clash
    assert f"Nearest free slot: {shown} at 11:30" in clash
    check_page(page, "appointments-booking-clash-desktop")
    page.click("#book-nearest")
    page.wait_for_url("**/appointments/*/")
    assert f"Appointment booked for {shown} at 11:30." in page.inner_text(".messages")

    # The day: the visit with its travel drawn as blocked time.
    page.goto(f"{base}{reverse('appointment-day')}?day={day.isoformat()}")
    lane = page.locator(f'.lane[data-practitioner="{alice.pk}"]')
    assert lane.locator(".block.travel").count() == 2
    assert "Travel there" in lane.inner_text() and "Ada Fenwick" in lane.inner_text()

    # Cancelling Tomas's 11:00 needs a reason; a week ahead is no late cancellation.
    page.click(f'[data-appointment="{eleven.pk}"]')
    page.wait_for_url(f"**/appointments/{eleven.pk}/")
    page.click("text=Cancel appointment")
    page.wait_for_selector("text=Give the reason for cancelling.")
    page.fill("#cancel-reason-input", "Patient has flu; will call to rebook")
    page.click("text=Cancel appointment")
    page.wait_for_selector(".messages")
    assert f"Appointment on {shown} at 11:00 cancelled." in page.inner_text(".messages")
    assert page.inner_text("#status") == "Cancelled"
    assert "Patient has flu" in page.inner_text("#cancel-reason")
    eleven.refresh_from_db()
    assert eleven.status == Status.CANCELLED and not eleven.cancelled_late
    assert Appointment.objects.exclude(status=Status.CANCELLED).count() == 3
    context.close()

    visit = Appointment.objects.get(patient=clinics["patient"])
    pages = {
        "day": f"{reverse('appointment-day')}?day={day.isoformat()}",
        "day-alice": f"{reverse('appointment-day')}?day={day.isoformat()}&practitioner={alice.pk}",
        "week": f"{reverse('appointment-week')}?day={day.isoformat()}",
        "week-alice": f"{reverse('appointment-week')}?day={day.isoformat()}"
        f"&practitioner={alice.pk}",
        "booking-form": f"{reverse('appointment-new')}?day={day.isoformat()}",
        "course": reverse("plan-book", args=[plan.pk]),
        "detail": reverse("appointment-detail", args=[visit.pk]),
        "detail-cancelled": reverse("appointment-detail", args=[eleven.pk]),
    }
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        page = context.new_page()
        sign_in(page, base, "bob")
        for name, path in pages.items():
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, name
            check_page(page, f"appointments-{name}-{width_name}")
        context.close()
