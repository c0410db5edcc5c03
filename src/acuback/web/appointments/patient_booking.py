"""What a patient may do with their own appointments from the portal.

Everything goes through the appointment book's own rules (`service`): the free times a
patient is offered come from the same opening hours, slot grid and blocked time (travel
included) the book uses, a booking is `service.book` (which locks the practitioner, so two
patients clicking the same time book it once) and a cancellation is
`service.change_status`, recorded exactly as the clinic's own.

The patient's part:

- They book the clinic's active first assessments, treatments and reviews, from today up to
  BOOKING_WEEKS ahead. A home visit is asked for, not booked: the clinic judges the travel
  and books it (or declines) from the request.
- They cancel online only while the appointment starts more than the clinic's notice
  (`BookingRules.cancellation_notice_hours`) from now; nearer to it, they phone the clinic.
- Every lookup is scoped to the patient: another patient's appointment is NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from acuback.clinical.base import InputError, spoken
from acuback.web.appointments import service
from acuback.web.appointments.models import (
    Appointment,
    AppointmentType,
    BookingRules,
    HomeVisitRequest,
    Kind,
    RequestStatus,
    Status,
    TimeOfDay,
)
from acuback.web.care.models import PlanRecord
from acuback.web.clinics.models import Clinic, Patient
from acuback.web.prebuilt import Prepared

BOOKABLE_KINDS = (Kind.FIRST_ASSESSMENT, Kind.TREATMENT, Kind.REVIEW)
BOOKING_WEEKS = 8
# A home visit may be asked for up to this far ahead.
REQUEST_WEEKS = 12
CANCELLED_BY_PATIENT = "Cancelled by the patient online."
# Booked, or the patient has arrived and it is under way: not yet in the past.
STILL_TO_COME = (Status.BOOKED, Status.ARRIVED)
# A course runs at most twice a week: more coming visits than this, booked online, are a
# mistake (or a script), and the clinic books beyond it.
MAX_COMING = 12


class TooLateToCancel(Exception):
    """Inside the clinic's notice: the patient is asked to phone instead."""


class RequestClosed(Exception):
    """The home-visit request is already booked or declined."""


# --- reading ----------------------------------------------------------------------------


def upcoming(patient: Patient, now: datetime | None = None) -> QuerySet[Appointment]:
    now = now or timezone.now()
    return (
        Appointment.objects.filter(patient=patient, ends_at__gt=now, status__in=STILL_TO_COME)
        .select_related("type", "practitioner")
        .order_by("starts_at", "id")
    )


def past(patient: Patient, now: datetime | None = None, limit: int = 20) -> list[Appointment]:
    """The patient's last appointments: gone by, or cancelled, newest first."""
    now = now or timezone.now()
    found = (
        Appointment.objects.filter(patient=patient)
        .exclude(ends_at__gt=now, status__in=STILL_TO_COME)
        .select_related("type", "practitioner")
        .order_by("-starts_at", "-id")
    )
    return list(found[:limit])


def appointment_of(patient: Patient, appointment_id: int) -> Appointment:
    """The patient's own appointment, or NotFound (another patient's is not found either)."""
    found = (
        Appointment.objects.select_related("type", "practitioner", "clinic")
        .filter(patient=patient, clinic_id=patient.clinic_id, pk=appointment_id)
        .first()
    )
    if found is None:
        raise service.NotFound(f"no appointment {appointment_id}")
    return found


def where(appointment: Appointment) -> str:
    return appointment.address or f"At {appointment.clinic.name}"


# --- cancelling ---------------------------------------------------------------------------


def cancel_deadline(appointment: Appointment, rules: BookingRules) -> datetime:
    return appointment.starts_at - timedelta(hours=rules.cancellation_notice_hours)


def can_cancel_online(
    appointment: Appointment, rules: BookingRules, now: datetime | None = None
) -> bool:
    now = now or timezone.now()
    return appointment.status == Status.BOOKED and now < cancel_deadline(appointment, rules)


def cancel(patient: Patient, appointment_id: int, now: datetime | None = None) -> Appointment:
    """Cancel the patient's own booked appointment, if the clinic's notice allows it."""
    now = now or timezone.now()
    appointment = appointment_of(patient, appointment_id)
    rules = service.rules_for(patient.clinic)
    if appointment.status != Status.BOOKED:
        raise service.TransitionRefused("This appointment is no longer booked.")
    if not can_cancel_online(appointment, rules, now):
        raise TooLateToCancel(
            f"{patient.clinic.name} asks for {rules.cancellation_notice_hours} hours' notice "
            "to cancel online. Please phone the clinic to cancel or change this appointment."
        )
    return service.change_status(appointment, "cancel", CANCELLED_BY_PATIENT, now)


# --- booking ------------------------------------------------------------------------------


def bookable_types(clinic: Clinic) -> QuerySet[AppointmentType]:
    return (
        service.types_for(clinic)
        .filter(kind__in=BOOKABLE_KINDS)
        .order_by("duration_minutes", "name")
    )


