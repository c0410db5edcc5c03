"""The appointment book's pages: who may do what, what they answer, what they show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acuback.web.appointments import service
from acuback.web.appointments.models import Appointment, Status
from acuback.web.audit.models import AuditEvent
from tests.appointments_helpers import a_plan, a_weekday_ahead, moment, type_named

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def booked(clinics: dict[str, Any], hh: int = 9, type_name: str = "Treatment", **kw: Any) -> Any:
    booking = service.Booking(clinics["patient"], clinics["practitioner"],
                              type_named(clinics["home"], type_name),
                              moment(a_weekday_ahead(), hh), **kw)  # fmt: skip
    return service.book(clinics["home"], clinics["colleague"], booking)


def form(clinics: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "patient": clinics["patient"].pk,
        "practitioner": clinics["practitioner"].pk,
        "type": type_named(clinics["home"], "Treatment").pk,
        "day": a_weekday_ahead().isoformat(),
        "time": "09:00",
        "travel_before": 0,
        "travel_after": 0,
        **changes,
    }


def test_reception_books_and_sees_the_confirmation(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["colleague"])
    assert client.get(reverse("appointment-new")).status_code == 200
    response = client.post(reverse("appointment-new"), form(clinics), follow=True)
    appointment = Appointment.objects.get()
    assert response.redirect_chain[-1][0] == reverse("appointment-detail", args=[appointment.pk])
    day = a_weekday_ahead()
    text = response.content.decode()
    assert f"Appointment booked for {day.day} {day:%b %Y} at 09:00." in text
    assert appointment.created_by == clinics["colleague"]
    assert AuditEvent.objects.filter(what=f"appointment {appointment.pk}", action="create",
                                     patient_id=clinics["patient"].pk).exists()  # fmt: skip


def test_a_clash_answers_409_with_the_clashing_appointment_and_a_button_for_the_nearest(
    clinics: dict[str, Any],
) -> None:
    first = booked(clinics, 9)
    client = signed_in(clinics["colleague"])
    response = client.post(reverse("appointment-new"), form(clinics, time="09:15"))
    assert response.status_code == 409
    text = response.content.decode()
    assert reverse("appointment-detail", args=[first.pk]) in text
    assert "09:00–09:30" in text and "Nearest free slot" in text and "09:30" in text
    # The offered button books exactly that.
    response = client.post(reverse("appointment-new"), form(clinics, time="09:30"))
    assert response.status_code == 302
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"time": "07:30"}, "08:00 to 18:00"),
        ({"day": "2020-01-06"}, "This time has passed"),
        ({"travel_before": -5}, "greater than or equal to 0"),
        ({"day": "3 Dec"}, "Enter a valid date"),
    ],
)
def test_bad_bookings_answer_400_with_the_reason(
    clinics: dict[str, Any], changes: dict[str, Any], field_text: str
) -> None:
    response = signed_in(clinics["colleague"]).post(reverse("appointment-new"),
                                                     form(clinics, **changes))  # fmt: skip
    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert Appointment.objects.count() == 0


def test_the_day_and_week_show_times_patient_type_status_and_travel(
    clinics: dict[str, Any],
) -> None:
    visit = booked(clinics, 10, "Home visit", address="1 Mill Lane", travel_before=30,
                   travel_after=15)  # fmt: skip
    day = a_weekday_ahead()
    client = signed_in(clinics["colleague"])
    for name in ("appointment-day", "appointment-week"):
        query = {"day": day.isoformat(), "practitioner": clinics["practitioner"].pk}
        response = client.get(reverse(name), query)
        assert response.status_code == 200, name
        text = response.content.decode()
        assert "10:00–10:45" in text and "Ada Fenwick" in text and "Home visit" in text
        assert "Booked" in text
        assert "09:30–10:00" in text and "Travel there" in text
        assert "10:45–11:00" in text and "Travel back" in text
        assert f'data-appointment="{visit.pk}"' in text
        assert f'href="{reverse("appointment-detail", args=[visit.pk])}"' in text, name
        assert "home_visit" not in text.replace("status-", "")  # no internal codes on screen
    whole = client.get(reverse("appointment-day"), {"day": day.isoformat()})
    assert "alice" in whole.content.decode() and "dora" in whole.content.decode()
    assert client.get(reverse("appointment-day"), {"day": "tomorrow"}).status_code == 400


def test_the_whole_clinics_week_says_how_full_each_practitioners_day_is(
    clinics: dict[str, Any],
) -> None:
    early = booked(clinics, 9)
    booked(clinics, 10, "Home visit", address="1 Mill Lane", travel_before=30)
    late = booked(clinics, 14)
    service.change_status(late, "cancel", reason="Flu")
    day = a_weekday_ahead()
    response = signed_in(clinics["colleague"]).get(
        reverse("appointment-week"), {"day": day.isoformat()}
    )
    text = response.content.decode()
    alice = clinics["practitioner"]
    # One line for alice's day: her hours (travel aside), two visits, one cancelled; it
    # opens her day. No patient is named in the clinic's overview.
    assert "09:00–10:45" in text and "2 appointments · 1 cancelled" in text
    assert f"?day={day.isoformat()}&amp;practitioner={alice.pk}" in text
    assert "Ada Fenwick" not in text
    assert text.count(f'data-practitioner="{alice.pk}"') == 1
    service.change_status(early, "cancel", reason="Flu")
    again = signed_in(clinics["colleague"]).get(
        reverse("appointment-week"), {"day": day.isoformat()}
    )
    assert "1 appointment · 2 cancelled" in again.content.decode()


def test_status_actions_and_cancellation_notice_on_the_page(clinics: dict[str, Any]) -> None:
    appointment = booked(clinics, 9)
    client = signed_in(clinics["colleague"])
    url = reverse("appointment-status", args=[appointment.pk])
    response = client.post(url, {"action": "cancel", "reason": ""})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()
    response = client.post(url, {"action": "cancel", "reason": "Flu"}, follow=True)
    assert "cancelled" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED and appointment.cancel_reason == "Flu"
    assert not appointment.cancelled_late  # a week's notice
    response = client.post(url, {"action": "done"})
    assert response.status_code == 409
    assert "cannot be marked done" in response.content.decode()


def test_reception_cannot_start_a_session_but_a_practitioner_can(clinics: dict[str, Any]) -> None:
    plan = a_plan(clinics, start=timezone.localdate() - timedelta(days=3))
    today = timezone.localdate()
    booking = service.Booking(clinics["patient"], clinics["practitioner"],
                              type_named(clinics["home"], "Treatment"), moment(today, 8),
                              plan=plan, planned_number=1)  # fmt: skip
    appointment = service.book(clinics["home"], clinics["colleague"], booking,
                               now=moment(today, 0))  # fmt: skip
    service.change_status(appointment, "arrive")
    url = reverse("appointment-start-session", args=[appointment.pk])
    reception = signed_in(clinics["colleague"])
    assert (
        "Start session"
        not in reception.get(reverse("appointment-detail", args=[appointment.pk])).content.decode()
    )
    assert reception.post(url).status_code == 403
    response = signed_in(clinics["practitioner"]).post(url)
    appointment.refresh_from_db()
    assert appointment.session is not None
    assert response.status_code == 302
    assert response["Location"] == reverse("session-detail", args=[appointment.session.pk])


def test_another_clinic_gets_404_on_every_appointment_page(clinics: dict[str, Any]) -> None:
    appointment = booked(clinics, 9)
    plan = a_plan(clinics, start=a_weekday_ahead())
    charlie = signed_in(clinics["outsider"])
    pk = appointment.pk
    for url in (
        reverse("appointment-detail", args=[pk]),
        reverse("appointment-ics", args=[pk]),
        reverse("plan-book", args=[plan.pk]),
        reverse("appointment-day") + f"?practitioner={clinics['practitioner'].pk}",
        reverse("appointment-week") + f"?practitioner={clinics['practitioner'].pk}",
        reverse("appointment-new") + f"?patient={clinics['patient'].pk}",
    ):
        assert charlie.get(url).status_code == 404, url
    for url, data in (
        (reverse("appointment-status", args=[pk]), {"action": "cancel", "reason": "x"}),
        (
            reverse("appointment-move", args=[pk]),
            {"day": a_weekday_ahead().isoformat(), "time": "11:00"},
        ),  # fmt: skip
        (reverse("appointment-start-session", args=[pk]), {}),
        (reverse("plan-book", args=[plan.pk]), {}),
    ):
        assert charlie.post(url, data).status_code == 404, url
    # Booking Ada, or with alice, from the other clinic: not found either.
    other = {**form(clinics), "type": type_named(clinics["other"], "Treatment").pk}
    assert charlie.post(reverse("appointment-new"), other).status_code == 404
    own = {**other, "patient": clinics["other_patient"].pk,
           "practitioner": clinics["practitioner"].pk}  # fmt: skip
    assert charlie.post(reverse("appointment-new"), own).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_course_booking_page_shows_limits_reviews_and_books(clinics: dict[str, Any]) -> None:
    start = a_weekday_ahead()
    plan = a_plan(clinics, start=start)
    client = signed_in(clinics["colleague"])
    url = reverse("plan-book", args=[plan.pk])
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    course = plan.course
    for cap in course.caps:
        assert cap.label in text
    for review in course.reviews:
        assert f"{review.date.day} {review.date:%b %Y}" in text
    choice = {"practitioner": clinics["practitioner"].pk,
              "type": type_named(clinics["home"], "Treatment").pk, "time": "10:00",
              "travel_before": 0, "travel_after": 0}  # fmt: skip
    post: dict[str, Any] = {**choice, "book": [s.number for s in course.sessions]}
    for s in course.sessions:
        post[f"day-{s.number}"], post[f"time-{s.number}"] = s.date.isoformat(), "10:00"
    response = client.post(url, post, follow=True)
    assert response.status_code == 200
    assert f"{len(course.sessions)} appointments booked" in response.content.decode()
    assert Appointment.objects.filter(plan=plan).count() == len(course.sessions)


def test_ics_download_and_feed_with_renewal(clinics: dict[str, Any]) -> None:
    appointment = booked(clinics, 9)
    alice = signed_in(clinics["practitioner"])
    download = alice.get(reverse("appointment-ics", args=[appointment.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/calendar")
    assert (
        "AF · Treatment" in download.content.decode() and "Fenwick" not in download.content.decode()
    )

    assert signed_in(clinics["colleague"]).get(reverse("appointment-feed")).status_code == 403
    page = alice.post(reverse("appointment-feed")).content.decode()
    first = page.split('id="feed-url">')[1].split("<")[0]
    assert "/calendar.ics" in first
    anonymous = Client()
    feed = anonymous.get(first)
    assert feed.status_code == 200 and "AF · Treatment" in feed.content.decode()
    # Shown once: the page no longer shows it.
    assert first not in alice.get(reverse("appointment-feed")).content.decode()
    page = alice.post(reverse("appointment-feed")).content.decode()
    second = page.split('id="feed-url">')[1].split("<")[0]
    assert second != first
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200


def test_the_feed_secret_stays_out_of_the_audit_trail(clinics: dict[str, Any]) -> None:
    token = service.renew_feed(clinics["practitioner"])
    assert Client().get(reverse("appointment-feed-ics", args=[token])).status_code == 200
    event = AuditEvent.objects.get(what="calendar feed")
    assert event.user == clinics["practitioner"] and event.clinic == clinics["home"]
    assert token not in event.path


def test_clinic_admins_set_their_own_types_and_rules_in_the_admin(clinics: dict[str, Any]) -> None:
    dora = clinics["admin"]
    dora.is_staff = True
    dora.save(update_fields=["is_staff"])
    admin = signed_in(dora)
    service.types_for(clinics["other"])  # the other clinic's types exist too
    page = admin.get("/admin/appointments/appointmenttype/")
    assert page.status_code == 200
    shown = {t.clinic_id for t in page.context["cl"].result_list}
    assert shown == {clinics["home"].pk} and len(page.context["cl"].result_list) == 4
    rules = admin.get("/admin/appointments/bookingrules/")
    assert [r.clinic_id for r in rules.context["cl"].result_list] == [clinics["home"].pk]
    other_type = service.types_for(clinics["other"]).first()
    assert other_type is not None
    url = f"/admin/appointments/appointmenttype/{other_type.pk}/change/"
    assert admin.get(url).status_code == 302  # Django's "no such object": back to the index
    added = admin.post("/admin/appointments/appointmenttype/add/",
                       {"name": "Cupping", "kind": "treatment", "duration_minutes": 20,
                        "price": "35.00", "active": "on"})  # fmt: skip
    assert added.status_code == 302
    assert service.types_for(clinics["home"]).get(name="Cupping").clinic == clinics["home"]
    # Practitioners and reception do not get in.
    assert (
        signed_in(clinics["colleague"]).get("/admin/appointments/appointmenttype/").status_code
        == 302
    )


def test_a_home_visit_takes_the_patients_address_and_the_course_shows_insurer_cover(
    clinics: dict[str, Any],
) -> None:
    patient = clinics["patient"]
    if not hasattr(patient, "address") or not hasattr(patient, "insurer_visits"):
        pytest.skip("patients have no address or insurer cover yet")
    patient.address, patient.insurer_visits = "12 Mill Lane\nLeeds", 6
    patient.save()
    client = signed_in(clinics["colleague"])
    page = client.get(reverse("appointment-new"), {"patient": patient.pk})
    assert "12 Mill Lane" in page.content.decode()
    visit = type_named(clinics["home"], "Home visit").pk
    response = client.post(reverse("appointment-new"), form(clinics, type=visit, address=""))
    assert response.status_code == 302
    assert Appointment.objects.get().address == "12 Mill Lane\nLeeds"

    plan = a_plan(clinics, start=a_weekday_ahead())
    text = client.get(reverse("plan-book", args=[plan.pk])).content.decode()
    planned = len(plan.course.sessions)
    assert "The insurer covers 6 visits" in text
    assert (f"{planned} planned is more than that" in text) == (planned > 6)


def test_moving_on_the_page_refuses_a_clash_and_confirms_a_move(clinics: dict[str, Any]) -> None:
    first, second = booked(clinics, 9), booked(clinics, 11)
    client = signed_in(clinics["colleague"])
    url = reverse("appointment-move", args=[second.pk])
    day = a_weekday_ahead().isoformat()
    clash = client.post(url, {"day": day, "time": "09:15"})
    assert clash.status_code == 409
    assert "Nearest free slot" in clash.content.decode()
    assert (
        f"with {first.patient}" in clash.content.decode()
        and "09:00–09:30" in clash.content.decode()
    )
    moved = client.post(url, {"day": day, "time": "14:00"}, follow=True)
    assert (
        "Appointment moved to" in moved.content.decode() and "at 14:00." in moved.content.decode()
    )
    second.refresh_from_db()
    assert second.starts_at == moment(a_weekday_ahead(), 14)
    event = AuditEvent.objects.get(what=f"appointment {second.pk} moved")
    assert [old[-5:] for old in event.changes["Starts"]] == ["11:00", "14:00"]


def test_a_status_change_is_audited_with_the_old_and_new_status(clinics: dict[str, Any]) -> None:
    appointment = booked(clinics, 9)
    client = signed_in(clinics["colleague"])
    url = reverse("appointment-status", args=[appointment.pk])
    assert client.post(url, {"action": "cancel", "reason": "Flu"}).status_code == 302
    event = AuditEvent.objects.get(what=f"appointment {appointment.pk} cancel")
    assert event.changes == {"Status": ["Booked", "Cancelled"]}


def test_reception_sees_the_course_but_no_link_into_clinical_notes(
    clinics: dict[str, Any],
) -> None:
    plan = a_plan(clinics, start=a_weekday_ahead())
    appointment = booked(clinics, 9, plan=plan, planned_number=1)
    detail = reverse("appointment-detail", args=[appointment.pk])
    reception = signed_in(clinics["colleague"]).get(detail).content.decode()
    practitioner = signed_in(clinics["practitioner"]).get(detail).content.decode()
    plan_url = f'href="{reverse("plan-detail", args=[plan.pk])}"'
    assert plan_url not in reception and plan_url in practitioner
    assert reverse("plan-book", args=[plan.pk]) in reception
