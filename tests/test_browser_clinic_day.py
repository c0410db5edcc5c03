"""A clinic's day in Chromium, across every part of it.

Reception registers a patient; the practitioner takes the intake and drafts the plan;
reception books the whole course from the plan. Then this morning's visit of Ada: the
practitioner finds it on the Today page, marks her arrived, starts and charts the session,
closes it and marks the visit done; reception issues the invoice and takes payment. A
practitioner of another clinic then opens every page the walk visited and gets 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, Status
from acuback.web.care.models import SessionRecord
from tests.appointments_helpers import a_plan, a_weekday_ahead, type_named
from tests.browser_helpers import sign_in

pytestmark = pytest.mark.browser


def signed_in_page(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, username)
    return page


def test_a_clinic_day_from_registration_to_receipt(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    base = live_server.url
    visited: list[str] = []
    reception = signed_in_page(browser, base, "bob")
    practitioner = signed_in_page(browser, base, "alice")

    # Reception registers a new patient.
    reception.click("text=Register a patient")
    reception.fill("#id_given_name", "Nora")
    reception.fill("#id_family_name", "Quist")
    reception.fill("#id_date_of_birth", "1975-06-02")
    reception.fill("#id_phone", "+44 20 7946 0123")
    reception.fill("#id_email", "nora@example.org")
    reception.click("button:has-text('Register patient')")
    reception.wait_for_url("**/patients/*/")
    assert "Patient registered" in reception.inner_text(".messages")
    nora_url = reception.url
    visited.append(nora_url)

    # The practitioner takes the intake and drafts a plan starting next week.
    practitioner.goto(nora_url)
    practitioner.click("text=New intake")
    practitioner.fill("#id_pain_duration_weeks", "30")
    practitioner.check("input[name=conditions][value=chronic-low-back-pain]")
    practitioner.wait_for_selector('#screening [data-level="caution"]')  # over 50
    practitioner.click("text=Save intake")
    practitioner.wait_for_url("**/intakes/*/")
    visited.append(practitioner.url)
    start = a_weekday_ahead()
    practitioner.fill("#id_start", start.isoformat())
    practitioner.click("text=Draft the plan")
    practitioner.wait_for_url("**/plans/*/")
    plan_url = practitioner.url
    visited.append(plan_url)

    # Reception books the whole course from the plan in one step.
    plan_id = plan_url.rstrip("/").rsplit("/", 1)[1]
    reception.goto(f"{base}/plans/{plan_id}/book/")
    visited.append(reception.url)
    reception.select_option("#id_practitioner", str(User.objects.get(username="alice").pk))
    reception.select_option("#id_time", "09:00")
    reception.click("text=Propose appointments")
    reception.wait_for_selector("#course-book")
    assert reception.locator("#course-book .free").count() == 10
    reception.click("text=Book the ticked sessions")
    reception.wait_for_selector("#course-booked")
    assert reception.locator("#course-booked li").count() == 10
    assert Appointment.objects.filter(patient__family_name="Quist").count() == 10

    # This morning Ada, whose course is under way, comes for her session.
    ada = clinics["patient"]
    alice = User.objects.get(username="alice")
    plan = a_plan(clinics, start=timezone.localdate() - timedelta(days=7))
    rules = book.rules_for(clinics["home"])
    at = timezone.make_aware(datetime.combine(timezone.localdate(), rules.opens))
    # Booked earlier; the service refuses a start in the past, so it is set up directly.
    visit = Appointment.objects.create(
        clinic=clinics["home"], patient=ada, practitioner=alice,
        type=type_named(clinics["home"], "Treatment"), starts_at=at,
        ends_at=at + timedelta(minutes=30), plan=plan, planned_number=1, created_by=alice,
    )  # fmt: skip
    practitioner.click("nav >> text=Today")
    practitioner.wait_for_url("**/today/")
    visited.append(practitioner.url)
    practitioner.click(f"a[href='/appointments/{visit.pk}/']")
    practitioner.wait_for_url(f"**/appointments/{visit.pk}/")
    visited.append(practitioner.url)
    practitioner.click("text=Patient has arrived")
    practitioner.wait_for_selector("text=Start session")
    practitioner.click("button:has-text('Start session')")
    practitioner.wait_for_url("**/sessions/*/")
    visited.append(practitioner.url)
    session = SessionRecord.objects.get(plan=plan)
    count = sum(2 if p["side"] == "both" else 1 for p in session.points)
    practitioner.fill("#id_needles_inserted", str(count))
    practitioner.fill("#id_needles_removed", str(count))
    practitioner.fill("#id_needle_type", "Single-use steel, 0.25 x 40 mm")
    practitioner.select_option("#id_stimulation", "manual")
    practitioner.fill("#id_retention_minutes", "20")
    practitioner.fill("#id_nrs_before", "6")
    practitioner.click("text=Save and close session")
    practitioner.wait_for_url(f"**/plans/{plan.pk}/")
    assert "saved and closed" in practitioner.inner_text(".messages")
    practitioner.goto(f"{base}/appointments/{visit.pk}/")
    practitioner.click("text=Mark done")
    practitioner.wait_for_selector("text=Invoice")
    visit.refresh_from_db()
    assert visit.status == Status.DONE and visit.session == session

    # Reception invoices the visit and takes payment.
    reception.goto(f"{base}/appointments/{visit.pk}/")
    reception.click("main a.button:has-text('Invoice')")
    reception.wait_for_url("**/billing/patients/*/")
    visited.append(reception.url)
    reception.click("button:has-text('Issue invoice')")
    reception.wait_for_url("**/billing/invoices/*/")
    visited.append(reception.url)
    assert "Unpaid" in reception.inner_text("main")
    reception.select_option("select[name=method]", index=1)
    reception.click("button:has-text('Mark paid')")
    reception.wait_for_selector('#invoice[data-state="paid"]')
    assert "Paid in full" in reception.inner_text("#payment-state")

    # Another clinic's practitioner sees none of it.
    outsider = signed_in_page(browser, base, "charlie")
    for url in visited:
        response = outsider.goto(url)
        if url.rstrip("/").endswith("/today"):
            # Everyone has a Today page; another clinic's shows none of this clinic.
            assert response is not None and response.status == 200
            assert "Fenwick" not in outsider.inner_text("main")
            assert "Quist" not in outsider.inner_text("main")
            continue
        assert response is not None and response.status == 404, url
