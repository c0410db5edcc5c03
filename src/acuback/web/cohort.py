"""A realistic cohort for the demo clinic, at a clinic group's scale: `acuback demo --patients N`.

Fictional patients with intakes across the conditions, red flags and contraindications,
courses planned by the engine, STRICTA sessions, pain and disability scores for responders
and non-responders, adverse events and the appointment book around today. It is how
acuback is tried at 10,000 patients and what `make bench` measures.

Every intake is read, screened and planned by the engine, and every chart passes
`check_chart` against that screening, so the cohort obeys the same safety rules as the
clinic's own records. Rows are then written in bulk: ten thousand patients entered one
form at a time would take the better part of an hour.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.utils import timezone

from acuback.clinical.chart import Chart, ChartedPoint, check_chart
from acuback.clinical.course_plan import CoursePlan, course_plan
from acuback.clinical.intake import read_intake
from acuback.clinical.screening import Screening, screen
from acuback.knowledge.loader import KnowledgeBase, knowledge_base
from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, Kind, Status
from acuback.web.care.courses import mark_active
from acuback.web.care.models import (
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
from acuback.web.care.service import CHART_SIDES
from acuback.web.clinics.models import Clinic, Membership, Patient, PatientNameWord, Role, Sex
from acuback.web.reports.service import refresh_outcomes

DEMO_CLINIC = "demo-back-clinic"
BATCH = 500
# Fictional names; any likeness to a real person is accidental. No family name is a demo
# patient's, so the demo still finds its own patients by name (clinics.service.load_demo).
GIVEN = [
    "Ada",
    "Ben",
    "Carla",
    "Dev",
    "Elin",
    "Femi",
    "Greta",
    "Hugo",
    "Iris",
    "Jonas",
    "Kemi",
    "Lars",
    "Maya",
    "Nico",
    "Olga",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xenia",
    "Yusuf",
    "Zora",
    "Amir",
    "Bea",
    "Cyril",
    "Dina",
    "Emil",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jade",
    "Kit",
    "Lena",
    "Milo",
    "Nora",
    "Otto",
    "Pia",
    "Raj",
    "Sofia",
    "Theo",
    "Una",
    "Viktor",
    "Wren",
    "Yara",
    "Zeke",
]
FAMILY = [
    "Abbott",
    "Brennan",
    "Castell",
    "Dorsey",
    "Ekwueme",
    "Fairley",
    "Gallo",
    "Haldane",
    "Ibarra",
    "Jansen",
    "Kowal",
    "Moreau",
    "Nakamura",
    "Petrov",
    "Quayle",
    "Rinaldi",
    "Sandoval",
    "Takahashi",
    "Ulloa",
    "Varga",
    "Whitcombe",
    "Xiong",
    "Yilmaz",
    "Zeller",
    "Achterberg",
    "Beaumont",
    "Chaudhry",
    "Delacroix",
    "Esposito",
    "Grieve",
    "Hollis",
    "Iwasaki",
    "Jurado",
    "Kessler",
    "Larsen",
    "Mbeki",
    "Novak",
    "Ostrowski",
    "Pereira",
    "Rasmussen",
    "Szabo",
]
PRACTITIONERS = (
    ("mira", "Mira", "Achebe"),
    ("tomas", "Tomas", "Halvorsen"),
    ("aiko", "Aiko", "Brennan"),
    ("rahul", "Rahul", "Desai"),
    ("ines", "Ines", "Moreau"),
    ("owen", "Owen", "Achterberg"),
    ("lena", "Lena", "Novak"),
    ("samuel", "Samuel", "Idowu"),
)
PATIENTS_PER_PRACTITIONER = 1500
# How often each condition is the main one, roughly as back-pain clinics see them.
CONDITIONS = {
    "chronic-low-back-pain": 45,
    "sciatica": 12,
    "acute-low-back-pain": 12,
    "disc-herniation": 8,
    "lumbar-stenosis": 5,
    "facet-syndrome": 5,
    "spondylosis": 4,
    "degenerative-disc-disease": 4,
    "spondylolisthesis": 3,
    "acute-contracture": 2,
}
# Red flags that need a doctor first (a few in a hundred), and the rare emergency.
RED_FLAGS = ("rf-weight-loss", "rf-fever", "rf-cancer-night-pain", "rf-major-trauma")
EMERGENCIES = ("rf-saddle-anaesthesia", "rf-bladder-disturbance", "rf-foot-drop")
# (field, finding, share of patients)
FINDINGS = (
    ("history", "diabetes", 0.08),
    ("medications", "anticoagulant", 0.06),
    ("devices", "other-metal-implant", 0.03),
    ("devices", "pacemaker", 0.01),
    ("history", "needle-phobia", 0.02),
    ("history", "bleeding-disorder", 0.01),
    ("medications", "corticosteroid-therapy", 0.02),
)
ADVERSE = (
    (Severity.MILD, 0.015, "Small bruise where a needle was; gone within a few days."),
    (Severity.MILD, 0.008, "Aching at one point for the rest of the day."),
    (Severity.MODERATE, 0.002, "Felt faint near the end of the session; lay flat and recovered."),
)
RESPONDER_SHARE = 0.55
DROPOUT_SHARE = 0.15
SLOT = timedelta(minutes=30)
SLOTS_PER_DAY = 18  # 08:00 to 17:00 in half hours
BOOK_PAST_DAYS = 28
BOOK_AHEAD_DAYS = 14

Progress = Callable[[int], None]


@dataclass
class CohortCounts:
    patients: int = 0
    intakes: int = 0
    plans: int = 0
    sessions: int = 0
    scores: int = 0
    adverse_events: int = 0
    appointments: int = 0
    levels: Counter[str] = field(default_factory=Counter)


# --- the clinical side: pure, through the engine -------------------------------------


def _intake_answers(rng: random.Random, kb: KnowledgeBase, age: int, sex: str) -> dict[str, Any]:
    condition = rng.choices(list(CONDITIONS), weights=list(CONDITIONS.values()))[0]
    longest = kb.conditions[condition].max_weeks
    weeks = rng.randint(1, longest) if longest else rng.choice([14, 26, 40, 60, 104, 200])
    sites = ["lumbar"]
    if condition in ("sciatica", "disc-herniation", "lumbar-stenosis"):
        sites += ["buttock", rng.choice(["leg-above-knee", "leg-below-knee"])]
    elif rng.random() < 0.3:
        sites.append(rng.choice(["sacral", "buttock", "hip"]))
    answers: dict[str, Any] = {
        "age": age,
        "sex": sex,
        "pain_duration_weeks": weeks,
        "pain_pattern": rng.choice(["constant", "intermittent", "recurrent"]),
        "pain_sites": sites,
        "conditions": [condition],
        "red_flags": [],
        "history": [],
        "medications": [],
        "devices": [],
        "nrs": rng.randint(4, 9),
        "startback": {f"startback-{i}": int(rng.random() < 0.35) for i in range(1, 10)},
    }
    roll = rng.random()
    if roll < 0.01:
        answers["red_flags"] = [rng.choice(EMERGENCIES)]
    elif roll < 0.04:
        answers["red_flags"] = [rng.choice(RED_FLAGS)]
    for name, finding, share in FINDINGS:
        if rng.random() < share and finding in kb.findings:
            answers[name].append(finding)
    if sex == "female" and 20 <= age <= 42 and rng.random() < 0.03:
        answers["pregnant"] = True
        answers["pregnancy_weeks"] = rng.randint(14, 34)
    return answers


@dataclass(frozen=True)
class Course:
    """One patient's way through the engine: the intake, and the plan when one is allowed."""

    answers: dict[str, Any]
    # As shown at intake (stored on the intake record), and as it stands once any
    # doctor's approval is applied (what the plan and the charts obey).
    at_intake: Screening
    screening: Screening
    cleared_on: date | None
    start: date
    plan: CoursePlan | None
    chart: Chart | None


