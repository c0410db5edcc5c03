"""What a practitioner has to see to today: the day's book and what is waiting on them.

Every list is read within one clinic. "Mine" narrows each list to the practitioner's own
work: their appointments, the plans they drafted, the intakes they took, the adverse
events they recorded or that happened in their plans. Reception sees the day's book and
who will get no reminder, but no clinical list.

The rules, in the words the page uses:

- A review is due when one of the plan's review dates has come and no score has been
  recorded for the patient on or after that date.
- An adverse event needs follow-up while it is moderate or serious and no follow-up has
  been written, and every adverse event stays on the list for 7 days after it was recorded.
- Approval is awaited while the patient's newest intake is held for a doctor's approval
  and the doctor has not advised against acupuncture.
- A course is active while it is the patient's newest plan and not every planned session
  has been charted; it needs a next appointment when no booked one lies ahead. A course
  whose last planned session is more than 8 weeks past has lapsed (the patient stopped
  coming): it leaves these lists, which say how many lapsed, and stays on the patient's page.
- Messages from patients wait until a practitioner or admin opens the patient's page; they
  are the whole clinic's, as a patient writes to the clinic, so "my work" shows them too.
  The patient's own diary entries never count as a review's score.
- A check-in needs attention when the patient reported anything beyond mild, or wrote a
  note, after a session the practitioner charted, until a practitioner marks it seen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import User
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from acuback.web.appointments import patient_booking
from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, HomeVisitRequest, Status
from acuback.web.care import service as care
from acuback.web.care.courses import newer_of_the_patient
from acuback.web.care.models import (
    APPROVAL_LEVEL,
    AdverseEvent,
    Decision,
    DecisionKind,
    IntakeRecord,
    PlanRecord,
    ScoreRecord,
    ScoreSource,
    SessionRecord,
    Severity,
)
from acuback.web.checkins import service as checkins
from acuback.web.clinics.models import Clinic, Membership, Patient, Role
from acuback.web.clinics.service import unlisted_patient_fields
from acuback.web.paging import Page, shown_page
from acuback.web.portal import message_service as conversations
from acuback.web.prebuilt import Prepared
from acuback.web.reminders import service as reminders

RECENT_ADVERSE_DAYS = 7
# Past a course's last planned session by this much, with sessions still to chart, the
# patient has stopped coming: a review or a next appointment is no longer today's work.
LAPSED_AFTER_WEEKS = 8
LAPSED_AFTER = timedelta(weeks=LAPSED_AFTER_WEEKS)
# Rows a Today list shows at a time: a clinic group's whole-clinic lists run to hundreds.
LIST_SIZE = 20
# The lists that page: each name is the query parameter of its page and the id of the
# element the list sits under, where a page link lands.
PAGED = (
    "check-ins",
    "not-sent",
    "reviews",
    "messages",
    "adverse",
    "approvals",
    "no-next",
    "no-email",
)
CLINICAL_ROLES = (Role.PRACTITIONER, Role.ADMIN)


T = TypeVar("T")


@dataclass(frozen=True)
class Listed(Page, Generic[T]):
    """One page of a Today list: its rows, how many there are in all, which page it is."""

    rows: list[T]

    @property
    def first(self) -> int:
        """The position of the first row shown, counting from 1."""
        return (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __bool__(self) -> bool:
        return self.total > 0


def listed(rows: Sequence[T], number: int = 1, size: int | None = None) -> Listed[T]:
    """The page `number` of `rows` (a page past the end is the last one)."""
    size = size or LIST_SIZE
    number = shown_page(number, len(rows), size)
    shown = list(rows[(number - 1) * size : number * size])
    return Listed(number=number, total=len(rows), size=size, rows=shown)


@dataclass(frozen=True)
class Course:
    """An active course, as the review and appointment lists weigh it: a row, not a plan."""

    pk: int  # the plan's
    patient_id: int
    family_name: str
    given_name: str
    reviews: list[dict[str, str]]  # PlanRecord.reviews: label and ISO date each
    last_score: date | None  # the clinic's latest score of the patient
    booked_ahead: bool
    charted: int
    planned: int


@dataclass(frozen=True)
class ReviewDue:
    course: Course
    label: str
    day: date


@dataclass(frozen=True)
class ApprovalAwaited:
    patient: Patient
    intake: IntakeRecord
    reason: str
    latest: Decision | None


@dataclass(frozen=True)
class NoNextAppointment:
    course: Course

    @property
    def charted(self) -> int:
        return self.course.charted

    @property
    def planned(self) -> int:
        return self.course.planned


@dataclass
class Today:
    day: date
    clinical: bool
    mine: bool
    practitioner: User | None
    appointments: list[Appointment]
    without_email: Listed[reminders.Unreminded]
    # Asked for from the portal; anyone at the clinic may book or decline one.
    home_visit_requests: list[HomeVisitRequest] = field(default_factory=list)
    # The clinical lists, a page of each.
    reviews_due: Listed[ReviewDue] = field(default_factory=lambda: listed([]))
    lapsed: int = 0  # active courses left out of the lists: past their end by LAPSED_AFTER
    lapsed_after_weeks: int = LAPSED_AFTER_WEEKS
    adverse_events: Listed[AdverseEvent] = field(default_factory=lambda: listed([]))
    approvals: Listed[ApprovalAwaited] = field(default_factory=lambda: listed([]))
    no_next: Listed[NoNextAppointment] = field(default_factory=lambda: listed([]))
    unread_messages: Listed[conversations.Unread] = field(default_factory=lambda: listed([]))
    check_ins: Listed[checkins.Attention] = field(default_factory=lambda: listed([]))
    check_ins_not_sent: Listed[checkins.Unsent] = field(default_factory=lambda: listed([]))


def is_clinical(membership: Membership) -> bool:
    return membership.role in CLINICAL_ROLES


def mine_by_default(membership: Membership) -> bool:
    """Practitioners start on their own work; admins and reception on the whole clinic."""
    return membership.role == Role.PRACTITIONER


def today_for(
    membership: Membership,
    *,
    mine: bool,
    now: datetime | None = None,
    pages: Mapping[str, int] | None = None,
) -> Today:
    """The page; `pages` says which page of each list to show (by panel id, see PAGED)."""
    now = now or timezone.now()
    pages = pages or {}
    clinic, user = membership.clinic, membership.user
    clinical = is_clinical(membership)
    mine = mine and clinical
    who = user if mine else None
    day = timezone.localdate(now)
    appointments, without_email = book_of_the_day(clinic, day, now, who)
    page = Today(
        day=day,
        clinical=clinical,
        mine=mine,
        practitioner=who,
        appointments=appointments,
        without_email=listed(without_email, pages.get("no-email", 1)),
        home_visit_requests=patient_booking.waiting_requests(clinic),
    )
    if clinical:
        courses, page.lapsed = active_courses(clinic, who, now)
        page.reviews_due = listed(reviews_due(courses, day), pages.get("reviews", 1))
        page.no_next = listed(without_next_appointment(courses), pages.get("no-next", 1))
        page.adverse_events = listed(adverse_events(clinic, who, now), pages.get("adverse", 1))
        page.approvals = listed(approvals_awaited(clinic, who), pages.get("approvals", 1))
        page.unread_messages = listed(
            conversations.unread_in_clinic(clinic), pages.get("messages", 1)
        )
        # The check-ins of sessions they charted: beyond mild until someone marks them seen,
        # and those that went to no one.
        attention, unsent = checkins.for_today(clinic, who, now)
        page.check_ins = listed(attention, pages.get("check-ins", 1))
        page.check_ins_not_sent = listed(unsent, pages.get("not-sent", 1))
    return page


def book_of_the_day(
    clinic: Clinic, day: date, now: datetime, who: User | None
) -> tuple[list[Appointment], list[reminders.Unreminded]]:
    """The day's appointments and those still to come that no reminder will reach, read
    together: each row says which of the two it answers."""
    begins, ends = book.local_days(day, day)
    rows = _book(clinic=clinic.pk, who=_pk(who), begins=begins, ends=ends, now=now)
    return (
        [a for a in rows if a.on_the_day],
        [reminders.Unreminded(a, reminders.NO_EMAIL) for a in rows if a.no_reminder],
    )


def _pk(who: User | None) -> int | None:
    return who.pk if who is not None else None


@Prepared
def _book(
    clinic: int, who: int | None, begins: datetime, ends: datetime, now: datetime
) -> QuerySet[Appointment]:
    on_the_day = book.starting_in(begins, ends)
    no_reminder = reminders.gets_no_reminder(now)
    found = (
        Appointment.objects.select_related("patient", "practitioner", "type")
        .defer(*unlisted_patient_fields(), "practitioner__password")
        .order_by("starts_at", "id")
        .filter(on_the_day | no_reminder, clinic=clinic)
        .annotate(
            on_the_day=ExpressionWrapper(on_the_day, output_field=BooleanField()),
            no_reminder=ExpressionWrapper(no_reminder, output_field=BooleanField()),
        )
    )
    return found.filter(practitioner=who) if who is not None else found


def active_courses(clinic: Clinic, who: User | None, now: datetime) -> tuple[list[Course], int]:
    """Each patient's newest plan, while some planned session is still to be charted and
    the course has not lapsed; and how many lapsed.

    Read by the plans' `active` column (acuback.web.care.courses) and their last planned
    day, without the courses: a clinic's finished and lapsed courses grow every year, the
    courses in hand do not. Each is a row with what the review and appointment lists show
    of it, in patient order.
    """
    since = timezone.localdate(now) - LAPSED_AFTER
    rows = _active_plans(clinic=clinic.pk, who=_pk(who), since=since)
    courses = [
        Course(pk, patient, family, given, reviews or [], last_score,
               last is not None and last > now, charted, planned)
        for pk, patient, family, given, reviews, last_score, last, charted, planned, _ in rows
    ]  # fmt: skip
    # Each row carries the count of lapsed courses; with no course in hand, it is read apart.
    lapsed = rows[0][-1] if rows else _lapsed(clinic=clinic.pk, who=_pk(who), since=since)
    courses.sort(key=lambda c: (c.family_name, c.given_name, c.pk))
    return courses, int(lapsed or 0)


def _lapsed_plans(clinic: int, who: int | None, since: date) -> QuerySet[PlanRecord]:
    plans = PlanRecord.objects.filter(active=True, clinic=clinic, planned_end__lt=since)
    return plans.filter(created_by=who) if who is not None else plans


def _counted(plans: QuerySet[PlanRecord]) -> QuerySet[Any]:
    # Grouped by the one clinic: a count that is a queryset, so it can be prepared.
    return plans.order_by().values("clinic").annotate(n=Count("id")).values("n")


@Prepared
def _lapsed_count(clinic: int, who: int | None, since: date) -> QuerySet[Any]:
    return _counted(_lapsed_plans(clinic, who, since)).values_list("n")


def _lapsed(clinic: int, who: int | None, since: date) -> int:
    found = _lapsed_count(clinic=clinic, who=who, since=since)
    return int(found[0][0]) if found else 0


@Prepared
def _active_plans(clinic: int, who: int | None, since: date) -> QuerySet[Any]:
    charted = SessionRecord.objects.filter(plan=OuterRef("pk")).order_by().values("plan")
    # The patient's own diary entries never count as a review's score.
    last_score = (
        ScoreRecord.objects.filter(patient=OuterRef("patient"), source=ScoreSource.CLINIC)
        .order_by("-day")
        .values("day")[:1]
    )
    # The latest booked appointment: one lies ahead when it starts after now.
    last_booked = (
        Appointment.objects.filter(patient=OuterRef("patient"), status=Status.BOOKED)
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    # In patient order, by the caller: the plans' own order is not asked of the database.
    plans = PlanRecord.objects.filter(active=True, clinic=clinic, planned_end__gte=since)
    if who is not None:
        plans = plans.filter(created_by=who)
    return (
        plans.order_by()
        .annotate(
            charted=Coalesce(
                Subquery(charted.annotate(n=Count("id")).values("n"), output_field=IntegerField()),
                0,
            ),
            last_score=Subquery(last_score),
            last_booked=Subquery(last_booked),
            # Not correlated: the database counts once, not per row.
            lapsed=Subquery(_counted(_lapsed_plans(clinic, who, since))),
        )
        .values_list(
            "pk", "patient_id", "patient__family_name", "patient__given_name", "reviews",
            "last_score", "last_booked", "charted", "planned_sessions", "lapsed",
        )
    )  # fmt: skip


def reviews_due(courses: list[Course], day: date) -> list[ReviewDue]:
    due = []
    for course in courses:
        last_score = course.last_score
        reviews = [
            (review["label"], date.fromisoformat(review["date"])) for review in course.reviews
        ]
        waiting = [
            (label, on)
            for label, on in reviews
            if on <= day and (last_score is None or last_score < on)
        ]
        if waiting:
            label, on = waiting[-1]
            due.append(ReviewDue(course, label, on))
    return sorted(due, key=lambda r: (r.day, r.course.pk))


def adverse_events(clinic: Clinic, who: User | None, now: datetime) -> list[AdverseEvent]:
    since = now - timedelta(days=RECENT_ADVERSE_DAYS)
    found = _adverse_events(clinic=clinic.pk, who=_pk(who), since=since)
    # Newest first from the database; a page shows those still needing follow-up first,
    # the serious before the moderate (a stable sort keeps each group newest first).
    return sorted(found, key=_follow_up_first)


def _follow_up_first(event: AdverseEvent) -> int:
    if event.follow_up:
        return 2
    return _NEEDS_FOLLOW_UP.get(event.severity, 2)


_NEEDS_FOLLOW_UP: dict[str, int] = {Severity.SERIOUS: 0, Severity.MODERATE: 1}


@Prepared
def _adverse_events(clinic: int, who: int | None, since: datetime) -> QuerySet[AdverseEvent]:
    found = (
        AdverseEvent.objects.select_related("patient")
        .defer(*unlisted_patient_fields())
        # The list shows the session's number and day only: a chart's columns stay unread.
        .annotate(session_number=F("session__number"), session_day=F("session__day"))
        .order_by("-created", "-id")
        .filter(
            Q(severity__in=[Severity.MODERATE, Severity.SERIOUS], follow_up="")
            | Q(created__gte=since),
            clinic=clinic,
        )
    )
    if who is not None:
        found = found.filter(Q(created_by=who) | Q(session__plan__created_by=who))
    return found


def approvals_awaited(clinic: Clinic, who: User | None) -> list[ApprovalAwaited]:
    """Patients whose newest intake waits for a doctor's approval."""
    newest = _newest_held_intakes(clinic=clinic.pk, who=_pk(who))
    awaited = []
    for intake in newest:
        screening = care.current_screening(intake)
        held = [b for b in screening.plan_blockers if b.level == APPROVAL_LEVEL]
        if not held:
            continue
        latest = care.latest_decision(intake)  # never a refusal: see _newest_held_intakes
        # The blocker's text is "reason: what to do"; the panel says what to do already.
        reason = held[0].text.split(": ", 1)[0]
        awaited.append(ApprovalAwaited(intake.patient, intake, reason, latest))
    return sorted(awaited, key=lambda a: (a.intake.created, a.intake.pk))


