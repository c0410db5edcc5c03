"""Records of the care pathway: intake, decision, plan, sessions (STRICTA), scores.

Each record belongs to a clinic and a patient of that clinic. The engine's results are
stored as the JSON of their typed models, as they were shown, so the record says what
the practitioner saw at the time; reading one back gives the typed model again.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from acuback.clinical.course_plan import CoursePlan
from acuback.clinical.outcome import review_window
from acuback.clinical.screening import Screening
from acuback.knowledge.loader import knowledge_base
from acuback.web.clinics.models import Clinic, Patient


class ClinicRecord(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class IntakeRecord(ClinicRecord):
    answers = models.JSONField(help_text="The intake as entered, in knowledge-base codes")
    triage_level = models.CharField(max_length=30)
    screening_json = models.JSONField(help_text="The engine's screening as shown, typed")
    # Kept by save(): the Today page lists the intakes a doctor's approval holds without
    # reading every intake's screening.
    held_for_approval = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created"]
        # Today: the few intakes a doctor's approval holds, out of every intake taken.
        indexes = [
            models.Index(
                fields=["clinic", "created_by"],
                condition=models.Q(held_for_approval=True),
                name="intake_held_for_approval",
            )
        ]

    def __str__(self) -> str:
        return f"Intake {self.pk} ({self.triage_level})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.summarise()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "held_for_approval"}
        super().save(*args, **kwargs)

    def summarise(self) -> None:
        """Set held_for_approval from the screening (bulk_create callers call this first)."""
        self.held_for_approval = screening_holds_for_approval(self.screening_json)

    @cached_property
    def screening(self) -> Screening:
        """The screening shown when the intake was saved (before any later decision)."""
        return Screening.model_validate(self.screening_json)


APPROVAL_LEVEL = "physician_clearance"


def screening_holds_for_approval(screening_json: dict[str, Any]) -> bool:
    """Does this stored screening hold the plan until a doctor approves?"""
    blockers = screening_json.get("plan_blockers") or []
    return any(b.get("level") == APPROVAL_LEVEL for b in blockers)


class DecisionKind(models.TextChoices):
    CLEARANCE_RECEIVED = "clearance_received", "Doctor's approval received"
    REFERRED = "referred", "Referred to a doctor or service"
    DEFERRED = "deferred", "Treatment deferred"
    DECLINED = "declined", "Doctor advised against acupuncture"
    GUARDIAN_CONSENT = "guardian_consent", "Parent's or guardian's consent recorded"


class Decision(ClinicRecord):
    """What the practitioner did about a triage result that stopped the workflow."""

    intake = models.ForeignKey(IntakeRecord, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=30, choices=DecisionKind.choices)
    on = models.DateField(help_text="Date the approval arrived, or the referral was made")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on}"


SUMMARY_FIELDS = (
    "began", "review_opens", "review_closes", "condition", "startback_risk", "planned_sessions",
    "reviews", "planned_end",
)  # fmt: skip


def planned_end(course_json: dict[str, Any]) -> date | None:
    """The day of a stored course's last planned session."""
    days = [session["date"] for session in course_json.get("sessions") or ()]
    return date.fromisoformat(max(days)) if days else None


def review_dates(course_json: dict[str, Any]) -> list[dict[str, str]]:
    """A stored course's reviews as the Today page reads them: label and ISO date."""
    return [
        {"label": review["label"], "date": review["date"]}
        for review in course_json.get("reviews") or ()
    ]