def bookable_type(clinic: Clinic, type_id: int) -> AppointmentType:
    found = bookable_types(clinic).filter(pk=type_id).first()
    if found is None:
        raise InputError("type", "Choose one of the appointments offered.")
    return found


def last_day(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now()) + timedelta(weeks=BOOKING_WEEKS)


def check_day(day: date, now: datetime | None = None) -> None:
    today = timezone.localdate(now or timezone.now())
    if day < today:
        raise InputError("day", "This day has passed: choose today or a later day.")
    if day > last_day(now):
        raise InputError(
            "day",
            f"Appointments can be booked online up to {BOOKING_WEEKS} weeks ahead, "
            f"until {spoken(last_day(now))}. Phone the clinic for a later date.",
        )


@dataclass(frozen=True)
class FreeTime:
    starts_at: datetime
    practitioner: User

    @property
    def key(self) -> str:
        """What the page sends back: who and when, e.g. '7@2026-01-02T09:00'."""
        return f"{self.practitioner.pk}@{service.local(self.starts_at):%Y-%m-%dT%H:%M}"


def free_times(
    clinic: Clinic,
    type_: AppointmentType,
    day: date,
    practitioner: User | None = None,
    now: datetime | None = None,
) -> list[FreeTime]:
    """Every start on the clinic's grid that day when a practitioner is free, in time order.

    Without a chosen practitioner each time is offered once, with the first practitioner
    free then. The book's own rules decide: `check_slot` (opening hours, grid, not past)
    and the practitioner's blocked time, travel to and from home visits included.
    """
    now = now or timezone.now()
    check_day(day, now)
    rules = service.rules_for(clinic)
    who = [practitioner] if practitioner is not None else list(service.practitioners_of(clinic))
    slot = service.Slot(service.at(day, time(0)), type_.duration_minutes)
    # One read per practitioner: their blocked time around the day (travel may reach in).
    margin = timedelta(minutes=service.MAX_TRAVEL_MINUTES)
    first, last = service.at(day, time(0)) - margin, service.at(day + timedelta(days=1), time(0))
    taken = {
        p.pk: list(service.blocking(p).filter(starts_at__lt=last + margin, ends_at__gt=first))
        for p in who
    }
    found: dict[datetime, FreeTime] = {}
    for start in service.day_starts(rules, day, slot):
        trial = slot.at(start)
        try:
            service.check_slot(rules, trial, now)
        except InputError:
            continue
        for person in who:
            if start in found:
                break
            if not any(
                t.blocked_from < trial.blocked_until and trial.blocked_from < t.blocked_until
                for t in taken[person.pk]
            ):
                found[start] = FreeTime(start, person)
    return [found[start] for start in sorted(found)]


def read_key(clinic: Clinic, key: str) -> tuple[User, datetime]:
    """The practitioner and start a free-time key names, or InputError."""
    who, _, moment = key.partition("@")
    try:
        practitioner_id = int(who)
        starts = datetime.strptime(moment, "%Y-%m-%dT%H:%M")
    except ValueError as exc:
        raise InputError("slot", "Choose one of the free times.") from exc
    try:
        practitioner = service.practitioner_in(clinic, practitioner_id)
    except service.NotFound as exc:
        raise InputError("slot", "Choose one of the free times.") from exc
    return practitioner, timezone.make_aware(starts)


def current_plan(patient: Patient) -> PlanRecord | None:
    """The patient's newest plan: a booking of theirs belongs to the course now running."""
    return PlanRecord.objects.filter(patient=patient).order_by("-created", "-id").first()


def book(
    patient: Patient,
    user: User,
    type_: AppointmentType,
    practitioner: User,
    starts_at: datetime,
    now: datetime | None = None,
) -> Appointment:
    """Book for the patient by their own account; InputError or service.Clash otherwise."""
    now = now or timezone.now()
    clinic = patient.clinic
    type_ = bookable_type(clinic, type_.pk)
    check_day(service.local(starts_at).date(), now)
    booking = service.Booking(
        patient=patient,
        practitioner=practitioner,
        type=type_,
        starts_at=starts_at,
        plan=current_plan(patient),
    )
    with transaction.atomic():
        # Locked so that two tabs booking two practitioners at once are checked in turn.
        Patient.objects.select_for_update().filter(pk=patient.pk).get()
        check_own_book(patient, service.local(starts_at).date(), now)
        return service.book(clinic, user, booking, now)


def check_own_book(patient: Patient, day: date, now: datetime) -> None:
    """One visit a day, and at most MAX_COMING ahead, for a patient booking online."""
    coming = list(
        Appointment.objects.filter(patient=patient, status__in=STILL_TO_COME, ends_at__gt=now)
    )
    if any(service.local(a.starts_at).date() == day for a in coming):
        raise InputError(
            "starts_at",
            "You already have an appointment on that day. To change it, cancel it first "
            "or phone the clinic.",
        )
    if len(coming) >= MAX_COMING:
        raise InputError(
            "starts_at",
            f"You already have {MAX_COMING} appointments booked. The clinic can book more "
            "with you.",
        )