@Prepared
def _newest_held_intakes(clinic: int, who: int | None) -> QuerySet[IntakeRecord]:
    newer = newer_of_the_patient(IntakeRecord)
    # The newest decision that is not a guardian's consent. A doctor's approval lifts every
    # hold at the approval level (the knowledge base allows no other: see loader
    # `_consistency`) and advice against acupuncture ends the wait, so intakes decided so
    # are left out here, however many a clinic keeps; the rest are screened again below.
    latest = (
        Decision.objects.filter(intake=OuterRef("pk"))
        .exclude(kind=DecisionKind.GUARDIAN_CONSENT)
        .order_by("-created", "-id")
        .values("kind")[:1]
    )
    settled = [DecisionKind.CLEARANCE_RECEIVED, DecisionKind.DECLINED]
    # Decisions only lift what the intake's own screening held: only those held are read.
    held = IntakeRecord.objects.filter(held_for_approval=True, clinic=clinic)
    if who is not None:
        held = held.filter(created_by=who)
    return (
        held.exclude(Exists(newer))
        .alias(latest_kind=Coalesce(Subquery(latest), Value("")))
        .exclude(latest_kind__in=settled)
        .select_related("patient")
        # Each is screened again from its answers and decisions: the stored screening, the
        # largest column, stays unread.
        .defer("screening_json", *unlisted_patient_fields())
        # Every held intake's decisions in one more query: screening and the list read them.
        .prefetch_related("decisions")
    )


def without_next_appointment(courses: list[Course]) -> list[NoNextAppointment]:
    return [NoNextAppointment(course) for course in courses if not course.booked_ahead]
