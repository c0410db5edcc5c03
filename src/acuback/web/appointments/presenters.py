"""What the day and week pages draw: blocks positioned on a time grid, in local time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from acuback.web.appointments import service
from acuback.web.appointments.models import Appointment, BookingRules, Status

PX_PER_MINUTE = 1.6


@dataclass(frozen=True)
class Block:
    """One drawn block: an appointment, or the travel time either side of a home visit."""

    appointment: Appointment
    starts_at: datetime
    ends_at: datetime
    travel: str = ""  # "Travel there" or "Travel back"; empty for the visit itself
    top: int = 0
    height: int = 0

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Column:
    title: str
    practitioner: User | None
    day: date
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class HourMark:
    label: str
    top: int


def blocks_of(appointment: Appointment) -> list[Block]:
    """Travel there, the visit, travel back: in time order."""
    blocks = [
        Block(appointment, start, end, "Travel there" if label == "Before" else "Travel back")
        for label, start, end in service.travel_blocks(appointment)
    ]
    blocks.append(Block(appointment, appointment.starts_at, appointment.ends_at))
    return sorted(blocks, key=lambda b: b.starts_at)


def _placed(block: Block, opens: datetime, closes: datetime) -> Block | None:
    start, end = max(block.starts_at, opens), min(block.ends_at, closes)
    if end <= start:
        return None
    top = round((start - opens).total_seconds() / 60 * PX_PER_MINUTE)
    height = round((end - start).total_seconds() / 60 * PX_PER_MINUTE)
    return Block(block.appointment, block.starts_at, block.ends_at, block.travel, top, height)


def grid_bounds(rules: BookingRules, day: date) -> tuple[datetime, datetime]:
    return service.at(day, rules.opens), service.at(day, rules.closes)


def hour_marks(rules: BookingRules, day: date) -> list[HourMark]:
    opens, closes = grid_bounds(rules, day)
    first = service.local(opens).replace(minute=0, second=0, microsecond=0)
    if first < opens:
        first += timedelta(hours=1)
    marks = []
    while first < closes:
        top = round((first - opens).total_seconds() / 60 * PX_PER_MINUTE)
        marks.append(HourMark(f"{service.local(first):%H:%M}", top))
        first += timedelta(hours=1)
    return marks


def grid_height(rules: BookingRules, day: date) -> int:
    opens, closes = grid_bounds(rules, day)
    return round((closes - opens).total_seconds() / 60 * PX_PER_MINUTE)


def day_columns(
    rules: BookingRules, day: date, practitioners: list[User], appointments: list[Appointment]
) -> list[Column]:
    """One column per practitioner; cancelled appointments are listed apart, not drawn."""
    opens, closes = grid_bounds(rules, day)
    columns = {u.pk: Column(service.practitioner_name(u), u, day) for u in practitioners}
    for appointment in appointments:
        column = columns.get(appointment.practitioner_id)
        if column is None or appointment.status == Status.CANCELLED:
            continue
        for block in blocks_of(appointment):
            placed = _placed(block, opens, closes)
            if placed is not None:
                column.blocks.append(placed)
    return list(columns.values())


@dataclass(frozen=True)
class WeekEntry:
    """One line of the week: plain words, so a busy clinic's week renders quickly."""

    appointment_id: int
    time: str  # "09:00–09:45"
    travel: str  # "Travel there" or "Travel back"; empty for the visit itself
    patient: str
    kind: str  # the appointment type's name
    status: str  # the status value, for the CSS class
    status_label: str
    practitioner: str


@dataclass
class WeekDay:
    day: date
    entries: list[WeekEntry] = field(default_factory=list)