def _course(
    answers: dict[str, Any], kb: KnowledgeBase, seen: date, wait: int, today: date
) -> Course:
    """Screen the intake; where only a doctor's approval stands in the way, it arrives
    within a week; plan from the day after `wait` days (or the approval), never after today."""
    intake = read_intake(answers, kb, today=seen)
    screening = at_intake = screen(intake, kb)
    cleared_on = None
    if not screening.plan_allowed and not intake.red_flags:
        cleared_on = min(today, seen + timedelta(days=5))
        cleared = read_intake({**answers, "physician_clearance": cleared_on.isoformat()}, kb)
        if screen(cleared, kb).plan_allowed:
            intake, screening = cleared, screen(cleared, kb)
        else:
            cleared_on = None
    start = min(today, max(seen + timedelta(days=wait), cleared_on or seen))
    plan = course_plan(intake, screening, kb, start, today=start)
    chart = _chart(plan, screening, kb) if plan is not None else None
    return Course(answers, at_intake, screening, cleared_on, start, plan, chart)


def _chart(plan: CoursePlan, screening: Screening, kb: KnowledgeBase) -> Chart | None:
    """The course's points as charted, with the restrictions the practitioner applies."""
    points = tuple(ChartedPoint(code=p.code, side=CHART_SIDES[p.side]) for p in plan.points)
    check = check_chart(Chart(points=points), screening, kb)
    if check.refused:
        return None  # never charted: the cohort keeps only what the safe core allows
    applied = frozenset(r.key for r in (*check.applied, *check.to_acknowledge))
    chart = Chart(points=points, acknowledged=applied)
    return chart if check_chart(chart, screening, kb).ok else None