class PlanRecord(ClinicRecord):
    intake = models.ForeignKey(IntakeRecord, on_delete=models.PROTECT, related_name="plans")
    start = models.DateField()
    course_json = models.JSONField(help_text="The engine's course plan as drafted, typed")
    # Kept by save() from the intake, the course and the review rule, so the outcomes report
    # reads plain columns instead of working out each course's dates and parsing its JSON.
    began = models.DateField(null=True, editable=False, help_text="Intake or start, if earlier")
    review_opens = models.DateField(null=True, editable=False)
    review_closes = models.DateField(null=True, editable=False)
    condition = models.CharField(max_length=60, blank=True, editable=False)
    startback_risk = models.CharField(max_length=10, blank=True, editable=False)
    planned_sessions = models.PositiveSmallIntegerField(default=0, editable=False)
    # The course's reviews, label and date each: the Today page's review list reads them
    # for every course in hand, the course itself for none.
    reviews = models.JSONField(default=list, editable=False)
    # The patient's newest plan, with a planned session still to chart: set by
    # acuback.web.care.courses whenever a plan or a session is written.
    active = models.BooleanField(default=False, editable=False)
    # The day of the last planned session: Today leaves out a course long past it.
    planned_end = models.DateField(null=True, editable=False)

    class Meta:
        ordering = ["-created"]
        # The outcomes report: a clinic's courses started in a period. Today: a
        # practitioner's own courses, without reading the whole clinic's; and the courses
        # in hand, without reading every finished one.
        indexes = [
            models.Index(fields=["clinic", "start"], name="plan_clinic_start"),
            models.Index(fields=["clinic", "created_by"], name="plan_clinic_author"),
            models.Index(
                fields=["clinic", "created_by", "planned_end"],
                condition=models.Q(active=True),
                name="plan_in_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} from {self.start}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.summarise()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *SUMMARY_FIELDS}
        super().save(*args, **kwargs)

    def summarise(self) -> None:
        """The columns the outcomes report and the Today page read: first day, review
        window, main condition, STarT Back risk, sessions planned, reviews and the last
        session's day (bulk_create callers call this first)."""
        intake_day = timezone.localdate(self.intake.created) if self.intake.created else self.start
        self.began = min(intake_day, self.start)
        self.review_opens, self.review_closes = review_window(self.start, knowledge_base())
        conditions = self.course_json.get("conditions") or [{}]
        self.condition = conditions[0].get("code", "")
        startback = self.intake.screening_json.get("startback") or {}
        self.startback_risk = startback.get("risk", "")
        self.planned_sessions = len(self.course_json.get("sessions") or ())
        self.reviews = review_dates(self.course_json)
        self.planned_end = planned_end(self.course_json)

    @cached_property
    def course(self) -> CoursePlan:
        return CoursePlan.model_validate(self.course_json)


class Response(models.TextChoices):
    DE_QI = "de_qi", "De qi"
    TWITCH = "twitch", "Local twitch"
    NONE = "none", "None sought"


class Stimulation(models.TextChoices):
    MANUAL = "manual", "Manual"
    ELECTRICAL = "electrical", "Electrical"
    NONE = "none", "None (needles left in place)"


class SessionRecord(ClinicRecord):
    """One treatment, charted along STRICTA 2010 items 2-4."""

    plan = models.ForeignKey(PlanRecord, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField()
    day = models.DateField()
    points = models.JSONField(default=list, help_text='[{"code": "bl23", "side": "both"}]')
    needles_inserted = models.PositiveIntegerField(null=True, blank=True)
    needles_removed = models.PositiveIntegerField(null=True, blank=True)
    needle_type = models.CharField(max_length=120, blank=True, help_text="maker, material")
    needle_diameter_mm = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    needle_length_mm = models.PositiveIntegerField(null=True, blank=True)
    depth_mm = models.CharField(max_length=60, blank=True, help_text="e.g. 10-25")
    response_sought = models.CharField(max_length=10, choices=Response.choices, blank=True)
    stimulation = models.CharField(max_length=12, choices=Stimulation.choices, blank=True)
    electrical_settings = models.CharField(max_length=200, blank=True, help_text="Hz, mA, pairs")
    retention_minutes = models.PositiveIntegerField(null=True, blank=True)
    moxibustion = models.BooleanField(default=False)
    cupping = models.BooleanField(default=False)
    tui_na = models.BooleanField(default=False)
    ear_seeds = models.BooleanField(default=False)
    advice = models.TextField(blank=True)
    nrs_before = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    nrs_after = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    next_appointment = models.DateField(null=True, blank=True)
    restrictions_applied = models.JSONField(
        default=list, blank=True, help_text="Keys of the restrictions the practitioner applied"
    )
    closed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_session_number_per_plan")
        ]
        # The outcomes report: a course's visits in date order; a clinic's charted sessions
        # in a period, counted from the index alone.
        indexes = [
            models.Index(fields=["plan", "day", "number"], name="session_plan_day"),
            models.Index(
                fields=["clinic", "day"],
                condition=models.Q(closed__isnull=False),
                name="session_closed_clinic_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} on {self.day}"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SERIOUS = "serious", "Serious"


class AdverseEvent(ClinicRecord):
    session = models.ForeignKey(
        SessionRecord, on_delete=models.CASCADE, related_name="adverse_events"
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField()
    follow_up = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_severity_display()} adverse event"


class ScoreSource(models.TextChoices):
    CLINIC = "clinic", "Recorded by the clinic"
    PATIENT = "patient", "Reported by the patient"


class ScoreRecord(ClinicRecord):
    instrument = models.CharField(max_length=30, help_text="Knowledge-base instrument code")
    value = models.DecimalField(max_digits=5, decimal_places=1)
    day = models.DateField()
    session = models.ForeignKey(
        SessionRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="scores"
    )
    # A patient's own diary entry (created_by is then the patient's user). The course's
    # outcome is still judged on the clinic's scores only: see care.service.course_scores.
    source = models.CharField(max_length=10, choices=ScoreSource.choices, default="clinic")
    # The item ratings a score was computed from (PEG: the three 0-10 ratings), by item code.
    items = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["day", "id"]
        # A patient's scores of one instrument in date order: the course's baseline and
        # review in the outcomes report, and the patient page's series.
        indexes = [
            models.Index(
                fields=["patient", "instrument", "source", "day"], name="score_patient_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.value} on {self.day}"


class Message(ClinicRecord):
    from_patient = models.BooleanField(default=False)
    body = models.TextField()
    # When the other side first read it: a practitioner for the patient's messages, the
    # patient (in the portal) for the clinic's.
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Message {self.pk}"
