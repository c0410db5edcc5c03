"""The appointment book's rules, straight on the service: overlaps with travel, opening
hours, scope, status transitions, notice, sessions, course booking, calendar feeds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from acuback.clinical.base import InputError
from acuback.web.appointments import service
from acuback.web.appointments.models import AppointmentType, Kind, Status
from acuback.web.appointments.service import Booking, Clash, NotFound, TransitionRefused
from acuback.web.care.models import SessionRecord
from tests.appointments_helpers import a_plan, a_weekday_ahead, moment, type_named

pytestmark = pytest.mark.django_db


def book(clinics: dict[str, Any], start: Any, type_name: str = "Treatment", **kw: Any) -> Any:
    clinic = clinics["home"]
    booking = Booking(
        patient=kw.pop("patient", clinics["patient"]),
        practitioner=kw.pop("practitioner", clinics["practitioner"]),
        type=type_named(clinic, type_name),
        starts_at=start,
        **kw,
    )
    return service.book(clinic, clinics["colleague"], booking)


def test_rules_and_types_are_made_with_defaults_on_first_use(clinics: dict[str, Any]) -> None:
    rules = service.rules_for(clinics["home"])
    assert (rules.cancellation_notice_hours, rules.reminder_hours_before) == (24, 24)
    assert (f"{rules.opens:%H:%M}", f"{rules.closes:%H:%M}", rules.slot_minutes) == (
        "08:00",
        "18:00",
        15,
    )
    types = {t.name: (t.kind, t.duration_minutes) for t in service.types_for(clinics["home"])}
    assert types == {
        "First assessment": (Kind.FIRST_ASSESSMENT, 60),
        "Treatment": (Kind.TREATMENT, 30),
        "Review": (Kind.REVIEW, 30),
        "Home visit": (Kind.HOME_VISIT, 45),
    }
    # Asking again changes nothing; each clinic has its own.
    assert service.types_for(clinics["home"]).count() == 4
    assert service.rules_for(clinics["home"]).pk == rules.pk
    assert service.types_for(clinics["other"]).count() == 4


def test_an_overlap_is_refused_naming_the_appointment_and_the_nearest_free_slot(
    clinics: dict[str, Any],
) -> None:
    day = a_weekday_ahead()
    first = book(clinics, moment(day, 9, 0))
    assert (first.starts_at, first.ends_at) == (moment(day, 9), moment(day, 9, 30))
    with pytest.raises(Clash) as refused:
        book(clinics, moment(day, 9, 15))
    assert refused.value.existing == first
    assert refused.value.nearest == moment(day, 9, 30)
    assert "Ada Fenwick" in str(refused.value) and "09:00–09:30" in str(refused.value)
    assert "Nearest free slot" in str(refused.value)
    # Back to back is fine: 09:30 starts as 09:00's appointment ends.
    book(clinics, moment(day, 9, 30))
    # The same time with another practitioner is fine too.
    book(clinics, moment(day, 9, 0), practitioner=clinics["admin"])


def test_travel_before_and_after_a_home_visit_blocks_the_practitioner(
    clinics: dict[str, Any],
) -> None:
    day = a_weekday_ahead()
    visit = book(clinics, moment(day, 10), "Home visit", address="1 Mill Lane",
                 travel_before=30, travel_after=20)  # fmt: skip
    assert (visit.blocked_from, visit.blocked_until) == (moment(day, 9, 30), moment(day, 11, 5))
    # Ending as the travel begins is fine ...
    book(clinics, moment(day, 9, 0))
    # ... but not starting during the travel back, though the visit itself has ended.
    with pytest.raises(Clash) as refused:
        book(clinics, moment(day, 11, 0))
    assert refused.value.existing == visit
    assert refused.value.nearest == moment(day, 11, 15)
    assert "with travel, 09:30–11:05" in str(refused.value)
    # A new home visit's own travel there may not run into an earlier appointment.
    with pytest.raises(Clash):
        book(clinics, moment(day, 11, 30), "Home visit", address="2 Mill Lane",
             travel_before=30)  # fmt: skip
    book(clinics, moment(day, 11, 30), "Home visit", address="2 Mill Lane", travel_before=25)


def test_travel_only_counts_for_home_visits(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    at_clinic = book(clinics, moment(day, 9), travel_before=60, travel_after=60)
    assert (at_clinic.travel_before_minutes, at_clinic.travel_after_minutes) == (0, 0)
    assert at_clinic.address == ""


def test_a_home_visit_needs_an_address(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    if hasattr(clinics["patient"], "address"):
        clinics["patient"].address = ""
        clinics["patient"].save()
    with pytest.raises(InputError) as refused:
        book(clinics, moment(day, 9), "Home visit")
    assert refused.value.field == "address"


def test_a_cancelled_appointment_frees_its_time(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    first = book(clinics, moment(day, 9))
    service.change_status(first, "cancel", "Patient unwell")
    assert book(clinics, moment(day, 9)).pk != first.pk


@pytest.mark.parametrize(
    ("hh", "mm", "type_name"),
    [(7, 45, "Treatment"), (17, 45, "Treatment"), (17, 15, "First assessment"), (20, 0, "Review")],
)
def test_outside_opening_hours_is_refused(
    clinics: dict[str, Any], hh: int, mm: int, type_name: str
) -> None:
    with pytest.raises(InputError) as refused:
        book(clinics, moment(a_weekday_ahead(), hh, mm), type_name)
    assert refused.value.field == "time"
    assert "08:00 to 18:00" in refused.value.message


def test_the_last_slot_ends_at_closing_time(clinics: dict[str, Any]) -> None:
    appointment = book(clinics, moment(a_weekday_ahead(), 17, 30))
    assert timezone.localtime(appointment.ends_at).strftime("%H:%M") == "18:00"


def test_a_new_booking_cannot_start_in_the_past(clinics: dict[str, Any]) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(InputError) as refused:
        book(clinics, moment(yesterday, 10))
    assert refused.value.field == "time" and "passed" in refused.value.message


def test_another_clinics_patient_or_practitioner_is_not_found(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    with pytest.raises(NotFound):
        book(clinics, moment(day, 9), patient=clinics["other_patient"])
    with pytest.raises(NotFound):
        book(clinics, moment(day, 9), practitioner=clinics["outsider"])
    # Reception cannot be booked as the practitioner.
    with pytest.raises(NotFound):
        book(clinics, moment(day, 9), practitioner=clinics["colleague"])
    with pytest.raises(NotFound):
        service.practitioner_in(clinics["home"], clinics["outsider"].pk)
    with pytest.raises(NotFound):
        service.patient_in(clinics["home"], clinics["other_patient"].pk)


def test_a_duration_that_is_not_positive_is_refused(clinics: dict[str, Any]) -> None:
    broken = AppointmentType(
        clinic=clinics["home"], name="Broken", kind=Kind.TREATMENT, duration_minutes=0
    )
    booking = Booking(clinics["patient"], clinics["practitioner"], broken,
                      moment(a_weekday_ahead(), 9))  # fmt: skip
    with pytest.raises(InputError) as refused:
        service.book(clinics["home"], clinics["colleague"], booking)
    assert refused.value.field == "type"
    with pytest.raises(InputError):
        rules = service.rules_for(clinics["home"])
        service.check_slot(rules, service.Slot(moment(a_weekday_ahead(), 9), -15), timezone.now())


def test_status_follows_the_visit_and_final_states_stay_final(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    appointment = book(clinics, moment(day, 9))
    assert service.allowed_actions(appointment) == ["arrive", "cancel"]  # no "did not attend" yet
    with pytest.raises(TransitionRefused):
        service.change_status(appointment, "done")
    appointment = service.change_status(appointment, "arrive")
    assert appointment.status == Status.ARRIVED
    assert service.allowed_actions(appointment) == ["done"]
    with pytest.raises(TransitionRefused):
        service.change_status(appointment, "cancel", "changed mind")
    appointment = service.change_status(appointment, "done")
    assert appointment.status == Status.DONE
    for action in ("arrive", "no_show", "cancel", "done"):
        with pytest.raises(TransitionRefused):
            service.change_status(appointment, action, "reason")

    cancelled = service.change_status(book(clinics, moment(day, 10)), "cancel", "Flu")
    with pytest.raises(TransitionRefused):
        service.change_status(cancelled, "done")
    with pytest.raises(TransitionRefused):
        service.change_status(cancelled, "arrive")


def test_did_not_attend_only_once_the_time_has_come(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    appointment = book(clinics, moment(day, 9))
    with pytest.raises(TransitionRefused):
        service.change_status(appointment, "no_show")
    marked = service.change_status(appointment, "no_show", now=moment(day, 9, 20))
    assert marked.status == Status.NO_SHOW
    assert "no_show" not in service.allowed_actions(marked, now=moment(day, 10))


def test_cancelling_needs_a_reason_and_records_the_notice(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    early, late = book(clinics, moment(day, 9)), book(clinics, moment(day, 11))
    with pytest.raises(InputError) as refused:
        service.change_status(early, "cancel", "   ")
    assert refused.value.field == "reason"

    early = service.change_status(
        early, "cancel", "Holiday", now=moment(day, 9) - timedelta(hours=48)
    )
    assert (early.status, early.cancel_reason) == (Status.CANCELLED, "Holiday")
    assert early.cancel_notice_hours == Decimal("48.0") and not early.cancelled_late
    assert early.cancelled_at == moment(day, 9) - timedelta(hours=48)

    late = service.change_status(late, "cancel", "Car broke down",
                                 now=moment(day, 11) - timedelta(hours=10, minutes=30))  # fmt: skip
    assert late.cancel_notice_hours == Decimal("10.5") and late.cancelled_late
    # Exactly the clinic's notice is on time.
    exact = service.change_status(book(clinics, moment(day, 14)), "cancel", "Work",
                                  now=moment(day, 14) - timedelta(hours=24))  # fmt: skip
    assert not exact.cancelled_late


def test_moving_keeps_length_and_travel_and_refuses_a_clash(clinics: dict[str, Any]) -> None:
    day = a_weekday_ahead()
    visit = book(clinics, moment(day, 10), "Home visit", address="1 Mill Lane",
                 travel_before=30, travel_after=30)  # fmt: skip
    other = book(clinics, moment(day, 14))
    with pytest.raises(Clash) as refused:
        service.move(visit, moment(day, 13, 0))  # travel back would run into 14:00
    assert refused.value.existing == other
    moved = service.move(visit, moment(day, 12, 30))
    assert (moved.blocked_from, moved.blocked_until) == (moment(day, 12), moment(day, 13, 45))
    # Moving onto its own old time is no clash with itself.
    service.move(moved, moment(day, 12, 45))
    service.change_status(other, "cancel", "Flu")
    with pytest.raises(TransitionRefused):
        service.move(other, moment(day, 16))


def test_starting_a_session_opens_the_plans_next_and_links_it(clinics: dict[str, Any]) -> None:
    plan = a_plan(clinics, start=timezone.localdate() - timedelta(days=3))
    today = timezone.localdate()
    booking = Booking(clinics["patient"], clinics["practitioner"],
                      type_named(clinics["home"], "Treatment"), moment(today, 8),
                      plan=plan, planned_number=1)  # fmt: skip
    # Booked earlier in the day, for 08:00 today.
    appointment = service.book(clinics["home"], clinics["colleague"], booking,
                               now=moment(today, 0))  # fmt: skip
    with pytest.raises(service.NotPermitted):
        service.start_session(appointment, clinics["colleague"], "reception")
    with pytest.raises(TransitionRefused):
        service.start_session(appointment, clinics["practitioner"], "practitioner")
    appointment = service.change_status(appointment, "arrive")
    appointment = service.start_session(appointment, clinics["practitioner"], "practitioner")
    assert isinstance(appointment.session, SessionRecord)
    assert (appointment.session.plan, appointment.session.day) == (plan, today)
    assert appointment.session.number == 1
    with pytest.raises(TransitionRefused):
        service.start_session(appointment, clinics["practitioner"], "practitioner")


def test_a_course_is_proposed_per_planned_session_and_booked_together(
    clinics: dict[str, Any],
) -> None:
    start = a_weekday_ahead()
    plan = a_plan(clinics, start=start)
    planned = plan.course.sessions
    treatment = type_named(clinics["home"], "Treatment")
    blocker = book(clinics, moment(planned[1].date, 9, 15))
    proposal = service.propose_course(
        plan, clinics["practitioner"], treatment, moment(start, 9).time()
    )
    assert [p.number for p in proposal.proposals] == [s.number for s in planned]
    assert [p.planned for p in proposal.proposals] == [s.date for s in planned]
    second = proposal.proposals[1]
    assert second.clash == blocker and not second.free
    # 08:45-09:15 ends as the 09:15 appointment begins: 15 minutes from 09:00.
    assert second.nearest == moment(planned[1].date, 8, 45)
    assert all(p.free for i, p in enumerate(proposal.proposals) if i != 1)

    # Booking the clashing one unadjusted books nothing at all.
    chosen = [(p.number, p.starts_at) for p in proposal.proposals]
    with pytest.raises(Clash):
        service.book_course(clinics["home"], clinics["colleague"], plan,
                            clinics["practitioner"], treatment, chosen)  # fmt: skip
    assert plan.appointments.count() == 0

    chosen[1] = (second.number, second.nearest)
    booked = service.book_course(clinics["home"], clinics["colleague"], plan,
                                 clinics["practitioner"], treatment, chosen)  # fmt: skip
    assert [a.planned_number for a in booked] == [s.number for s in planned]
    assert booked[1].starts_at == moment(planned[1].date, 8, 45)
    # Booked sessions are not proposed again, nor booked twice.
    again = service.propose_course(
        plan, clinics["practitioner"], treatment, moment(start, 9).time()
    )
    assert again.proposals == [] and again.already_booked == len(planned)
    with pytest.raises(InputError):
        service.book_course(clinics["home"], clinics["colleague"], plan,
                            clinics["practitioner"], treatment, chosen[:1])  # fmt: skip


def test_the_feed_token_is_kept_hashed_and_renewal_invalidates_the_old(
    clinics: dict[str, Any],
) -> None:
    alice = clinics["practitioner"]
    first = service.renew_feed(alice)
    assert service.feed_owner(first) == alice
    assert first not in alice.calendar_feed.token_hash
    second = service.renew_feed(alice)
    assert service.feed_owner(second) == alice
    with pytest.raises(NotFound):
        service.feed_owner(first)
    with pytest.raises(NotFound):
        service.feed_owner("guessed")


def test_a_calendar_says_initials_and_type_only(clinics: dict[str, Any]) -> None:
    from icalendar import Calendar

    day = a_weekday_ahead()
    visit = book(clinics, moment(day, 10), "Home visit", address="1 Mill Lane, Leeds",
                 travel_before=30, travel_after=15)  # fmt: skip
    text = service.ics([visit], "Home Clinic")
    calendar = Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    summaries = sorted(str(e["SUMMARY"]) for e in events)
    assert summaries == ["AF · Home visit", "Travel (after a home visit)",
                         "Travel (before a home visit)"]  # fmt: skip
    main = next(e for e in events if str(e["SUMMARY"]) == "AF · Home visit")
    assert main.decoded("DTSTART") == visit.starts_at
    assert main.decoded("DTEND") == visit.ends_at
    body = text.decode()
    for secret in ("Fenwick", "Ada", "Mill Lane", "Leeds"):
        assert secret not in body


def test_a_start_off_the_clinics_grid_is_refused(clinics: dict[str, Any]) -> None:
    with pytest.raises(InputError) as refused:
        book(clinics, moment(a_weekday_ahead(), 9, 7))
    assert refused.value.message == "Appointments start every 15 minutes from 08:00."


def test_notice_reads_as_a_person_would_say_it(clinics: dict[str, Any]) -> None:
    from acuback.web.appointments.presenters import notice

    appointment = book(clinics, moment(a_weekday_ahead(), 9))
    for hours, said in (("1.0", "1 hour's notice"), ("10.5", "10.5 hours' notice"),
                        ("30.0", "30 hours' notice"), ("176.1", "7 days' notice")):  # fmt: skip
        appointment.cancel_notice_hours = Decimal(hours)
        assert notice(appointment) == said
