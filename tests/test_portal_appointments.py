"""A patient's own appointments in the portal: free times from the book's rules, booking
once under concurrency, cancelling within the clinic's notice, home-visit requests the
clinic sees, calendar files, and 404 for anyone else's appointment."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from acuback.web.appointments import patient_booking, service
from acuback.web.appointments.models import (
    Appointment,
    HomeVisitRequest,
    RequestStatus,
    Status,
)
from acuback.web.audit.models import AuditEvent
from tests.appointments_helpers import a_plan, a_weekday_ahead, moment, type_named
from tests.concurrency import simultaneous
from tests.portal_helpers import portal

__all__ = ["portal"]


def alice() -> User:
    return User.objects.get(username="alice")


def appointment_for(patient: Any, starts: Any, kind: str = "Treatment", **extra: Any) -> Any:
    booking = service.Booking(
        patient=patient,
        practitioner=alice(),
        type=type_named(patient.clinic, kind),
        starts_at=starts,
        **extra,
    )
    return service.book(patient.clinic, alice(), booking)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def free_query(clinic: Any, day: date, practitioner: Any = None) -> dict[str, Any]:
    query = {"type": type_named(clinic, "Treatment").pk, "day": day.isoformat()}
    if practitioner is not None:
        query["practitioner"] = practitioner.pk
    return query


def slot_key(practitioner: Any, day: date, hhmm: str) -> str:
    return f"{practitioner.pk}@{day.isoformat()}T{hhmm}"


def slot_link(practitioner: Any, day: date, hhmm: str) -> str:
    """A free time as the page links it (the key, escaped for the address)."""
    return quote(slot_key(practitioner, day, hhmm), safe="/")


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_upcoming_and_past_in_words(portal: dict[str, Any]) -> None:
    ada = portal["patient"]
    day = a_weekday_ahead()
    coming = appointment_for(ada, moment(day, 9))
    gone = appointment_for(ada, moment(day, 11))
    Appointment.objects.filter(pk=gone.pk).update(
        starts_at=timezone.now() - timedelta(days=3, hours=1),
        ends_at=timezone.now() - timedelta(days=3, minutes=30),
        status=Status.DONE,
    )
    appointment_for(portal["bea_patient"], moment(day, 14))
    response = signed_in(portal["ada"]).get(reverse("portal-appointments"))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{day.day} {day:%b %Y}" in text and "09:00" in text
    assert "Treatment with" in text and f"At {ada.clinic.name}" in text
    assert reverse("portal-appointment-ics", args=[coming.pk]) in text
    assert reverse("portal-appointment-cancel", args=[coming.pk]) in text
    assert "Past and cancelled" in text
    assert "14:00" not in text  # Bea's appointment is not Ada's
    assert response["Cache-Control"].count("no-store") == 1
    assert AuditEvent.objects.filter(patient_id=ada.pk, what="portal appointments").exists()


def test_a_home_visit_shows_its_address(portal: dict[str, Any]) -> None:
    ada = portal["patient"]
    appointment_for(ada, moment(a_weekday_ahead(), 10), "Home visit", address="3 Mill Lane")
    text = signed_in(portal["ada"]).get(reverse("portal-appointments")).content.decode()
    assert "At your home: 3 Mill Lane" in text


def test_staff_and_anonymous_do_not_see_the_portal_page(portal: dict[str, Any]) -> None:
    url = reverse("portal-appointments")
    assert signed_in(alice()).get(url).status_code == 404
    assert Client().get(url).status_code == 302


# --- someone else's appointment ---------------------------------------------------------


@pytest.mark.parametrize("name", ["portal-appointment-ics", "portal-appointment-cancel"])
@pytest.mark.parametrize("owner", ["bea_patient", "other_patient"])
def test_another_patients_appointment_is_not_found(
    portal: dict[str, Any], name: str, owner: str
) -> None:
    theirs = portal[owner]
    if owner == "other_patient":
        outsider = User.objects.get(username="charlie")
        booking = service.Booking(
            theirs, outsider, type_named(theirs.clinic, "Treatment"), moment(a_weekday_ahead(), 9)
        )
        appointment = service.book(theirs.clinic, outsider, booking)
    else:
        appointment = appointment_for(theirs, moment(a_weekday_ahead(), 9))
    client = signed_in(portal["ada"])
    url = reverse(name, args=[appointment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


# --- calendar files ---------------------------------------------------------------------


def test_one_appointment_and_all_upcoming_as_ics(portal: dict[str, Any]) -> None:
    ada = portal["patient"]
    day = a_weekday_ahead()
    first = appointment_for(ada, moment(day, 9))
    appointment_for(ada, moment(day + timedelta(days=1), 10))
    cancelled = appointment_for(ada, moment(day + timedelta(days=2), 10))
    service.change_status(cancelled, "cancel", "ill")
    client = signed_in(portal["ada"])

    one = client.get(reverse("portal-appointment-ics", args=[first.pk]))
    assert one["Content-Type"].startswith("text/calendar")
    assert "attachment" in one["Content-Disposition"]
    events = Calendar.from_ical(one.content).walk("VEVENT")
    assert len(events) == 1
    assert events[0].decoded("dtstart") == first.starts_at
    assert events[0].decoded("dtend") == first.ends_at
    assert "Treatment" in str(events[0]["summary"])

    every = client.get(reverse("portal-appointments-ics"))
    starts = sorted(e.decoded("dtstart") for e in Calendar.from_ical(every.content).walk("VEVENT"))
    assert starts == [moment(day, 9), moment(day + timedelta(days=1), 10)]
    assert AuditEvent.objects.filter(patient_id=ada.pk, action="export").count() == 2

    # A home visit is one event in the patient's calendar: the travel is the practitioner's.
    first.address, first.travel_before_minutes, first.travel_after_minutes = "1 Road", 20, 20
    first.save()
    visit = client.get(reverse("portal-appointment-ics", args=[first.pk]))
    assert len(Calendar.from_ical(visit.content).walk("VEVENT")) == 1


# --- free times and booking -----------------------------------------------------------------


def test_only_free_times_are_offered(portal: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    appointment_for(portal["bea_patient"], moment(day, 9))  # Bea holds Alice's 09:00–09:30
    # A home visit with travel blocks 13:15–14:45 around 13:45–14:30.
    appointment_for(
        portal["bea_patient"], moment(day, 13, 45), "Home visit",
        address="1 High St", travel_before=30, travel_after=15,
    )  # fmt: skip
    clinic = portal["home"]
    free = patient_booking.free_times(clinic, type_named(clinic, "Treatment"), day, alice())
    starts = {f"{service.local(f.starts_at):%H:%M}" for f in free}
    assert "08:30" in starts and "09:30" in starts
    assert "08:45" not in starts and "09:00" not in starts and "09:15" not in starts
    assert "13:00" not in starts and "14:30" not in starts and "14:45" in starts
    assert "17:30" in starts and "17:45" not in starts  # a 30-minute visit ends by 18:00

    response = signed_in(portal["ada"]).get(
        reverse("portal-appointment-book"), free_query(clinic, day, alice())
    )
    text = response.content.decode()
    assert slot_link(alice(), day, "09:30") in text
    assert slot_link(alice(), day, "09:00") not in text


def test_anyone_free_offers_the_time_with_another_practitioner(portal: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    appointment_for(portal["bea_patient"], moment(day, 9))
    clinic = portal["home"]
    free = patient_booking.free_times(clinic, type_named(clinic, "Treatment"), day)
    at_nine = [f for f in free if service.local(f.starts_at).hour == 9 and f.starts_at.minute == 0]
    assert [f.practitioner.username for f in at_nine] == ["dora"]


def test_the_types_offered_leave_out_home_visits(portal: dict[str, Any]) -> None:
    text = signed_in(portal["ada"]).get(reverse("portal-appointment-book")).content.decode()
    assert "Treatment (30 minutes)" in text and "First assessment (60 minutes)" in text
    assert "Home visit (" not in text
    home_visit = type_named(portal["home"], "Home visit")
    response = signed_in(portal["ada"]).post(
        reverse("portal-appointment-confirm"),
        {"type": home_visit.pk, "slot": slot_key(alice(), a_weekday_ahead(), "10:00")},
    )
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_past_days_and_days_too_far_are_refused(portal: dict[str, Any]) -> None:
    clinic, client = portal["home"], signed_in(portal["ada"])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.get(reverse("portal-appointment-book"), free_query(clinic, yesterday))
    assert response.status_code == 400
    assert "This day has passed" in response.content.decode()
    far = timezone.localdate() + timedelta(weeks=patient_booking.BOOKING_WEEKS, days=1)
    response = client.get(reverse("portal-appointment-book"), free_query(clinic, far))
    assert response.status_code == 400
    assert "up to 8 weeks ahead" in response.content.decode()
    # Posting a past time directly books nothing either.
    treatment = type_named(clinic, "Treatment")
    response = client.post(
        reverse("portal-appointment-confirm"),
        {"type": treatment.pk, "slot": slot_key(alice(), yesterday, "10:00")},
    )
    assert response.status_code == 400
    assert "This day has passed" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_patient_books_a_free_time_linked_to_their_plan(portal: dict[str, Any]) -> None:
    plan = a_plan(portal)
    day = a_weekday_ahead()
    clinic, client = portal["home"], signed_in(portal["ada"])
    treatment = type_named(clinic, "Treatment")
    data = {"type": treatment.pk, "slot": slot_key(alice(), day, "10:15")}
    confirm = client.get(reverse("portal-appointment-confirm"), data)
    assert confirm.status_code == 200
    assert "Book this appointment" in confirm.content.decode()
    assert not Appointment.objects.exists()  # GET only shows what will be booked

    response = client.post(reverse("portal-appointment-confirm"), data)
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert booked.patient == portal["patient"] and booked.practitioner == alice()
    assert booked.starts_at == moment(day, 10, 15)
    assert booked.ends_at == moment(day, 10, 45)
    assert booked.created_by == portal["ada"]
    assert booked.plan == plan and booked.address == ""
    assert AuditEvent.objects.filter(what=f"appointment {booked.pk} booked by patient").exists()
    # Reminders follow as for a booking by staff.
    from acuback.web.reminders import service as reminders

    assert (booked.pk, booked.starts_at) in reminders.queued()


def test_a_taken_time_says_so_and_shows_fresh_times(portal: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    appointment_for(portal["bea_patient"], moment(day, 9))
    treatment = type_named(portal["home"], "Treatment")
    response = signed_in(portal["ada"]).post(
        reverse("portal-appointment-confirm"),
        {"type": treatment.pk, "slot": slot_key(alice(), day, "09:15"),
         "wanted_practitioner": alice().pk},
    )  # fmt: skip
    assert response.status_code == 409
    text = response.content.decode()
    assert "this time has just been taken" in text
    assert slot_link(alice(), day, "09:30") in text
    assert slot_link(alice(), day, "09:15") not in text
    assert Appointment.objects.filter(patient=portal["patient"]).count() == 0


def test_a_bad_slot_is_refused(portal: dict[str, Any]) -> None:
    treatment = type_named(portal["home"], "Treatment")
    client = signed_in(portal["ada"])
    for slot in ["", "x@y", "999999@2030-01-01T10:00", f"{alice().pk}@2030-13-01T10:00"]:
        response = client.post(
            reverse("portal-appointment-confirm"), {"type": treatment.pk, "slot": slot}
        )
        assert response.status_code == 400, slot
    assert not Appointment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_patients_booking_one_time_at_once_book_it_once(portal: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    data = {
        "type": type_named(portal["home"], "Treatment").pk,
        "slot": slot_key(alice(), day, "11:00"),
    }
    url = reverse("portal-appointment-confirm")

    def as_user(user: Any) -> Any:
        def send(client: Client) -> Any:
            client.force_login(user)
            return client.post(url, data)

        return send

    from tests.concurrency import all_at_once

    responses = all_at_once([as_user(portal["ada"]), as_user(portal["bea"])] * 2)
    assert sorted(r.status_code for r in responses) == [302, 409, 409, 409]
    assert Appointment.objects.filter(starts_at=moment(day, 11)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_patient_double_clicking_books_once(portal: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    data = {
        "type": type_named(portal["home"], "Treatment").pk,
        "slot": slot_key(alice(), day, "12:00"),
    }
    url = reverse("portal-appointment-confirm")
    responses = simultaneous(3, lambda client: client.post(url, data), user=portal["ada"])
    assert sorted(r.status_code for r in responses) == [302, 409, 409]
    assert Appointment.objects.count() == 1


# --- cancelling -----------------------------------------------------------------------------


def test_cancel_outside_the_notice_asks_then_cancels(portal: dict[str, Any]) -> None:
    appointment = appointment_for(portal["patient"], moment(a_weekday_ahead(), 9))
    client = signed_in(portal["ada"])
    url = reverse("portal-appointment-cancel", args=[appointment.pk])
    page = client.get(url)
    assert "Yes, cancel this appointment" in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED  # GET only asks

    response = client.post(url)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert appointment.cancelled_at is not None and not appointment.cancelled_late
    assert appointment.cancel_notice_hours is not None and appointment.cancel_notice_hours > 24
    assert appointment.cancel_reason == patient_booking.CANCELLED_BY_PATIENT
    assert AuditEvent.objects.filter(what=f"appointment {appointment.pk} cancelled by patient")
    # Cancelling again changes nothing.
    assert client.post(url).status_code == 409


def test_cancel_inside_the_notice_is_refused_with_a_message(portal: dict[str, Any]) -> None:
    appointment = appointment_for(portal["patient"], moment(a_weekday_ahead(7), 9))
    # The Monday ahead is 7 to 13 days away, by the weekday the test runs on: the clinic
    # asks for a day's notice more than is left.
    left = appointment.starts_at - timezone.now()
    rules = service.rules_for(portal["home"])
    rules.cancellation_notice_hours = int(left / timedelta(hours=1)) + 24
    rules.save()
    client = signed_in(portal["ada"])
    listing = client.get(reverse("portal-appointments")).content.decode()
    url = reverse("portal-appointment-cancel", args=[appointment.pk])
    assert url not in listing and "please phone the clinic" in listing
    page = client.get(url).content.decode()
    assert "Please phone the clinic" in page and "Yes, cancel" not in page

    response = client.post(url)
    assert response.status_code == 409
    assert f"asks for {rules.cancellation_notice_hours} hours" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and appointment.cancelled_at is None


def test_cancel_needs_csrf(portal: dict[str, Any]) -> None:
    appointment = appointment_for(portal["patient"], moment(a_weekday_ahead(), 9))
    client = Client(enforce_csrf_checks=True)
    client.force_login(portal["ada"])
    response = client.post(reverse("portal-appointment-cancel", args=[appointment.pk]))
    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


# --- home visits --------------------------------------------------------------------------


def test_home_visit_request_is_checked_and_seen_by_staff(portal: dict[str, Any]) -> None:
    ada = portal["patient"]
    ada.address = "12 Rose Street\nLeeds"
    ada.save(update_fields=["address"])
    client = signed_in(portal["ada"])
    url = reverse("portal-home-visit")
    assert "12 Rose Street" in client.get(url).content.decode()  # prefilled

    yesterday = timezone.localdate() - timedelta(days=1)
    bad = client.post(url, {"address": " ", "earliest": yesterday.isoformat(),
                            "time_of_day": "morning"})  # fmt: skip
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Write the address" in text
    assert not HomeVisitRequest.objects.exists()
    bad = client.post(url, {"address": "12 Rose Street", "earliest": yesterday.isoformat(),
                            "time_of_day": "morning"})  # fmt: skip
    assert "This day has passed" in bad.content.decode()
    first = a_weekday_ahead()
    bad = client.post(url, {"address": "12 Rose Street", "earliest": first.isoformat(),
                            "latest": (first - timedelta(days=1)).isoformat(),
                            "time_of_day": "morning"})  # fmt: skip
    assert "cannot be before the first" in bad.content.decode()
    assert not HomeVisitRequest.objects.exists()

    ok = client.post(url, {"address": "12 Rose Street", "earliest": first.isoformat(),
                           "time_of_day": "morning", "note": "Stairs"})  # fmt: skip
    assert ok.status_code == 302
    asked = HomeVisitRequest.objects.get()
    assert asked.patient == ada and asked.created_by == portal["ada"]
    assert asked.status == RequestStatus.WAITING
    listing = client.get(reverse("portal-appointments")).content.decode()
    assert "Waiting for the clinic" in listing
    again = client.post(url, {"address": "12 Rose Street", "earliest": first.isoformat(),
                              "time_of_day": "morning"})  # fmt: skip
    assert again.status_code == 400 and "already asked for a home visit" in again.content.decode()
    assert HomeVisitRequest.objects.count() == 1

    # The clinic sees it on Today (reception too), and books it.
    staff = signed_in(User.objects.get(username="bob"))
    today = staff.get(reverse("today")).content.decode()
    assert (
        "Home visits asked for" in today and reverse("home-visit-request", args=[asked.pk]) in today
    )
    page = staff.get(reverse("home-visit-request", args=[asked.pk]))
    assert "12 Rose Street" in page.content.decode()
    response = staff.post(reverse("home-visit-request", args=[asked.pk]), {
        "action": "book", "practitioner": alice().pk, "day": first.isoformat(),
        "time": "10:00", "travel_before": 20, "travel_after": 20,
    })  # fmt: skip
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == RequestStatus.BOOKED and asked.appointment is not None
    visit = asked.appointment
    assert visit.address == "12 Rose Street" and visit.type.is_home_visit
    assert visit.travel_before_minutes == 20
    assert "Home visits asked for" not in staff.get(reverse("today")).content.decode()
    listing = client.get(reverse("portal-appointments")).content.decode()
    assert "At your home: 12 Rose Street" in listing


def test_a_declined_request_shows_the_reason_to_the_patient(portal: dict[str, Any]) -> None:
    asked = patient_booking.ask_for_home_visit(
        portal["patient"], portal["ada"], "5 Elm Road", a_weekday_ahead(), None, "any", ""
    )
    staff = signed_in(alice())
    url = reverse("home-visit-request", args=[asked.pk])
    assert staff.post(url, {"action": "decline", "reason": " "}).status_code == 400
    assert staff.post(url, {"action": "decline", "reason": "Too far for us"}).status_code == 302
    asked.refresh_from_db()
    assert asked.status == RequestStatus.DECLINED
    listing = signed_in(portal["ada"]).get(reverse("portal-appointments")).content.decode()
    assert "Declined" in listing and "Too far for us" in listing
    # Once decided it cannot be booked as well.
    response = staff.post(url, {"action": "book", "practitioner": alice().pk,
                                "day": a_weekday_ahead().isoformat(), "time": "10:00",
                                "travel_before": 0, "travel_after": 0})  # fmt: skip
    assert response.status_code == 409
    assert not Appointment.objects.exists()


def test_another_clinics_staff_cannot_open_the_request(portal: dict[str, Any]) -> None:
    asked = patient_booking.ask_for_home_visit(
        portal["patient"], portal["ada"], "5 Elm Road", a_weekday_ahead(), None, "any", ""
    )
    outsider = signed_in(User.objects.get(username="charlie"))
    assert outsider.get(reverse("home-visit-request", args=[asked.pk])).status_code == 404
    assert signed_in(portal["bea"]).get(
        reverse("home-visit-request", args=[asked.pk])
    ).status_code in {302, 403, 404}


def test_a_patient_books_one_visit_a_day_online_and_no_more_than_the_limit(
    portal: dict[str, Any],
) -> None:
    from acuback.clinical.base import InputError
    from acuback.web.appointments import patient_booking

    ada = portal["patient"]
    day = a_weekday_ahead()
    appointment_for(ada, moment(day, 9))
    kind = patient_booking.bookable_types(portal["home"]).first()
    assert kind is not None
    with pytest.raises(InputError, match="already have an appointment on that day"):
        patient_booking.book(ada, portal["ada"], kind, portal["admin"], moment(day, 14))
    for extra in range(1, patient_booking.MAX_COMING):
        appointment_for(ada, moment(day + timedelta(days=7 * extra), 9))
    with pytest.raises(InputError, match="already have 12 appointments"):
        patient_booking.book(ada, portal["ada"], kind, portal["admin"],
                             moment(day + timedelta(days=1), 14))  # fmt: skip
