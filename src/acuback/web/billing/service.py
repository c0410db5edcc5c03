"""Costs and cover: the price list, a course's estimate, and invoices for done visits.

Views call these and stay thin. Services raise domain errors (NotFound, NotPermitted,
Refused, AlreadyInvoiced, InputError) and never an HTTP response.

Invoice numbers run 1, 2, 3 ... within each clinic and are never reused: the next number
is taken from the clinic's InvoiceCounter row inside the transaction that creates the
invoice, with the row locked (`select_for_update` on PostgreSQL; on SQLite every
transaction takes the write lock when it begins), so two simultaneous invoices cannot
get the same number and one visit cannot be invoiced twice. A unique constraint on
(clinic, number) and on the appointment backs this up in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from acuback.clinical.base import InputError, spoken
from acuback.clinical.course_plan import Cap
from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, AppointmentType, Kind, Status
from acuback.web.billing.models import Invoice, InvoiceCounter, InvoiceLine, PaymentMethod
from acuback.web.care.models import PlanRecord
from acuback.web.clinics.models import Clinic, Patient, Role

# Reception and clinic admins issue invoices and take payments; practitioners may look.
BILLING_ROLES = (Role.RECEPTION, Role.ADMIN)
CENTS = Decimal("0.01")
# The order the price list shows the kinds of visit in.
KIND_ORDER = [Kind.FIRST_ASSESSMENT, Kind.TREATMENT, Kind.REVIEW, Kind.HOME_VISIT]


class NotFound(Exception):
    """No such record in this clinic (another clinic's record is not found either)."""


class NotPermitted(Exception):
    """The user's role may not do this."""


class Refused(Exception):
    """The record's state does not allow this (an open visit, an invoice already paid)."""


class AlreadyInvoiced(Refused):
    """The visit has its invoice already; `invoice` is that one."""

    def __init__(self, invoice: Invoice) -> None:
        self.invoice = invoice
        super().__init__(f"This visit already has invoice {invoice.number}.")


def currency() -> str:
    return str(getattr(settings, "ACUBACK_CURRENCY", "GBP")).upper()


# --- the price list ------------------------------------------------------------------


def price_list(clinic: Clinic) -> list[AppointmentType]:
    """The clinic's visit types still offered, assessment first, then by name."""
    types = list(book.types_for(clinic))
    order = {kind.value: n for n, kind in enumerate(KIND_ORDER)}
    return sorted(types, key=lambda t: (order.get(t.kind, len(order)), t.name))


def first_of_each_kind(clinic: Clinic) -> dict[str, AppointmentType]:
    """The type each kind of visit is priced with (the first by name), read in one query."""
    found: dict[str, AppointmentType] = {}
    # Read last to first, so the first by name is the one that stays.
    for kind_type in book.types_for(clinic).order_by("-name", "-pk"):
        found[kind_type.kind] = kind_type
    return found


# --- cover ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    """What the patient's insurer covers, as registration recorded it, and what is used.

    `used` counts every visit of the patient marked done in the appointment book (no
    policy start date is recorded, so all of them count).
    """

    insurer: str
    policy_number: str
    covered: int | None
    used: int

    @property
    def left(self) -> int | None:
        return None if self.covered is None else max(self.covered - self.used, 0)

    @property
    def known(self) -> bool:
        return bool(self.insurer) or self.covered is not None


def done_visits(patient: Patient) -> QuerySet[Appointment]:
    return Appointment.objects.filter(patient=patient, status=Status.DONE).order_by(
        "starts_at", "id"
    )


def cover_of(patient: Patient) -> Cover:
    return Cover(
        insurer=patient.insurer,
        policy_number=patient.policy_number,
        covered=book.visits_covered(patient),
        used=done_visits(patient).count(),
    )


# --- a course's estimate ----------------------------------------------------------------


@dataclass(frozen=True)
class EstimateLine:
    what: str
    type_name: str
    count: int
    price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.price * self.count).quantize(CENTS)


@dataclass
class CourseCosts:
    """A plan's visits at the clinic's prices, against the insurer's cover and payer caps.

    The rule: every planned session at the treatment price; a first assessment at its
    price unless the patient has one done or booked; every review point of the plan at
    the review price when the clinic has a review type. Covered visits are counted
    from the earliest; the rest are what the patient pays unless the insurer says more.
    """

    currency: str
    lines: list[EstimateLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cover: Cover | None = None
    caps: tuple[Cap, ...] = ()
    not_covered_visits: int = 0
    not_covered_amount: Decimal = Decimal("0.00")
    assessment_added: bool = False
    has_review_type: bool = False

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def visits(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def covered_visits(self) -> int:
        return self.visits - self.not_covered_visits


def has_assessment(patient: Patient) -> bool:
    return (
        Appointment.objects.filter(patient=patient, type__kind=Kind.FIRST_ASSESSMENT)
        .filter(status__in=[Status.DONE, Status.BOOKED, Status.ARRIVED])
        .exists()
    )


def course_costs(plan: PlanRecord) -> CourseCosts:
    clinic, patient, course = plan.clinic, plan.patient, plan.course
    costs = CourseCosts(currency=currency(), caps=course.caps, cover=cover_of(patient))
    # (date, price) of every visit in the estimate, to count the covered ones from the first.
    visits: list[tuple[date, int, Decimal]] = []

    priced_with = first_of_each_kind(clinic)
    assessment = priced_with.get(Kind.FIRST_ASSESSMENT)
    if not has_assessment(patient):
        costs.assessment_added = True
        if assessment is None:
            costs.problems.append("The clinic has no first assessment type to price it with.")
        else:
            costs.lines.append(
                EstimateLine("First assessment", assessment.name, 1, assessment.price)
            )
            visits.append((course.start, 0, assessment.price))

    treatment = priced_with.get(Kind.TREATMENT)
    if treatment is None:
        costs.problems.append("The clinic has no treatment type: the sessions cannot be priced.")
    else:
        sessions = len(course.sessions)
        costs.lines.append(
            EstimateLine("Planned sessions", treatment.name, sessions, treatment.price)
        )
        visits += [(s.date, 1, treatment.price) for s in course.sessions]

    review = priced_with.get(Kind.REVIEW)
    costs.has_review_type = review is not None
    if review is not None and course.reviews:
        costs.lines.append(EstimateLine("Reviews", review.name, len(course.reviews), review.price))
        visits += [(r.date, 2, review.price) for r in course.reviews]

    for line in costs.lines:
        if line.price <= 0:
            costs.problems.append(
                f"No price is set for {line.type_name} yet: a clinic admin sets it in the admin."
            )
    left = costs.cover.left if costs.cover else None
    if left is not None:
        beyond = sorted(visits, key=lambda v: (v[0], v[1]))[left:]
        costs.not_covered_visits = len(beyond)
        costs.not_covered_amount = sum((v[2] for v in beyond), Decimal("0.00")).quantize(CENTS)
    return costs


# --- invoices -------------------------------------------------------------------------


def invoice_in(clinic: Clinic, invoice_id: int) -> Invoice:
    found = (
        Invoice.objects.select_related("patient", "appointment", "appointment__type", "issued_by")
        .prefetch_related("lines")
        .filter(clinic=clinic, pk=invoice_id)
        .first()
    )
    if found is None:
        raise NotFound(f"no invoice {invoice_id}")
    return found


def patient_in(clinic: Clinic, patient_id: int) -> Patient:
    try:
        return book.patient_in(clinic, patient_id)
    except book.NotFound as exc:
        raise NotFound(str(exc)) from exc


def appointment_in(clinic: Clinic, appointment_id: int) -> Appointment:
    try:
        return book.appointment_in(clinic, appointment_id)
    except book.NotFound as exc:
        raise NotFound(str(exc)) from exc


def plan_in(clinic: Clinic, plan_id: int) -> PlanRecord:
    try:
        return book.plan_in(clinic, plan_id)
    except book.NotFound as exc:
        raise NotFound(str(exc)) from exc


def latest_plan(patient: Patient) -> PlanRecord | None:
    return PlanRecord.objects.filter(patient=patient).first()


def invoices_of(patient: Patient) -> QuerySet[Invoice]:
    return Invoice.objects.filter(patient=patient).select_related("appointment__type")


def unpaid(clinic: Clinic) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(clinic=clinic, paid_on__isnull=True)
        .select_related("patient", "appointment__type")
        .order_by("number")
    )


def recent(clinic: Clinic, count: int = 20) -> QuerySet[Invoice]:
    return Invoice.objects.filter(clinic=clinic).select_related("patient", "appointment__type")[
        :count
    ]


def not_invoiced(clinic: Clinic, patient: Patient | None = None) -> QuerySet[Appointment]:
    """Done visits with no invoice yet, oldest first."""
    found = Appointment.objects.filter(clinic=clinic, status=Status.DONE, invoice__isnull=True)
    if patient is not None:
        found = found.filter(patient=patient)
    return found.select_related("patient", "type").order_by("starts_at", "id")


def visit_day(appointment: Appointment) -> date:
    return timezone.localtime(appointment.starts_at).date()


def cover_note(appointment: Appointment) -> str:
    """What the insurer covers for this visit, as far as the clinic knows: a note only."""
    cover = cover_of(appointment.patient)
    who = cover.insurer or "The insurer"
    if cover.policy_number:
        who += f" (policy {cover.policy_number})"
    if not cover.known:
        return "No insurer is on record for this patient."
    if cover.covered is None:
        return f"{who}: the number of visits covered is not on record."
    done = list(done_visits(appointment.patient).values_list("pk", flat=True))
    position = done.index(appointment.pk) + 1 if appointment.pk in done else len(done) + 1
    plural = "s" if cover.covered != 1 else ""
    if position <= cover.covered:
        return f"{who} covers {cover.covered} visit{plural}; this is visit {position} of them."
    return (
        f"{who} covers {cover.covered} visit{plural}; this is visit {position}, beyond the cover."
    )


def _next_number(clinic: Clinic) -> int:
    """Take the clinic's next invoice number; call inside a transaction."""
    # The row exists before it is locked: two first invoices cannot both insert one.
    InvoiceCounter.objects.bulk_create([InvoiceCounter(clinic=clinic)], ignore_conflicts=True)
    counter = InvoiceCounter.objects.select_for_update().get(clinic=clinic)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def issue(
    clinic: Clinic, user: User, role: str, appointment: Appointment, today: date | None = None
) -> Invoice:
    """The invoice of a done visit: its type at today's price, with the insurer's note."""
    if role not in BILLING_ROLES:
        raise NotPermitted("Invoices are issued by reception or a clinic admin.")
    if appointment.clinic_id != clinic.pk:
        raise NotFound(f"no appointment {appointment.pk}")
    today = today or timezone.localdate()
    with transaction.atomic():
        # Taking the number locks the clinic's counter: every issue in the clinic waits
        # here for the one before it, so the checks below see any invoice it made. A
        # refusal rolls the number back with everything else; numbers never skip.
        number = _next_number(clinic)
        current = Appointment.objects.select_related("type", "patient").get(pk=appointment.pk)
        existing = Invoice.objects.filter(appointment=current).first()
        if existing is not None:
            raise AlreadyInvoiced(existing)
        if current.status != Status.DONE:
            shown = current.get_status_display().lower()
            raise Refused(f"Only a visit marked done can be invoiced; this one is {shown}.")
        price = current.type.price.quantize(CENTS)
        invoice = Invoice.objects.create(
            clinic=clinic,
            number=number,
            patient=current.patient,
            appointment=current,
            visit_on=visit_day(current),
            issued_on=today,
            issued_by=user,
            currency=currency(),
            total=price,
            cover_note=cover_note(current),
        )
        InvoiceLine.objects.create(
            invoice=invoice, position=1, description=current.type.name, amount=price
        )
        return invoice


def mark_paid(
    invoice: Invoice,
    user: User,
    role: str,
    paid_on: date,
    method: str,
    today: date | None = None,
) -> Invoice:
    """Record the payment: the invoice becomes a receipt. Paid once only."""
    if role not in BILLING_ROLES:
        raise NotPermitted("Payments are recorded by reception or a clinic admin.")
    today = today or timezone.localdate()
    if method not in PaymentMethod.values:
        raise InputError("method", "Choose how the patient paid.")
    if paid_on > today:
        raise InputError("paid_on", "A payment cannot be dated in the future.")
    if paid_on < invoice.visit_on:
        raise InputError(
            "paid_on", f"A payment cannot be dated before the visit ({spoken(invoice.visit_on)})."
        )
    with transaction.atomic():
        current = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if current.paid_on is not None:
            raise Refused(
                f"Invoice {current.number} was already paid on {spoken(current.paid_on)}."
            )
        current.paid_on = paid_on
        current.payment_method = method
        current.paid_recorded_by = user
        current.save(update_fields=["paid_on", "payment_method", "paid_recorded_by"])
        return current
