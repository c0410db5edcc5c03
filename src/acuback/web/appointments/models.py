"""The appointment book: each clinic's booking rules, appointment types and appointments.

A practitioner's time is blocked from the start of the travel before an appointment to the
end of the travel after it; the service (not the database) refuses any overlap, under a
lock on the practitioner's membership row.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from acuback.web.care.models import PlanRecord, SessionRecord
from acuback.web.clinics.models import Clinic, Patient


class BookingRules(models.Model):
    """One per clinic, created with these defaults the first time it is needed."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="booking_rules")
    cancellation_notice_hours = models.PositiveSmallIntegerField(
        default=24, help_text="A cancellation with less notice than this is marked late."
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        default=24, help_text="How long before an appointment its reminder goes out."
    )
    opens = models.TimeField(default=time(8, 0), help_text="First time an appointment may start.")
    closes = models.TimeField(default=time(18, 0), help_text="Every appointment ends by then.")
    slot_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text="Appointments start on this grid (e.g. every 15 minutes).",
    )

    class Meta:
        verbose_name = "booking rules"
        verbose_name_plural = "booking rules"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")), name="rules_open_before_close"
            )
        ]

    def __str__(self) -> str:
        return f"Booking rules of {self.clinic}"


class Kind(models.TextChoices):
    FIRST_ASSESSMENT = "first_assessment", "First assessment"
    TREATMENT = "treatment", "Treatment"
    REVIEW = "review", "Review"
    HOME_VISIT = "home_visit", "Home visit"


class AppointmentType(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="appointment_types")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    price = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="one_type_name_per_clinic"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="type_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def is_home_visit(self) -> bool:
        return self.kind == Kind.HOME_VISIT


class Status(models.TextChoices):
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "Did not attend"


class Appointment(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    cancel_notice_hours = models.DecimalField(
        max_digits=7, decimal_places=1, null=True, blank=True,
        help_text="Hours between the cancellation and the appointment's start",
    )  # fmt: skip
    cancelled_late = models.BooleanField(default=False)
    address = models.TextField(blank=True, help_text="Where a home visit takes place")
    travel_before_minutes = models.PositiveSmallIntegerField(default=0)
    travel_after_minutes = models.PositiveSmallIntegerField(default=0)
    plan = models.ForeignKey(
        PlanRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    planned_number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The plan's session number this appointment is for"
    )
    session = models.OneToOneField(
        SessionRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="appointment"
    )
    # Set by the reminder worker once a reminder has gone out; never by a page.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["practitioner", "starts_at"]),
            models.Index(fields=["clinic", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type.name} for {self.patient} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def blocked_from(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.travel_before_minutes)

    @property
    def blocked_until(self) -> datetime:
        return self.ends_at + timedelta(minutes=self.travel_after_minutes)

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_open(self) -> bool:
        """Still to happen or happening: it holds the practitioner's time."""
        return self.status in {Status.BOOKED, Status.ARRIVED}


class CalendarFeed(models.Model):
    """A practitioner's private calendar address. Only a hash of its secret is kept."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class TimeOfDay(models.TextChoices):
    ANY = "any", "Any time"
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"


class RequestStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the clinic"
    BOOKED = "booked", "Booked"
    DECLINED = "declined", "Declined"


class HomeVisitRequest(models.Model):
    """A patient asks for a home visit from the portal; the clinic books it or declines it.

    The patient does not book a home visit directly: travel and the practitioner's round
    are the clinic's to judge.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="home_visit_requests"
    )
    address = models.TextField()
    earliest = models.DateField(help_text="The first day that suits the patient")
    latest = models.DateField(null=True, blank=True, help_text="The last day that suits")
    time_of_day = models.CharField(max_length=10, choices=TimeOfDay.choices, default=TimeOfDay.ANY)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.WAITING
    )
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latest__isnull=True)
                | models.Q(latest__gte=models.F("earliest")),
                name="home_visit_request_latest_after_earliest",
            )
        ]

    def __str__(self) -> str:
        return f"Home visit request of {self.patient}"