# --- writing it down ------------------------------------------------------------------


@contextmanager
def _dated_as_given(*record_models: type[models.Model]) -> Iterator[None]:
    """Keep the `created` times we set: a course begun last year was not entered today."""
    fields: list[Any] = [m._meta.get_field("created") for m in record_models]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def cohort_practitioners(clinic: Clinic, patients: int) -> list[User]:
    """Enough practitioners for the cohort (records only: they have no password)."""
    wanted = max(2, min(len(PRACTITIONERS), -(-patients // PATIENTS_PER_PRACTITIONER)))
    users = []
    for slug, given, family in PRACTITIONERS[:wanted]:
        user, made = get_user_model().objects.get_or_create(
            username=f"{clinic.slug}-{slug}",
            defaults={"first_name": given, "last_name": family},
        )
        if made:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=user, defaults={"clinic": clinic, "role": Role.PRACTITIONER}
        )
        users.append(user)
    return users


def _moment(day: date, slot: int) -> datetime:
    return book.at(day, time(8, 0)) + slot * SLOT


@dataclass
class _Book:
    """Half-hour slots per practitioner and day, so no one is booked twice at once."""

    taken: Counter[tuple[int, date]] = field(default_factory=Counter)

    def slot(self, practitioner: User, day: date) -> datetime | None:
        if day.weekday() >= 5 or self.taken[(practitioner.pk, day)] >= SLOTS_PER_DAY:
            return None
        self.taken[(practitioner.pk, day)] += 1
        return _moment(day, self.taken[(practitioner.pk, day)] - 1)


def _session_days(rng: random.Random, start: date, visits: int) -> list[date]:
    """Twice a week for four weeks, then weekly, as the course plan schedules."""
    days, day = [], start
    for n in range(visits):
        days.append(day)
        day += timedelta(days=rng.choice([3, 4]) if n < 8 else rng.choice([7, 7, 8]))
    return days


def _trend(rng: random.Random, baseline: float, responder: bool) -> Callable[[float], float]:
    """Pain (or disability, as a share) over the course: 0 at the start, 1 at its end."""
    end = baseline * (rng.uniform(0.25, 0.6) if responder else rng.uniform(0.85, 1.05))
    return lambda at: baseline + (end - baseline) * at


def generate_cohort(
    clinic: Clinic,
    patients: int,
    *,
    seed: int = 20261123,
    today: date | None = None,
    progress: Progress | None = None,
) -> CohortCounts:
    """Add `patients` fictional patients with their care to the clinic; counts what was made."""
    kb = knowledge_base()
    today = today or timezone.localdate()
    rng = random.Random(seed + Patient.objects.filter(clinic=clinic).count())
    staff = cohort_practitioners(clinic, patients)
    treatment = book.types_for(clinic).get(kind=Kind.TREATMENT)
    counts = CohortCounts()
    slots = _Book()
    for first in range(0, patients, BATCH):
        size = min(BATCH, patients - first)
        with (
            transaction.atomic(),
            _dated_as_given(
                IntakeRecord, Decision, PlanRecord, SessionRecord, ScoreRecord, AdverseEvent
            ),
        ):
            _batch(clinic, size, rng, kb, today, staff, treatment, slots, counts)
        if progress is not None:
            progress(size)
    # A bulk load leaves the planner's statistics behind until autovacuum comes round; until
    # then PostgreSQL may walk a whole table in key order for one row of a unique column.
    # The rows each batch updated after inserting them (sessions' pain, plans' `active`) are
    # dead copies until then, too: PostgreSQL vacuums them here (SQLite updates in place),
    # unless a caller's transaction is open, where VACUUM cannot run.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    return counts


def _aware(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def _score(
    patient: Patient, by: User, instrument: str, value: float | Decimal, day: date,
    session: SessionRecord | None = None,
) -> ScoreRecord:  # fmt: skip
    return ScoreRecord(
        clinic=patient.clinic, patient=patient, created_by=by, instrument=instrument,
        value=Decimal(value), day=day, session=session, source=ScoreSource.CLINIC,
        created=_aware(day, time(12, 0)),
    )  # fmt: skip


def _visits(rng: random.Random, responder: bool) -> int:
    """Some stop early; the rest come to the 6-8 week review (the eleventh visit), and
    those who responded go on to a dozen, within the usual caps."""
    if rng.random() < DROPOUT_SHARE:
        return rng.randint(1, 4)
    return rng.randint(11, 12) if responder else 11


def _sessions(
    rng: random.Random, plan: PlanRecord, chart: Chart, by: User, responder: bool, today: date
) -> list[SessionRecord]:
    """The course's charted sessions up to today, each as a practitioner closes it."""
    needles = sum(2 if p.side == "both" else 1 for p in chart.points)
    made = []
    for number, day in enumerate(_session_days(rng, plan.start, _visits(rng, responder)), 1):
        if day > today:
            break
        closed = _aware(day, time(rng.randint(8, 16), 45))
        made.append(
            SessionRecord(
                clinic=plan.clinic,
                patient=plan.patient,
                created_by=by,
                created=closed,
                plan=plan,
                number=number,
                day=day,
                points=[{"code": p.code, "side": p.side} for p in chart.points],
                needles_inserted=needles,
                needles_removed=needles,
                needle_type="Single-use stainless steel, guide tube",
                needle_diameter_mm=Decimal("0.25"),
                needle_length_mm=40,
                depth_mm="10-30",
                response_sought="de_qi",
                stimulation="manual",
                retention_minutes=20,
                advice="Keep active; walk every day.",
                restrictions_applied=sorted(chart.acknowledged),
                closed=closed,
            )  # fmt: skip
        )
    return made


def _appointment(
    plan: PlanRecord, by: User, kind: Any, day: date, slots: _Book,
    session: SessionRecord | None = None,
) -> Appointment | None:  # fmt: skip
    starts = slots.slot(by, day)
    if starts is None:
        return None  # the day is full: seen without a booking
    return Appointment(
        clinic=plan.clinic, patient=plan.patient, practitioner=by, created_by=by, type=kind,
        starts_at=starts, ends_at=starts + SLOT, plan=plan, session=session,
        status=Status.DONE if session is not None else Status.BOOKED,
    )  # fmt: skip


def _new_patients(
    clinic: Clinic, size: int, rng: random.Random, today: date
) -> list[tuple[Patient, date, int]]:
    """Fictional patients, each with the day they were first seen and their age then."""
    people = []
    for _ in range(size):
        age = round(rng.triangular(18, 90, 52))
        sex = rng.choices([Sex.FEMALE, Sex.MALE, Sex.OTHER], weights=[55, 43, 2])[0]
        seen = today - timedelta(days=rng.randint(0, 730))
        born = seen - timedelta(days=365 * age + 30 + rng.randint(0, 300))
        given, family, n = rng.choice(GIVEN), rng.choice(FAMILY), rng.randint(0, 999)
        patient = Patient(
            clinic=clinic, given_name=given, family_name=family, date_of_birth=born, sex=sex,
            phone=f"+44 7700 900{n:03d}", email=f"{given}.{family}.{n}@example.org".lower(),
        )  # fmt: skip
        people.append((patient, seen, age))
    Patient.objects.bulk_create([p for p, _, _ in people])
    PatientNameWord.index([p for p, _, _ in people])
    return people


def _batch(
    clinic: Clinic, size: int, rng: random.Random, kb: KnowledgeBase, today: date,
    staff: list[User], treatment: Any, slots: _Book, counts: CohortCounts,
) -> None:  # fmt: skip
    people = _new_patients(clinic, size, rng, today)
    counts.patients += size

    pending = []
    for patient, seen, age in people:
        practitioner = rng.choice(staff)
        answers = _intake_answers(rng, kb, age, str(patient.sex))
        course = _course(answers, kb, seen, rng.randint(0, 7), today)
        counts.levels[course.at_intake.level.value] += 1
        intake = IntakeRecord(
            clinic=clinic, patient=patient, created_by=practitioner, created=_aware(seen, time(9)),
            answers=answers, triage_level=course.at_intake.level.value,
            screening_json=course.at_intake.model_dump(mode="json"),
        )  # fmt: skip
        pending.append((patient, seen, practitioner, intake, course))
    for _, _, _, intake, _ in pending:
        intake.summarise()
    IntakeRecord.objects.bulk_create([intake for _, _, _, intake, _ in pending])
    counts.intakes += len(pending)

    decisions, plans = [], []
    for patient, _, practitioner, intake, course in pending:
        if course.cleared_on is not None:
            decisions.append(
                Decision(
                    clinic=clinic,
                    patient=patient,
                    created_by=practitioner,
                    intake=intake,
                    kind=DecisionKind.CLEARANCE_RECEIVED,
                    on=course.cleared_on,
                    created=_aware(course.cleared_on, time(9)),
                    note="Approval letter from the GP.",
                )  # fmt: skip
            )
        if course.plan is not None and course.chart is not None:
            plans.append(
                PlanRecord(
                    clinic=clinic,
                    patient=patient,
                    created_by=practitioner,
                    intake=intake,
                    start=course.start,
                    course_json=course.plan.model_dump(mode="json"),
                    created=_aware(course.start, time(9, 30)),
                )  # fmt: skip
            )
    Decision.objects.bulk_create(decisions)
    for plan in plans:
        plan.summarise()
    PlanRecord.objects.bulk_create(plans)
    counts.plans += len(plans)

    by_intake = {plan.intake_id: plan for plan in plans}
    sessions: list[SessionRecord] = []
    scores, adverse, appointments, follow = [], [], [], []
    for patient, seen, practitioner, intake, course in pending:
        # The pain at intake is the course's baseline, as record_intake stores it.
        scores.append(_score(patient, practitioner, "nrs", answers_nrs(course), seen))
        planned = by_intake.get(intake.pk)
        if planned is None or course.chart is None:
            continue
        plan = planned
        responder = rng.random() < RESPONDER_SHARE
        made = _sessions(rng, plan, course.chart, practitioner, responder, today)
        if made:
            sessions.extend(made)
            follow.append((plan, course, practitioner, responder, made))
    SessionRecord.objects.bulk_create(sessions)
    counts.sessions += len(sessions)

    for plan, course, practitioner, responder, made in follow:
        span = max(1, (made[-1].day - plan.start).days)
        pain = _trend(rng, answers_nrs(course), responder)
        instrument = "rmdq" if "chronic-low-back-pain" in course.answers["conditions"] else "odi"
        top = 24 if instrument == "rmdq" else 100
        disability = _trend(rng, rng.uniform(0.35, 0.7) * top, responder)
        for session in made:
            at = (session.day - plan.start).days / span
            session.nrs_before = Decimal(max(0, min(10, round(pain(at) + rng.uniform(-1, 1)))))
            session.nrs_after = Decimal(max(0, int(session.nrs_before) - rng.randint(0, 2)))
            scores.append(
                _score(plan.patient, practitioner, "nrs", session.nrs_before, session.day, session)
            )
            adverse.extend(_adverse_events(rng, session))
            if (today - session.day).days <= BOOK_PAST_DAYS:
                appointments.append(_appointment(plan, practitioner, treatment, session.day,
                                                 slots, session))  # fmt: skip
        # Disability at the start and at the 6-8 week review, when the course got that far.
        scores.append(_score(plan.patient, practitioner, instrument, round(disability(0)),
                             plan.start))  # fmt: skip
        review = next((s for s in made if 42 <= (s.day - plan.start).days <= 56), None)
        if review is not None:
            at = (review.day - plan.start).days / span
            scores.append(_score(plan.patient, practitioner, instrument, round(disability(at)),
                                 review.day))  # fmt: skip
        # The next visit of a course still running is in the book.
        ahead = made[-1].day + timedelta(days=7)
        if today < ahead <= today + timedelta(days=BOOK_AHEAD_DAYS):
            appointments.append(_appointment(plan, practitioner, treatment, ahead, slots))
    SessionRecord.objects.bulk_update(sessions, ["nrs_before", "nrs_after"], batch_size=BATCH)
    ScoreRecord.objects.bulk_create(scores)
    AdverseEvent.objects.bulk_create(adverse)
    booked = [a for a in appointments if a is not None]
    Appointment.objects.bulk_create(booked)
    # bulk_create sends no signals: the outcomes report's judgements of these courses, and
    # which of them are still in hand.
    refresh_outcomes(plan.pk for plan in plans)
    mark_active(PlanRecord.objects.filter(patient_id__in={plan.patient_id for plan in plans}))
    counts.scores += len(scores)
    counts.adverse_events += len(adverse)
    counts.appointments += len(booked)


def answers_nrs(course: Course) -> int:
    """The pain the patient gave at intake."""
    return int(course.answers["nrs"])


def _adverse_events(rng: random.Random, session: SessionRecord) -> list[AdverseEvent]:
    return [
        AdverseEvent(
            clinic=session.clinic,
            patient=session.patient,
            created_by=session.created_by,
            session=session,
            severity=severity,
            description=text,
            created=session.closed or _aware(session.day, time(12)),
        )  # fmt: skip
        for severity, share, text in ADVERSE
        if rng.random() < share
    ]
