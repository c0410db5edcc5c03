"""The appointment book's rules. Views call these and stay thin.

Services raise domain errors (NotFound, InputError, Clash, TransitionRefused,
NotPermitted) and never an HTTP response; the views turn them into 404, 409 or 400.

No double booking: a practitioner's time is blocked from `starts_at - travel before` to
`ends_at + travel after` of every appointment that is not cancelled. Booking and moving
check for an overlap inside one transaction that first locks the practitioner's
Membership row (`select_for_update` on PostgreSQL; on SQLite every transaction takes the
write lock when it begins), so two simultaneous requests for one slot cannot both pass.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from acuback.clinical.base import InputError, spoken
from acuback.web.appointments.models import (
    Appointment,
    AppointmentType,
    BookingRules,
    CalendarFeed,
    Kind,
    Status,
)
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord
from acuback.web.clinics.models import Clinic, Membership, Patient, Role

BOOKING_ROLES = (Role.PRACTITIONER, Role.ADMIN)
CLINICAL_ROLES = (Role.PRACTITIONER, Role.ADMIN)
# How far from the asked-for time the nearest free slot is looked for.
SEARCH_DAYS = 14
MAX_TRAVEL_MINUTES = 240

DEFAULT_TYPES = (
    ("First assessment", Kind.FIRST_ASSESSMENT, 60),
    ("Treatment", Kind.TREATMENT, 30),
    ("Review", Kind.REVIEW, 30),
    ("Home visit", Kind.HOME_VISIT, 45),
)


class NotFound(Exception):
    """No such record in this clinic (another clinic's record is not found either)."""


class NotPermitted(Exception):
    """The user's role may not do this (reception does not open clinical sessions)."""


class TransitionRefused(Exception):
    """The appointment's status does not allow this change."""


class Clash(Exception):
    """The practitioner's time is taken; says by what, and the nearest free start."""

    def __init__(self, wanted: datetime, existing: Appointment, nearest: datetime | None) -> None:
        self.wanted, self.existing, self.nearest = wanted, existing, nearest
        super().__init__(clash_message(existing, nearest))


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def hm(moment: datetime) -> str:
    return f"{local(moment):%H:%M}"


def when(moment: datetime) -> str:
    """'3 Dec 2026 at 09:00', as messages show a moment."""
    return f"{spoken(local(moment).date())} at {hm(moment)}"


def practitioner_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def clash_message(existing: Appointment, nearest: datetime | None) -> str:
    text = (
        f"{practitioner_name(existing.practitioner)} is already booked: {existing.type.name} "
        f"with {existing.patient} on {spoken(local(existing.starts_at).date())}, "
        f"{hm(existing.starts_at)}–{hm(existing.ends_at)}"
    )
    if existing.travel_before_minutes or existing.travel_after_minutes:
        text += f" (with travel, {hm(existing.blocked_from)}–{hm(existing.blocked_until)})"
    text += "."
    if nearest is None:
        return text + f" No free time in the {SEARCH_DAYS} days around it."
    return text + f" Nearest free slot: {when(nearest)}."


# --- the clinic's rules, types and people ----------------------------------------------


def rules_for(clinic: Clinic) -> BookingRules:
    return BookingRules.objects.get_or_create(clinic=clinic)[0]


def types_for(clinic: Clinic, *, active_only: bool = True) -> QuerySet[AppointmentType]:
    """The clinic's appointment types; the four usual ones are created on first use."""
    if not AppointmentType.objects.filter(clinic=clinic).exists():
        for name, kind, minutes in DEFAULT_TYPES:
            AppointmentType.objects.get_or_create(
                clinic=clinic, name=name, defaults={"kind": kind, "duration_minutes": minutes}
            )
    types = AppointmentType.objects.filter(clinic=clinic)
    return types.filter(active=True) if active_only else types


def practitioners_of(clinic: Clinic) -> QuerySet[User]:
    return User.objects.filter(
        membership__clinic=clinic, membership__role__in=BOOKING_ROLES, is_active=True
    ).order_by("last_name", "first_name", "username")


def practitioner_in(clinic: Clinic, user_id: int) -> User:
    found = practitioners_of(clinic).filter(pk=user_id).first()
    if found is None:
        raise NotFound(f"no practitioner {user_id}")
    return found


def patient_in(clinic: Clinic, patient_id: int) -> Patient:
    found = Patient.objects.filter(clinic=clinic, pk=patient_id).first()
    if found is None:
        raise NotFound(f"no patient {patient_id}")
    return found


def type_in(clinic: Clinic, type_id: int) -> AppointmentType:
    found = types_for(clinic, active_only=False).filter(pk=type_id).first()
    if found is None:
        raise NotFound(f"no appointment type {type_id}")
    return found


def appointment_in(clinic: Clinic, appointment_id: int) -> Appointment:
    found = (
        Appointment.objects.select_related("patient", "practitioner", "type", "plan", "session")
        .filter(clinic=clinic, pk=appointment_id)
        .first()
    )
    if found is None:
        raise NotFound(f"no appointment {appointment_id}")
    return found


def plan_in(clinic: Clinic, plan_id: int) -> PlanRecord:
    found = PlanRecord.objects.select_related("patient").filter(clinic=clinic, pk=plan_id).first()
    if found is None:
        raise NotFound(f"no plan {plan_id}")
    return found


def patient_address(patient: Patient) -> str:
    # Registration adds `address` to Patient; until it exists a home visit's is typed in.
    return str(getattr(patient, "address", "") or "")


def visits_covered(patient: Patient) -> int | None:
    """The visits the patient's insurer covers, once registration records them."""
    for name in ("visits_covered", "insurer_visits"):
        value = getattr(patient, name, None)
        if value is not None:
            return int(value)
    return None


# --- time: opening hours, the slot grid, blocked time ------------------------------------


def at(day: date, clock: time) -> datetime:
    """The aware moment of a local date and time in the clinic's time zone."""
    return timezone.make_aware(datetime.combine(day, clock))


@dataclass(frozen=True)
class Slot:
    """What a booking would block: the visit, and the travel either side of it."""

    starts_at: datetime
    minutes: int
    travel_before: int = 0
    travel_after: int = 0

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def blocked_from(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.travel_before)

    @property
    def blocked_until(self) -> datetime:
        return self.ends_at + timedelta(minutes=self.travel_after)

    def at(self, starts_at: datetime) -> Slot:
        return Slot(starts_at, self.minutes, self.travel_before, self.travel_after)


def check_slot(rules: BookingRules, slot: Slot, now: datetime, *, new: bool = True) -> None:
    """The visit lies within opening hours on one day, starts on the grid, not in the past."""
    if slot.minutes <= 0:
        raise InputError("type", "An appointment must last at least one minute.")
    if not 0 <= slot.travel_before <= MAX_TRAVEL_MINUTES:
        raise InputError("travel_before", f"Travel is 0 to {MAX_TRAVEL_MINUTES} minutes.")
    if not 0 <= slot.travel_after <= MAX_TRAVEL_MINUTES:
        raise InputError("travel_after", f"Travel is 0 to {MAX_TRAVEL_MINUTES} minutes.")
    if new and slot.starts_at < now:
        raise InputError("time", "This time has passed: choose a time from now on.")
    start, end = local(slot.starts_at), local(slot.ends_at)
    since_opening = datetime.combine(start.date(), start.time()) - datetime.combine(
        start.date(), rules.opens
    )
    if since_opening.total_seconds() % (rules.slot_minutes * 60):
        raise InputError(
            "time",
            f"Appointments start every {rules.slot_minutes} minutes from {rules.opens:%H:%M}.",
        )
    if start.time() < rules.opens or end.date() != start.date() or end.time() > rules.closes:
        raise InputError(
            "time",
            f"The clinic books from {rules.opens:%H:%M} to {rules.closes:%H:%M}: "
            f"{start:%H:%M}–{end:%H:%M} falls outside.",
        )


def blocking(practitioner: User, exclude: int | None = None) -> QuerySet[Appointment]:
    """Every appointment that holds the practitioner's time (all but cancelled ones)."""
    taken = Appointment.objects.filter(practitioner=practitioner).exclude(status=Status.CANCELLED)
    return taken.exclude(pk=exclude) if exclude is not None else taken


def first_clash(practitioner: User, slot: Slot, exclude: int | None = None) -> Appointment | None:
    """The earliest appointment whose blocked time overlaps the slot's blocked time."""
    # Travel is at most MAX_TRAVEL_MINUTES, so the database narrows by the visits alone.
    margin = timedelta(minutes=MAX_TRAVEL_MINUTES)
    near = blocking(practitioner, exclude).filter(
        starts_at__lt=slot.blocked_until + margin, ends_at__gt=slot.blocked_from - margin
    )
    for other in near.select_related("patient", "type", "practitioner").order_by("starts_at"):
        if other.blocked_from < slot.blocked_until and slot.blocked_from < other.blocked_until:
            return other
    return None


def day_starts(rules: BookingRules, day: date, slot: Slot) -> list[datetime]:
    step = timedelta(minutes=rules.slot_minutes)
    moment, last = at(day, rules.opens), at(day, rules.closes) - timedelta(minutes=slot.minutes)
    starts = []
    while moment <= last:
        starts.append(moment)
        moment += step
    return starts


def nearest_free(
    rules: BookingRules,
    practitioner: User,
    slot: Slot,
    now: datetime,
    exclude: int | None = None,
) -> datetime | None:
    """The free start on the clinic's grid closest to the one asked for, never in the past."""
    wanted = slot.starts_at
    day = local(wanted).date()
    days = sorted(
        (day + timedelta(days=d) for d in range(-SEARCH_DAYS, SEARCH_DAYS + 1)),
        key=lambda d: abs((d - day).days),
    )
    low, high = day - timedelta(days=SEARCH_DAYS), day + timedelta(days=SEARCH_DAYS + 1)
    taken = list(
        blocking(practitioner, exclude).filter(
            starts_at__gte=at(low, time(0)) - timedelta(days=1), starts_at__lt=at(high, time(0))
        )  # fmt: skip
    )
    best: datetime | None = None
    for candidate_day in days:
        if best is not None and abs((candidate_day - day).days) > abs((best - wanted).days) + 1:
            break
        for start in day_starts(rules, candidate_day, slot):
            if start < now or start == wanted:
                continue
            trial = slot.at(start)
            if any(
                t.blocked_from < trial.blocked_until and trial.blocked_from < t.blocked_until
                for t in taken
            ):
                continue
            if best is None or abs(start - wanted) < abs(best - wanted):
                best = start
    return best


def _lock_practitioner(clinic: Clinic, practitioner: User) -> None:
    """Serialise every booking for one practitioner: the second waits for the first."""
    locked = (
        Membership.objects.select_for_update()
        .filter(user=practitioner, clinic=clinic, role__in=BOOKING_ROLES)
        .first()
    )
    if locked is None:
        raise NotFound(f"no practitioner {practitioner.pk}")


# --- booking and moving ----------------------------------------------------------------


@dataclass(frozen=True)
class Booking:
    """What the booking form asks for, in the service's terms."""

    patient: Patient
    practitioner: User
    type: AppointmentType
    starts_at: datetime
    address: str = ""
    travel_before: int = 0
    travel_after: int = 0
    plan: PlanRecord | None = None
    planned_number: int | None = None

    def slot(self) -> Slot:
        if not self.type.is_home_visit:
            return Slot(self.starts_at, self.type.duration_minutes)
        return Slot(
            self.starts_at, self.type.duration_minutes, self.travel_before, self.travel_after
        )


def _checked(clinic: Clinic, booking: Booking) -> Booking:
    """Scope and inputs, before any lock is taken."""
    if booking.patient.clinic_id != clinic.pk:
        raise NotFound(f"no patient {booking.patient.pk}")
    if booking.type.clinic_id != clinic.pk:
        raise NotFound(f"no appointment type {booking.type.pk}")
    if booking.plan is not None and (
        booking.plan.clinic_id != clinic.pk or booking.plan.patient_id != booking.patient.pk
    ):
        raise NotFound("no such plan for this patient")
    if booking.type.duration_minutes <= 0:
        raise InputError("type", "This appointment type has no duration: fix it in the admin.")
    if not booking.type.active:
        raise InputError("type", f"{booking.type.name} is no longer offered.")
    address = booking.address.strip()
    if booking.type.is_home_visit:
        address = address or patient_address(booking.patient)
        if not address:
            raise InputError("address", "A home visit needs the address.")
    else:
        address = ""
    return Booking(**{**booking.__dict__, "address": address})


def _create(
    clinic: Clinic, rules: BookingRules, user: User, booking: Booking, now: datetime
) -> Appointment:
    """Inside the caller's transaction, with the practitioner locked."""
    slot = booking.slot()
    check_slot(rules, slot, now)
    existing = first_clash(booking.practitioner, slot)
    if existing is not None:
        raise Clash(slot.starts_at, existing, nearest_free(rules, booking.practitioner, slot, now))
    return Appointment.objects.create(
        clinic=clinic,
        patient=booking.patient,
        practitioner=booking.practitioner,
        type=booking.type,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        address=booking.address,
        travel_before_minutes=slot.travel_before,
        travel_after_minutes=slot.travel_after,
        plan=booking.plan,
        planned_number=booking.planned_number,
        created_by=user,
    )


def book(clinic: Clinic, user: User, booking: Booking, now: datetime | None = None) -> Appointment:
    """Book one appointment, or raise InputError / Clash / NotFound and book nothing."""
    now = now or timezone.now()
    booking = _checked(clinic, booking)
    rules = rules_for(clinic)
    with transaction.atomic():
        _lock_practitioner(clinic, booking.practitioner)
        return _create(clinic, rules, user, booking, now)


def move(appointment: Appointment, starts_at: datetime, now: datetime | None = None) -> Appointment:
    """Move a booked appointment to a new start, keeping its length and travel."""
    now = now or timezone.now()
    rules = rules_for(appointment.clinic)
    with transaction.atomic():
        _lock_practitioner(appointment.clinic, appointment.practitioner)
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Status.BOOKED:
            shown = current.get_status_display().lower()
            raise TransitionRefused(f"Only a booked appointment can be moved; this one is {shown}.")
        slot = Slot(starts_at, current.duration_minutes,
                    current.travel_before_minutes, current.travel_after_minutes)  # fmt: skip
        check_slot(rules, slot, now)
        existing = first_clash(current.practitioner, slot, exclude=current.pk)
        if existing is not None:
            nearest = nearest_free(rules, current.practitioner, slot, now, exclude=current.pk)
            raise Clash(starts_at, existing, nearest)
        current.starts_at, current.ends_at = slot.starts_at, slot.ends_at
        current.save(update_fields=["starts_at", "ends_at"])
        return current


# --- status --------------------------------------------------------------------------

# Which status may follow which. Done, cancelled and did-not-attend are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.BOOKED: frozenset({Status.ARRIVED, Status.CANCELLED, Status.NO_SHOW}),
    Status.ARRIVED: frozenset({Status.DONE}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
}
ACTIONS = {
    "arrive": Status.ARRIVED,
    "done": Status.DONE,
    "no_show": Status.NO_SHOW,
    "cancel": Status.CANCELLED,
}


def allowed_actions(appointment: Appointment, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    allowed = [a for a, s in ACTIONS.items() if s in TRANSITIONS[appointment.status]]
    if appointment.starts_at > now and "no_show" in allowed:
        allowed.remove("no_show")
    return allowed


def change_status(
    appointment: Appointment,
    action: str,
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Arrive, done, did not attend or cancel (with a reason), if the status allows it."""
    now = now or timezone.now()
    if action not in ACTIONS:
        raise InputError("action", "Unknown action.")
    target = ACTIONS[action]
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if target not in TRANSITIONS[current.status]:
            raise TransitionRefused(
                f"This appointment is {current.get_status_display().lower()}: "
                f"it cannot be marked {target.label.lower()}."
            )
        if target == Status.NO_SHOW and current.starts_at > now:
            raise TransitionRefused(
                "A patient can be marked as not attending once the time has come."
            )
        fields = ["status"]
        if target == Status.CANCELLED:
            reason = reason.strip()
            if not reason:
                raise InputError("reason", "Give the reason for cancelling.")
            hours = Decimal((current.starts_at - now).total_seconds() / 3600).quantize(
                Decimal("0.1")
            )
            rules = rules_for(current.clinic)
            current.cancelled_at = now
            current.cancel_reason = reason
            current.cancel_notice_hours = hours
            current.cancelled_late = hours < rules.cancellation_notice_hours
            fields += ["cancelled_at", "cancel_reason", "cancel_notice_hours", "cancelled_late"]
        current.status = target
        current.save(update_fields=fields)
        return current


def start_session(appointment: Appointment, user: User, role: str) -> Appointment:
    """Open the charted session of an arrived appointment's planned course and link it."""
    if role not in CLINICAL_ROLES:
        raise NotPermitted("Sessions are opened by practitioners.")
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Status.ARRIVED:
            raise TransitionRefused("A session starts once the patient has arrived.")
        if current.plan is None:
            raise TransitionRefused("This appointment belongs to no course plan.")
        if current.session_id is not None:
            raise TransitionRefused("This appointment's session is already open.")
        # SessionNotOpenable and InputError pass through to the view.
        session = care.open_session(current.plan, user, local(current.starts_at).date())
        current.session = session
        current.save(update_fields=["session"])
        return current


# --- what the book shows -------------------------------------------------------------


def starting_between(first: date, last: date) -> Q:
    """Appointments starting on local days first..last, cancelled ones included."""
    return starting_in(*local_days(first, last))


def local_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The moments local day `first` begins and the day after `last` begins."""
    return at(first, time(0)), at(last + timedelta(days=1), time(0))


def starting_in(begins: datetime, ends: datetime) -> Q:
    """Appointments starting from `begins` up to, not including, `ends`."""
    return Q(starts_at__gte=begins, starts_at__lt=ends)


def appointments_between(
    clinic: Clinic, first: date, last: date, practitioner: User | None = None
) -> QuerySet[Appointment]:
    """Appointments starting on local days first..last, cancelled ones included."""
    found = Appointment.objects.filter(starting_between(first, last), clinic=clinic)
    found = found.select_related("patient", "practitioner", "type")
    return found.filter(practitioner=practitioner) if practitioner is not None else found


# --- booking a course in one step ------------------------------------------------------


@dataclass
class Proposal:
    """One planned session of a course, and where it would go in the book."""

    number: int
    planned: date
    starts_at: datetime
    clash: Appointment | None = None
    nearest: datetime | None = None
    problem: str = ""
    booked: Appointment | None = None

    @property
    def free(self) -> bool:
        return not self.problem and self.clash is None and self.booked is None

    @property
    def offered(self) -> datetime:
        """The start the page fills in: the planned one, or the nearest free one."""
        return self.starts_at if self.free or self.nearest is None else self.nearest


@dataclass
class CourseBooking:
    plan: PlanRecord
    proposals: list[Proposal] = field(default_factory=list)
    already_booked: int = 0
    charted: int = 0
    past: int = 0


def propose_course(
    plan: PlanRecord,
    practitioner: User,
    type_: AppointmentType,
    clock: time,
    travel_before: int = 0,
    travel_after: int = 0,
    now: datetime | None = None,
) -> CourseBooking:
    """One appointment per planned session still to come, at the chosen time of day.

    Sessions already charted or already booked are left out; each proposal says whether
    its slot is free and, if not, what it clashes with and the nearest free slot.
    """
    now = now or timezone.now()
    rules = rules_for(plan.clinic)
    result = CourseBooking(plan)
    charted = set(plan.sessions.values_list("number", flat=True))
    booked = set(
        Appointment.objects.filter(plan=plan)
        .exclude(status=Status.CANCELLED)
        .values_list("planned_number", flat=True)
    )
    result.charted, result.already_booked = len(charted), len(booked - charted)
    minutes = type_.duration_minutes
    travel = (travel_before, travel_after) if type_.is_home_visit else (0, 0)
    today = local(now).date()
    for planned in plan.course.sessions:
        if planned.number in charted or planned.number in booked:
            continue
        if planned.date < today:
            # A planned date already gone is not proposed: the course goes on from today.
            result.past += 1
            continue
        slot = Slot(at(planned.date, clock), minutes, *travel)
        proposal = Proposal(planned.number, planned.date, slot.starts_at)
        try:
            check_slot(rules, slot, now)
        except InputError as exc:
            proposal.problem = exc.message
            proposal.nearest = nearest_free(rules, practitioner, slot, now)
        else:
            proposal.clash = first_clash(practitioner, slot)
            if proposal.clash is not None:
                proposal.nearest = nearest_free(rules, practitioner, slot, now)
        result.proposals.append(proposal)
    return result


def book_course(
    clinic: Clinic,
    user: User,
    plan: PlanRecord,
    practitioner: User,
    type_: AppointmentType,
    starts: Sequence[tuple[int, datetime]],
    address: str = "",
    travel_before: int = 0,
    travel_after: int = 0,
    now: datetime | None = None,
) -> list[Appointment]:
    """Book the chosen sessions (number, start) all together, or none of them.

    Raises Clash or InputError for the first one that cannot be booked; nothing is kept.
    """
    now = now or timezone.now()
    if plan.clinic_id != clinic.pk:
        raise NotFound(f"no plan {plan.pk}")
    planned = {s.number for s in plan.course.sessions}
    if not starts:
        raise InputError("sessions", "Tick at least one session to book.")
    bookings = []
    for number, starts_at in starts:
        if number not in planned:
            raise InputError("sessions", f"The plan has no session {number}.")
        bookings.append(
            _checked(
                clinic,
                Booking(
                    plan.patient,
                    practitioner,
                    type_,
                    starts_at,
                    address,
                    travel_before,
                    travel_after,
                    plan,
                    number,
                ),
            )  # fmt: skip
        )
    rules = rules_for(clinic)
    with transaction.atomic():
        _lock_practitioner(clinic, practitioner)
        taken = {
            number
            for number in Appointment.objects.filter(
                plan=plan, planned_number__in=[n for n, _ in starts]
            )
            .exclude(status=Status.CANCELLED)
            .values_list("planned_number", flat=True)
            if number is not None
        }
        if taken:
            raise InputError("sessions", f"Session {min(taken)} is already booked.")
        return [_create(clinic, rules, user, booking, now) for booking in bookings]


# --- calendar feeds ------------------------------------------------------------------


def _hash(token: str) -> str:
    # The token is 256 random bits: a plain SHA-256 cannot be reversed or guessed.
    return hashlib.sha256(token.encode()).hexdigest()


def renew_feed(user: User) -> str:
    """A new secret for the user's feed, returned once; the old address stops working."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": _hash(token)})
    return token


def has_feed(user: User) -> bool:
    return CalendarFeed.objects.filter(user=user).exists()


def feed_owner(token: str) -> User:
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if feed is None or not feed.user.is_active:
        raise NotFound("no such calendar feed")
    return feed.user


def feed_appointments(user: User, now: datetime | None = None) -> QuerySet[Appointment]:
    """The practitioner's appointments from 30 days ago on, not cancelled."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(practitioner=user, starts_at__gte=now - timedelta(days=30))
        .exclude(status=Status.CANCELLED)
        .select_related("patient", "type", "clinic")
    )


def initials(patient: Patient) -> str:
    return f"{patient.given_name[:1]}{patient.family_name[:1]}".upper()


def ics(appointments: Iterable[Appointment], name: str, *, travel: bool = True) -> bytes:
    """An iCalendar file of the appointments, with as little about the patient as will do.

    A calendar leaves the clinic: it is synced to phones and to the calendar provider's
    servers, outside the audit trail and the clinic's control. So an event says only the
    patient's initials and the appointment type, enough to recognise the visit with the
    book at hand: no name, no address, no clinical words (diagnosis, plan, notes).
    `travel=False` leaves out the practitioner's travel either side of a home visit (the
    patient's own calendar).
    """
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//acuback//appointment book//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for appointment in appointments:
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@acuback")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("summary", f"{initials(appointment.patient)} · {appointment.type.name}")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
        for label, start, end in travel_blocks(appointment) if travel else []:
            block = Event()
            block.add("uid", f"appointment-{appointment.pk}-{label.lower()}@acuback")
            block.add("dtstamp", stamp)
            block.add("dtstart", start)
            block.add("dtend", end)
            block.add("summary", f"Travel ({label.lower()} a home visit)")
            calendar.add_component(block)
    return bytes(calendar.to_ical())


def travel_blocks(appointment: Appointment) -> list[tuple[str, datetime, datetime]]:
    blocks = []
    if appointment.travel_before_minutes:
        blocks.append(("Before", appointment.blocked_from, appointment.starts_at))
    if appointment.travel_after_minutes:
        blocks.append(("After", appointment.ends_at, appointment.blocked_until))
    return blocks
