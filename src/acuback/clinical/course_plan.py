"""A course plan: points by role, methods and a dated schedule, with exclusions applied.

A plan is only drafted when screening allows it. Points come from the knowledge
base by their indications for the patient's conditions; every point a
contraindication removes is still listed, struck out, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from acuback.clinical import codes
from acuback.clinical.intake import Intake
from acuback.clinical.screening import Exclusion, Reason, Screening
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import CourseRule, Point, PointRole

# How many points of each role a first prescription holds. Cherkin's standardised
# protocol used 8 needles; ART asked for at least 4 local and 2 distal points bilaterally.
ROLE_LIMITS: dict[PointRole, int] = {
    PointRole.LOCAL: 4,
    PointRole.ADJACENT: 2,
    PointRole.DISTAL: 3,
    PointRole.AURICULAR: 2,
}
ROLE_SOURCES = (codes.CHERKIN_2009, codes.BRINKHAUS_2006_ART, codes.SEED_000)
CHRONIC_AFTER_WEEKS = 12  # back pain lasting 12 weeks or more is chronic (CMS NCD 30.3.3)
# Twice-weekly sessions fall three then four days apart (e.g. Monday and Thursday).
TWICE_WEEKLY_OFFSETS = (0, 3)


@dataclass(frozen=True)
class PlannedPoint:
    point: Point
    role: PointRole
    reason: Reason

    def to_json(self) -> dict[str, Any]:
        p = self.point
        return {
            "code": p.code,
            "who_code": p.who_code,
            "pinyin": p.pinyin,
            "label": p.label,
            "role": self.role.value,
            "side": "bilateral" if p.bilateral else "single",
            "region": p.region,
            "depth_caution": p.depth_caution,
            "reason": self.reason.to_json(),
        }


@dataclass(frozen=True)
class StruckPoint:
    role: PointRole
    exclusion: Exclusion

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role.value, **self.exclusion.to_json()}


@dataclass(frozen=True)
class Session:
    number: int
    day: date
    phase: str

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "date": self.day.isoformat(), "phase": self.phase}


@dataclass(frozen=True)
class Review:
    day: date
    reason: Reason

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), **self.reason.to_json()}


@dataclass(frozen=True)
class CoursePlan:
    conditions: tuple[Reason, ...]
    points: tuple[PlannedPoint, ...]
    struck_points: tuple[StruckPoint, ...]
    methods: tuple[Reason, ...]
    sessions: tuple[Session, ...]
    reviews: tuple[Review, ...]
    caps: tuple[Reason, ...]
    schedule: Reason

    def to_json(self) -> dict[str, Any]:
        return {
            "conditions": [c.to_json() for c in self.conditions],
            "points": [p.to_json() for p in self.points],
            "excluded_points": [s.to_json() for s in self.struck_points],
            "methods": [m.to_json() for m in self.methods],
            "schedule": self.schedule.to_json(),
            "sessions": [s.to_json() for s in self.sessions],
            "reviews": [r.to_json() for r in self.reviews],
            "caps": [c.to_json() for c in self.caps],
        }


def _reason(entry: Any, text: str | None = None) -> Reason:
    return Reason(entry.code, entry.label, text or entry.description, tuple(entry.sources))


def conditions_for(intake: Intake, kb: KnowledgeBase) -> list[str]:
    """The conditions to plan for; without a named one, inferred from how long pain has lasted."""
    if intake.conditions:
        return list(intake.conditions)
    if intake.pain_duration_weeks >= CHRONIC_AFTER_WEEKS:
        return [codes.CHRONIC_LOW_BACK_PAIN]
    return [codes.ACUTE_LOW_BACK_PAIN]


def _choose_points(
    conditions: list[str], intake: Intake, screening: Screening, kb: KnowledgeBase
) -> tuple[list[PlannedPoint], list[StruckPoint]]:
    leg_pain = any(kb.pain_sites[s].leg for s in intake.pain_sites)
    excluded = {e.code: e for e in screening.excluded_points}
    chosen: list[PlannedPoint] = []
    struck: list[StruckPoint] = []
    taken: set[str] = set()
    for role, limit in ROLE_LIMITS.items():
        candidates = []
        for order, point in enumerate(kb.points.values()):
            if role not in point.roles or point.code in taken:
                continue
            matched = [c for c in conditions if c in point.indications]
            # Leg pain favours the distal points indicated for sciatica.
            leg_bonus = 1 if leg_pain and codes.SCIATICA in point.indications else 0
            if matched:
                candidates.append((-(len(matched) + leg_bonus), order, point, matched))
        picked = 0
        for _, _, point, matched in sorted(candidates, key=lambda c: (c[0], c[1])):
            if picked == limit:
                break
            taken.add(point.code)
            if point.code in excluded:
                struck.append(StruckPoint(role, excluded[point.code]))
                continue
            names = ", ".join(kb.conditions[c].label for c in matched)
            text = f"{role.value.capitalize()} point indicated for {names}."
            sources = tuple(dict.fromkeys([*point.sources, *ROLE_SOURCES]))
            chosen.append(PlannedPoint(point, role, Reason(point.code, point.label, text, sources)))
            picked += 1
    return chosen, struck


def _choose_methods(
    conditions: list[str],
    points: list[PlannedPoint],
    screening: Screening,
    kb: KnowledgeBase,
) -> list[Reason]:
    acute_only = all(kb.conditions[c].acute for c in conditions)
    physio = any(kb.conditions[c].combined_physiotherapy for c in conditions) or (
        screening.startback is not None and screening.startback.risk in {"medium", "high"}
    )
    wanted: list[tuple[str, bool, str]] = [
        (codes.MANUAL_ACUPUNCTURE, True, "The core method for every plan."),
        (
            codes.ELECTROACUPUNCTURE,
            not acute_only,
            "Offered for persistent pain, where stronger stimulation is sought.",
        ),
        (
            codes.AURICULAR_ACUPUNCTURE,
            any(p.role == PointRole.AURICULAR for p in points),
            "Ear points were chosen; ear needles or seeds can prolong the effect between visits.",
        ),
        (codes.MOXIBUSTION, not acute_only, "Warmth for persistent, stiff or neuralgic pain."),
        (codes.TUI_NA, True, "Massage after needling supports the session's effect."),
        (
            codes.COMBINED_PHYSIOTHERAPY,
            physio,
            "Posture, deconditioning or a medium/high STarT Back risk call for exercise.",
        ),
    ]
    excluded = screening.excluded_method_codes
    return [
        _reason(kb.methods[code], why)
        for code, wanted_here, why in wanted
        if wanted_here and code not in excluded
    ]


def _schedule(
    conditions: list[str], start: date, kb: KnowledgeBase
) -> tuple[CourseRule, list[Session], list[Review]]:
    acute = all(kb.conditions[c].course_rule == codes.COURSE_ACUTE_CONTRACTURE for c in conditions)
    if acute:
        rule = kb.course_rules[codes.COURSE_ACUTE_CONTRACTURE]
        count = rule.max_sessions or 2
        sessions = [Session(n + 1, start + timedelta(days=3 * n), "acute") for n in range(count)]
        review_day = sessions[-1].day + timedelta(days=7)
        reviews = [Review(review_day, _reason(rule, "Check the contracture has settled."))]
        return rule, sessions, reviews

    rule = kb.course_rules[codes.COURSE_STANDARD]
    per_week = int(rule.sessions_per_week or 2)
    initial_weeks = rule.weeks or 3
    total = rule.max_sessions or 10
    sessions = []
    for week in range(initial_weeks):
        for offset in TWICE_WEEKLY_OFFSETS[:per_week]:
            day = start + timedelta(weeks=week, days=offset)
            sessions.append(Session(len(sessions) + 1, day, "initial"))
    week = initial_weeks
    while len(sessions) < total:
        sessions.append(Session(len(sessions) + 1, start + timedelta(weeks=week), "weekly"))
        week += 1
    reviews = []
    for code in (codes.REVIEW_RESULTS_DUE, codes.REVIEW_LASTING_RESULTS):
        review = kb.course_rules[code]
        first_week = review.review_weeks[0] if review.review_weeks else 6
        reviews.append(Review(start + timedelta(weeks=first_week), _reason(review)))
    reviews.append(
        Review(
            sessions[-1].day,
            Reason(
                "block-end",
                "End of the block",
                "Score pain and function and decide: continue, extend, change or stop.",
                tuple(rule.sources),
            ),
        )
    )
    return rule, sessions, sorted(reviews, key=lambda r: r.day)


def _caps(sessions: list[Session], start: date, kb: KnowledgeBase) -> list[Reason]:
    caps = []
    for cap in kb.course_rules.values():
        if cap.kind != "cap" or cap.max_sessions is None or cap.window_days is None:
            continue
        window_end = start + timedelta(days=cap.window_days)
        within = sum(1 for s in sessions if s.day < window_end)
        verdict = "within" if within <= cap.max_sessions else "OVER"
        text = (
            f"{within} planned session(s) in the first {cap.window_days} days, {verdict} the "
            f"limit of {cap.max_sessions}. {cap.description}"
        )
        caps.append(_reason(cap, text))
    return caps


def course_plan(
    intake: Intake, screening: Screening, kb: KnowledgeBase, start: date
) -> CoursePlan | None:
    """Draft the course, or None when screening does not allow one yet."""
    if not screening.plan_allowed:
        return None
    conditions = conditions_for(intake, kb)
    points, struck = _choose_points(conditions, intake, screening, kb)
    methods = _choose_methods(conditions, points, screening, kb)
    rule, sessions, reviews = _schedule(conditions, start, kb)
    inferred = "" if intake.conditions else " (inferred from how long the pain has lasted)"
    return CoursePlan(
        conditions=tuple(
            _reason(kb.conditions[c], kb.conditions[c].label + inferred) for c in conditions
        ),
        points=tuple(points),
        struck_points=tuple(struck),
        methods=tuple(methods),
        sessions=tuple(sessions),
        reviews=tuple(reviews),
        caps=tuple(_caps(sessions, start, kb)),
        schedule=_reason(rule),
    )