def week_days(monday: date, appointments: list[Appointment]) -> list[WeekDay]:
    days = [WeekDay(monday + timedelta(days=i)) for i in range(7)]
    placed: list[list[tuple[datetime, bool, WeekEntry]]] = [[] for _ in days]
    names: dict[int, str] = {}
    for appointment in appointments:
        index = (service.local(appointment.starts_at).date() - monday).days
        if not 0 <= index < 7:
            continue
        if appointment.practitioner_id not in names:
            names[appointment.practitioner_id] = service.practitioner_name(appointment.practitioner)
        if appointment.status == Status.CANCELLED:
            blocks = [Block(appointment, appointment.starts_at, appointment.ends_at)]
        else:
            blocks = blocks_of(appointment)
        for block in blocks:
            entry = WeekEntry(
                appointment_id=appointment.pk,
                time=f"{service.local(block.starts_at):%H:%M}–{service.local(block.ends_at):%H:%M}",
                travel=block.travel,
                patient=str(appointment.patient),
                kind=appointment.type.name,
                status=appointment.status,
                status_label=appointment.get_status_display(),
                practitioner=names[appointment.practitioner_id],
            )
            placed[index].append((block.starts_at, block.travel != "Travel there", entry))
    for week_day, found in zip(days, placed, strict=True):
        week_day.entries = [entry for *_, entry in sorted(found, key=lambda f: f[:2])]
    return days


@dataclass
class PractitionerDay:
    """A practitioner's day in the whole clinic's week: how full it is, not every visit."""

    practitioner_id: int
    name: str
    booked: int = 0
    cancelled: int = 0
    first: datetime | None = None  # in the clinic's time zone
    last: datetime | None = None

    @property
    def hours(self) -> str:
        if self.first is None or self.last is None:
            return ""
        return f"{self.first:%H:%M}–{self.last:%H:%M}"

    @property
    def summary(self) -> str:
        """'3 appointments · 1 cancelled'."""
        said = f"{self.booked} appointment{'' if self.booked == 1 else 's'}"
        return f"{said} · {self.cancelled} cancelled" if self.cancelled else said


@dataclass(frozen=True)
class ClinicDay:
    day: date
    iso: str  # the day as the book's links ask for it
    people: list[PractitionerDay]


def clinic_week(
    monday: date, practitioners: list[User], found: list[tuple[int, datetime, datetime, str]]
) -> list[ClinicDay]:
    """Each day of the week with each practitioner who has appointments that day:
    (practitioner id, starts, ends, status) rows in, in the order of `practitioners`."""
    names = {u.pk: service.practitioner_name(u) for u in practitioners}
    days: list[dict[int, PractitionerDay]] = [{} for _ in range(7)]
    # Hundreds of rows: the clinic's time zone is looked up once, not once per row.
    zone = timezone.get_current_timezone()
    for practitioner_id, starts_at, ends_at, status in found:
        starts, ends = starts_at.astimezone(zone), ends_at.astimezone(zone)
        index = (starts.date() - monday).days
        if not 0 <= index < 7 or practitioner_id not in names:
            continue
        their = days[index].setdefault(
            practitioner_id, PractitionerDay(practitioner_id, names[practitioner_id])
        )
        if status == Status.CANCELLED:
            their.cancelled += 1
            continue
        their.booked += 1
        their.first = starts if their.first is None else min(their.first, starts)
        their.last = ends if their.last is None else max(their.last, ends)
    order = {pk: i for i, pk in enumerate(names)}
    week = []
    for i, found_day in enumerate(days):
        day = monday + timedelta(days=i)
        people = sorted(found_day.values(), key=lambda d: order[d.practitioner_id])
        week.append(ClinicDay(day, day.isoformat(), people))
    return week


def notice(appointment: Appointment) -> str:
    """The notice a cancellation gave, as a person would say it: '10.5 hours', '7 days'."""
    hours = appointment.cancel_notice_hours
    if hours is None:
        return ""
    if hours < 0:
        return "after the appointment's start"
    if hours == 1:
        return "1 hour's notice"
    if hours < 48:
        return f"{hours.normalize():f} hours' notice"
    return f"{int(hours // 24)} days' notice"