# --- home visits --------------------------------------------------------------------------


def requests_of(patient: Patient) -> QuerySet[HomeVisitRequest]:
    return HomeVisitRequest.objects.filter(patient=patient).select_related("appointment")


def ask_for_home_visit(
    patient: Patient,
    user: User,
    address: str,
    earliest: date,
    latest: date | None,
    time_of_day: str,
    note: str,
    now: datetime | None = None,
) -> HomeVisitRequest:
    today = timezone.localdate(now or timezone.now())
    address = address.strip()
    if not address:
        raise InputError("address", "Write the address where you would like the visit.")
    if earliest < today:
        raise InputError("earliest", "This day has passed: choose today or a later day.")
    horizon = today + timedelta(weeks=REQUEST_WEEKS)
    if earliest > horizon:
        raise InputError(
            "earliest", f"Ask for a day up to {REQUEST_WEEKS} weeks ahead, until {spoken(horizon)}."
        )
    if latest is not None and latest < earliest:
        raise InputError("latest", "The last day that suits you cannot be before the first.")
    if latest is not None and latest > horizon + timedelta(weeks=4):
        raise InputError("latest", "Choose a last day within about three months.")
    if time_of_day not in TimeOfDay.values:
        raise InputError("time_of_day", "Choose a time of day.")
    with transaction.atomic():
        # One waiting request at a time: a second click must not book two visits.
        Patient.objects.select_for_update().filter(pk=patient.pk).get()
        if HomeVisitRequest.objects.filter(patient=patient, status=RequestStatus.WAITING).exists():
            raise InputError(
                "note",
                "You have already asked for a home visit and the clinic has not answered "
                "yet. To change it, send the clinic a message or phone them.",
            )
        return HomeVisitRequest.objects.create(
            clinic=patient.clinic,
            patient=patient,
            address=address,
            earliest=earliest,
            latest=latest,
            time_of_day=time_of_day,
            note=note.strip(),
            created_by=user,
        )


def waiting_requests(clinic: Clinic) -> list[HomeVisitRequest]:
    """Requests the clinic has still to book or decline, oldest first."""
    return _waiting(clinic=clinic.pk)


@Prepared
def _waiting(clinic: int) -> QuerySet[HomeVisitRequest]:
    return (
        HomeVisitRequest.objects.filter(clinic=clinic, status=RequestStatus.WAITING)
        .select_related("patient")
        .order_by("created", "id")
    )


def request_in(clinic: Clinic, request_id: int) -> HomeVisitRequest:
    found = (
        HomeVisitRequest.objects.select_related("patient", "appointment", "decided_by")
        .filter(clinic=clinic, pk=request_id)
        .first()
    )
    if found is None:
        raise service.NotFound(f"no home visit request {request_id}")
    return found


def home_visit_type(clinic: Clinic) -> AppointmentType:
    found = service.types_for(clinic).filter(kind=Kind.HOME_VISIT).first()
    if found is None:
        raise InputError("type", "The clinic offers no home visit: add the type in the admin.")
    return found


def book_request(
    request: HomeVisitRequest,
    user: User,
    practitioner: User,
    starts_at: datetime,
    travel_before: int,
    travel_after: int,
    now: datetime | None = None,
) -> Appointment:
    """Book the asked-for home visit at the request's address; the request is then booked."""
    now = now or timezone.now()
    clinic = request.clinic
    with transaction.atomic():
        current = HomeVisitRequest.objects.select_for_update().get(pk=request.pk)
        if current.status != RequestStatus.WAITING:
            raise RequestClosed(f"This request is already {current.get_status_display().lower()}.")
        booking = service.Booking(
            patient=current.patient,
            practitioner=practitioner,
            type=home_visit_type(clinic),
            starts_at=starts_at,
            address=current.address,
            travel_before=travel_before,
            travel_after=travel_after,
            plan=current_plan(current.patient),
        )
        appointment = service.book(clinic, user, booking, now)
        current.status, current.appointment = RequestStatus.BOOKED, appointment
        current.decided_at, current.decided_by = now, user
        current.save(update_fields=["status", "appointment", "decided_at", "decided_by"])
        return appointment


def decline_request(
    request: HomeVisitRequest, user: User, reason: str, now: datetime | None = None
) -> HomeVisitRequest:
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise InputError("reason", "Say why, in words the patient will read.")
    with transaction.atomic():
        current = HomeVisitRequest.objects.select_for_update().get(pk=request.pk)
        if current.status != RequestStatus.WAITING:
            raise RequestClosed(f"This request is already {current.get_status_display().lower()}.")
        current.status, current.decline_reason = RequestStatus.DECLINED, reason
        current.decided_at, current.decided_by = now, user
        current.save(update_fields=["status", "decline_reason", "decided_at", "decided_by"])
        return current
