"""A course plan told to its patient: body areas, dates, what to expect, what is left out and why.

The plan and its screening are typed engine results written for practitioners (point codes,
rule codes, clinical reasons). This presenter keeps only what a patient needs and says it
in plain words taken from the knowledge base: region labels for where needles go, the
course rules' numbers for when, the FAQ answers for what it feels like, and each
contraindication's `for_patients` sentence for what is done differently and why. Nothing
it returns carries a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from acuback.clinical.base import spoken
from acuback.clinical.course_plan import CoursePlan, PlannedPoint
from acuback.clinical.intake import Intake
from acuback.clinical.screening import Screening, where
from acuback.knowledge.loader import KnowledgeBase, knowledge_base
from acuback.knowledge.schema import BlockRule, ReviewRule, TriageLevel
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord
from acuback.web.clinics.models import Patient

# The FAQ answers that say what a session feels like and what may follow it.
EXPECT_FAQ = ("what-happens-in-a-session", "is-it-painful", "after-treatment")
TIMES_A_WEEK = {1: "once a week", 2: "twice a week"}


class PlanNotFound(Exception):
    """No such plan among this patient's own (another patient's plan is not found either)."""


@dataclass(frozen=True)
class Area:
    name: str
    where: str
    points: int


@dataclass(frozen=True)
class Visit:
    number: int
    day: str


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    slug: str  # for the link to the public answer page only, never shown


@dataclass(frozen=True)
class PatientPlan:
    pk: int
    start: str
    file_day: str
    areas: tuple[Area, ...]
    methods: tuple[str, ...]
    rhythm: str
    span: str
    visits: tuple[Visit, ...]
    reviews: tuple[str, ...]
    limits: tuple[str, ...]
    expect: tuple[Answer, ...]
    restrictions: tuple[str, ...]


@dataclass(frozen=True)
class PlanStatus:
    """Where the patient stands: is treatment waiting for a doctor, or for something else?"""

    waiting_for_doctor: bool
    not_yet: bool


# --- finding the patient's own plans --------------------------------------------------


def plans_of(patient: Patient) -> list[PlanRecord]:
    """The patient's plans, newest first: the first is the current one."""
    return list(
        PlanRecord.objects.filter(patient=patient, clinic=patient.clinic)
        .select_related("intake")
        .order_by("-created", "-id")
    )


def plan_of(patient: Patient, plan_id: int) -> PlanRecord:
    """One of the patient's own plans; any other id is not found, in any clinic."""
    try:
        return PlanRecord.objects.select_related("intake").get(
            pk=plan_id, patient=patient, clinic=patient.clinic
        )
    except PlanRecord.DoesNotExist as exc:
        raise PlanNotFound(f"no plan {plan_id} for this patient") from exc


def status_of(patient: Patient) -> PlanStatus:
    """Whether the newest intake holds treatment back, and whether for a doctor's reply."""
    permission = care.care_permission(patient)
    if permission.allowed or permission.screening is None:
        return PlanStatus(waiting_for_doctor=False, not_yet=not permission.allowed)
    doctor = any(
        b.level == TriageLevel.PHYSICIAN_CLEARANCE for b in permission.screening.plan_blockers
    )
    return PlanStatus(waiting_for_doctor=doctor, not_yet=True)


# --- the plan in plain words ----------------------------------------------------------


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _where(region_code: str, points: list[PlannedPoint], kb: KnowledgeBase) -> str:
    """The sides of one area in words: 'both sides', 'left leg', 'both ears', 'middle'."""
    sides = {p.side for p in points}
    both = "bilateral" in sides or {"left", "right"} <= sides
    one = next((s for s in ("left", "right") if s in sides), None)
    limb: str | None = kb.regions[region_code].limb
    if region_code == "ear":
        limb = "ear"
    parts = []
    if both:
        parts.append(f"both {limb}s" if limb else "both sides")
    elif one is not None:
        parts.append(f"{one} {limb}" if limb else f"{one} side")
    if "midline" in sides:
        parts.append("along the middle")
    return " and ".join(parts)


def areas(course: CoursePlan, kb: KnowledgeBase) -> tuple[Area, ...]:
    """Where the needles go, by body area from head to foot, with the sides."""
    by_region: dict[str, list[PlannedPoint]] = {}
    for point in course.points:
        by_region.setdefault(point.region, []).append(point)
    return tuple(
        Area(
            name=kb.regions[code].label,
            where=_where(code, by_region[code], kb),
            points=len(by_region[code]),
        )
        for code in kb.regions
        if code in by_region
    )


def _rhythm(course: CoursePlan, kb: KnowledgeBase) -> str:
    block = kb.course_rules.get(course.schedule.code)
    opening = [s for s in course.sessions if s.phase == "initial"]
    weekly = [s for s in course.sessions if s.phase == "weekly"]
    if not isinstance(block, BlockRule) or not opening:
        return f"{len(course.sessions)} sessions."
    weeks = "1 week" if block.opening_weeks == 1 else f"{block.opening_weeks} weeks"
    text = f"{TIMES_A_WEEK[block.opening_per_week].capitalize()} for {weeks}"
    if weekly:
        text += f", then once a week for {len(weekly)} more week{'s' if len(weekly) > 1 else ''}"
    return f"{text}: {len(course.sessions)} sessions in all."


def _reviews(course: CoursePlan, kb: KnowledgeBase) -> tuple[str, ...]:
    lines = []
    last = course.sessions[-1].date if course.sessions else course.start
    for review in course.reviews:
        rule = kb.course_rules.get(review.code)
        if isinstance(rule, ReviewRule):
            first, final = rule.review_weeks
            until = course.start + timedelta(weeks=final)
            lines.append(
                f"Weeks {first} to {final}, between {spoken(review.date)} and {spoken(until)}: "
                f"{_lower(rule.label.split(' at ')[0])}."
            )
        elif isinstance(rule, BlockRule) and rule.review_after_days is not None:
            lines.append(
                f"{spoken(review.date)}: a review {rule.review_after_days} days after your "
                "last session."
            )
        else:
            what = "the end of this block of sessions" if review.date == last else "a review"
            lines.append(f"{spoken(review.date)}: {what}.")
    return tuple(lines)


def _limits(course: CoursePlan) -> tuple[str, ...]:
    lines = [f"This plan has at most {len(course.sessions)} sessions."]
    for cap in course.caps:
        verdict = "more than" if cap.over else "within"
        first, within = f"{cap.window_days} days", f"{cap.window_days} days"
        if cap.window_days == 365:
            first, within = "year", "a year"
        lines.append(
            f"It has {cap.planned} sessions in its first {first}, {verdict} "
            f"the {cap.limit} visits in {within} some insurers pay for."
        )
    return tuple(lines)


def restrictions(intake: Intake, screening: Screening, kb: KnowledgeBase) -> tuple[str, ...]:
    """What is done differently for this patient, and why, one sentence each."""
    lines = []
    for local in intake.local_findings:
        finding = kb.findings[local.finding]
        name = finding.for_patients or _lower(finding.label)
        lines.append(f"No needles or heat in your {where(local, kb)}, because of the {name} there.")
    present = intake.findings()
    seen: set[str] = set()
    for reasons in screening.contraindications.values():
        for reason in reasons:
            ci = kb.contraindications.get(reason.code)
            if ci is None or ci.code in seen:
                continue
            seen.add(ci.code)
            if ci.for_patients:
                lines.append(ci.for_patients)
                continue
            because = ", ".join(
                _lower(kb.findings[f].label) for f in ci.triggered_by if f in present
            )
            line = f"Your practitioner takes extra care because of: {because}."
            left_out = [kb.methods[m].label for m in ci.excludes.methods if m in kb.methods]
            if left_out:
                line += f" Not used: {', '.join(_lower(m) for m in left_out)}."
            lines.append(line)
    return tuple(lines)


def patient_plan(plan: PlanRecord) -> PatientPlan:
    kb = knowledge_base()
    course = plan.course
    intake = care.current_intake(plan.intake)
    screening = care.current_screening(plan.intake)
    visits = tuple(Visit(s.number, spoken(s.date)) for s in course.sessions)
    span = ""
    if course.sessions:
        span = f"From {spoken(course.sessions[0].date)} to {spoken(course.sessions[-1].date)}."
    return PatientPlan(
        pk=plan.pk,
        start=spoken(course.start),
        file_day=course.start.isoformat(),
        areas=areas(course, kb),
        methods=tuple(kb.methods[m.code].label for m in course.methods if m.code in kb.methods),
        rhythm=_rhythm(course, kb),
        span=span,
        visits=visits,
        reviews=_reviews(course, kb),
        limits=_limits(course),
        expect=tuple(
            Answer(kb.faq[code].label, kb.faq[code].description, code)
            for code in EXPECT_FAQ
            if code in kb.faq
        ),
        restrictions=restrictions(intake, screening, kb),
    )
