"""A course plan: points by role and side, methods and a dated schedule, exclusions applied.

A plan is only drafted when screening allows it. Points come from the knowledge
base by their indications for the patient's conditions; every point a
contraindication removes, on one side or both, is still listed, struck out, with the reason.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal, NamedTuple

from acuback.clinical import codes
from acuback.clinical.base import InputError, Result, derived, spoken
from acuback.clinical.intake import Intake
from acuback.clinical.screening import Exclusion, Reason, Screening
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import BlockRule, CapRule, Entry, Point, PointRole, ReviewRule

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
WEEKLY_OFFSETS = {1: (0,), 2: (0, 3)}
# A course is planned for the coming months, not for a date typed a decade out.
START_WITHIN_DAYS = 365

Laterality = Literal["bilateral", "left", "right", "midline"]


class PlannedPoint(Result):
    code: str
    who_code: str | None
    pinyin: str
    label: str
    role: PointRole
    side: Laterality
    region: str
    depth_caution: str | None
    reason: Reason


class StruckPoint(Exclusion):
    """A point the plan wanted, left out on the exclusion's side."""

    role: PointRole


class PlannedSession(Result):
    number: int
    date: dt.date
    phase: Literal["initial", "weekly"]


class Review(Reason):
    date: dt.date


class Cap(Reason):
    planned: int
    limit: int
    window_days: int

    @property
    def over(self) -> bool:
        return self.planned > self.limit


class CoursePlan(Result):
    version: Literal[2] = 2
    start: dt.date
    conditions: tuple[Reason, ...]
    points: tuple[PlannedPoint, ...]
    excluded_points: tuple[StruckPoint, ...]
    methods: tuple[Reason, ...]
    schedule: Reason
    sessions: tuple[PlannedSession, ...]
    reviews: tuple[Review, ...]
    caps: tuple[Cap, ...]


def _reason(entry: Entry, text: str | None = None) -> Reason:
    return Reason(
        code=entry.code, label=entry.label, text=text or entry.description,
        sources=tuple(entry.sources),
    )  # fmt: skip


def _kb_reason(kb: KnowledgeBase, entry: Entry, text: str | None = None) -> Reason:
    """A reason made of an entry alone: worked out once per knowledge base."""
    key = ("reason", type(entry).__name__, entry.code, text)
    return derived(kb.index.derived, key, _reason, entry, text)


def conditions_for(intake: Intake, kb: KnowledgeBase) -> list[str]:
    """The conditions to plan for; without a named one, inferred from how long pain has lasted."""
    if intake.conditions:
        return list(intake.conditions)
    if intake.pain_duration_weeks >= CHRONIC_AFTER_WEEKS:
        return [codes.CHRONIC_LOW_BACK_PAIN]
    return [codes.ACUTE_LOW_BACK_PAIN]


def check_start(start: dt.date, intake: Intake, today: dt.date) -> None:
    """A course starts within a year of today and never before the consent it depends on."""
    if abs((start - today).days) > START_WITHIN_DAYS:
        raise InputError("start", f"{spoken(start)} is not within a year of today")
    for field, what in (
        ("physician_clearance", "the doctor's approval"),
        ("guardian_consent", "the guardian's consent"),
    ):
        given: dt.date | None = getattr(intake, field)
        if given is not None and start < given:
            raise InputError("start", f"the course cannot start before {what} ({spoken(given)})")


def _kept_side(point: Point, excluded: Exclusion | None) -> Laterality | None:
    """The side a point keeps once its exclusion is applied, or None if nothing is left."""
    whole: Laterality = "midline" if point.on_midline else "bilateral"
    if excluded is None:
        return whole
    if excluded.side == "both" or whole == "midline":
        return None
    return "right" if excluded.side == "left" else "left"


def ranked(
    role: PointRole, conditions: list[str], leg_pain: bool, kb: KnowledgeBase
) -> list[tuple[Point, list[str]]]:
    """Points of this role indicated for the conditions, best first, with the ones matched.

    More matched conditions rank higher; ties keep the knowledge base's order.
    """
    index = kb.index.points_by_role_and_condition
    candidates = {
        order: point
        for condition in conditions
        for order, point in index.get((role, condition), ())
    }
    scored = []
    for order, point in candidates.items():
        matched = [c for c in conditions if c in point.indications]
        # Leg pain favours the distal points indicated for sciatica.
        leg_bonus = 1 if leg_pain and codes.SCIATICA in point.indications else 0
        scored.append((-(len(matched) + leg_bonus), order, point, matched))
    return [(point, matched) for _, _, point, matched in sorted(scored, key=lambda c: c[:2])]


def _ranked_once(
    role: PointRole, conditions: tuple[str, ...], leg_pain: bool, kb: KnowledgeBase
) -> tuple[tuple[Point, tuple[str, ...]], ...]:
    return tuple(
        (point, tuple(matched)) for point, matched in ranked(role, list(conditions), leg_pain, kb)
    )


def _planned_point(
    point: Point, role: PointRole, side: Laterality, matched: tuple[str, ...], kb: KnowledgeBase
) -> PlannedPoint:
    names = ", ".join(kb.conditions[c].label for c in matched)
    text = f"{role.value.capitalize()} point indicated for {names}."
    if side in {"left", "right"}:
        text += f" {side.capitalize()} side only."
    sources = tuple(dict.fromkeys([*point.sources, *ROLE_SOURCES]))
    return PlannedPoint(
        code=point.code,
        who_code=point.who_code,
        pinyin=point.pinyin,
        label=point.label,
        role=role,
        side=side,
        region=point.region,
        depth_caution=point.depth_caution,
        reason=Reason(code=point.code, label=point.label, text=text, sources=sources),
    )


def _choose_points(
    wanted: tuple[str, ...],
    leg_pain: bool,
    excluded_points: tuple[Exclusion, ...],
    kb: KnowledgeBase,
) -> tuple[list[PlannedPoint], list[StruckPoint]]:
    exclusions = {e.code: e for e in excluded_points}
    store = kb.index.derived
    chosen: list[PlannedPoint] = []
    struck: list[StruckPoint] = []
    taken: set[str] = set()
    for role, limit in ROLE_LIMITS.items():
        picked = 0
        # Ranking once without the points taken by earlier roles keeps the same order
        # for those that remain, so the ranking is shared between patients.
        candidates = derived(
            store,
            ("ranked", role, wanted, leg_pain),
            _ranked_once,
            role,
            wanted,
            leg_pain,
            kb,
        )
        for point, matched in candidates:
            if point.code in taken:
                continue
            if picked == limit:
                break
            taken.add(point.code)
            excluded = exclusions.get(point.code)
            if excluded is not None:
                struck.append(
                    StruckPoint(
                        code=excluded.code,
                        label=excluded.label,
                        side=excluded.side,
                        reasons=excluded.reasons,
                        role=role,
                    )
                )
            side = _kept_side(point, excluded)
            if side is None:
                continue
            chosen.append(
                derived(
                    store,
                    ("planned point", point.code, role, side, matched),
                    _planned_point,
                    point,
                    role,
                    side,
                    matched,
                    kb,
                )
            )
            picked += 1
    return chosen, struck


# Why a plan offers each method it may offer (when it does: _choose_methods).
METHOD_REASONS = {
    codes.MANUAL_ACUPUNCTURE: "The core method for every plan.",
    codes.ELECTROACUPUNCTURE: "Offered for persistent pain, where stronger stimulation is sought.",
    codes.AURICULAR_ACUPUNCTURE: (
        "Ear points were chosen; ear needles or seeds can prolong the effect between visits."
    ),
    codes.MOXIBUSTION: "Warmth for persistent, stiff or neuralgic pain.",
    codes.TUI_NA: "Massage after needling supports the session's effect.",
    codes.COMBINED_PHYSIOTHERAPY: (
        "Posture, deconditioning or a medium/high STarT Back risk call for exercise."
    ),
}
PLANNED_METHODS = frozenset(METHOD_REASONS)


def _choose_methods(
    conditions: tuple[str, ...],
    physiotherapy_risk: bool,
    auricular: bool,
    excluded: frozenset[str],
    kb: KnowledgeBase,
) -> tuple[Reason, ...]:
    """The methods offered: `auricular` when ear points were chosen, `physiotherapy_risk`
    for a medium or high STarT Back risk; none that a contraindication excludes."""
    acute_only = all(kb.conditions[c].acute for c in conditions)
    offered = {
        codes.MANUAL_ACUPUNCTURE: True,
        codes.ELECTROACUPUNCTURE: not acute_only,
        codes.AURICULAR_ACUPUNCTURE: auricular,
        codes.MOXIBUSTION: not acute_only,
        codes.TUI_NA: True,
        codes.COMBINED_PHYSIOTHERAPY: physiotherapy_risk
        or any(kb.conditions[c].combined_physiotherapy for c in conditions),
    }
    return tuple(
        _kb_reason(kb, kb.methods[code], METHOD_REASONS[code])
        for code, wanted in offered.items()
        if wanted and code not in excluded
    )


def block_for(conditions: list[str], kb: KnowledgeBase) -> BlockRule:
    """The block to schedule: persistent pain's, else the most specific acute finding's.

    A spasm recorded beside acute low back pain is the more specific finding, and its
    block is the shortest, so among acute conditions the shortest block wins.
    """
    blocks = [
        (kb.conditions[c], kb.rule(kb.conditions[c].course_rule, BlockRule)) for c in conditions
    ]
    persistent = [rule for condition, rule in blocks if not condition.acute]
    if persistent:
        return max(persistent, key=lambda rule: rule.max_sessions)
    return min((rule for _, rule in blocks), key=lambda rule: rule.max_sessions)


class _Block(NamedTuple):
    """A block's sessions and reviews as days after its start: the same for every course."""

    sessions: tuple[tuple[int, Literal["initial", "weekly"]], ...]
    reviews: tuple[tuple[Reason, int], ...]
    caps: tuple[Cap, ...]


def _block(block: BlockRule, kb: KnowledgeBase) -> _Block:
    sessions: list[tuple[int, Literal["initial", "weekly"]]] = []
    for week in range(block.opening_weeks):
        for offset in WEEKLY_OFFSETS[block.opening_per_week]:
            sessions.append((week * 7 + offset, "initial"))
    week = block.opening_weeks
    while len(sessions) < block.max_sessions:
        sessions.append((week * 7, "weekly"))
        week += 1
    last = sessions[-1][0]

    reviews: list[tuple[Reason, int]]
    if block.review_after_days is not None:
        # A short block is judged soon after it ends: persisting pain is reassessed, not
        # treated with more of the same.
        reviews = [(_reason(block), last + block.review_after_days)]
    else:
        reviews = []
        for code in (codes.REVIEW_RESULTS_DUE, codes.REVIEW_LASTING_RESULTS):
            review = kb.rule(code, ReviewRule)
            reviews.append((_reason(review), review.review_weeks[0] * 7))
        block_end = Reason(
            code="block-end",
            label="End of the block",
            text="Score pain and function and decide: continue, extend, change or stop.",
            sources=tuple(block.sources),
        )
        reviews.append((block_end, last))
        reviews.sort(key=lambda review: review[1])
    return _Block(tuple(sessions), tuple(reviews), tuple(_caps(sessions, kb)))


def _caps(sessions: Sequence[tuple[int, str]], kb: KnowledgeBase) -> list[Cap]:
    caps = []
    for cap in kb.course_rules.values():
        if not isinstance(cap, CapRule):
            continue
        within = sum(1 for days, _ in sessions if days < cap.window_days)
        verdict = "within" if within <= cap.max_sessions else "over"
        text = (
            f"{within} planned session(s) in the first {cap.window_days} days, {verdict} the "
            f"limit of {cap.max_sessions}. {cap.description}"
        )
        caps.append(
            Cap(**_reason(cap, text).model_dump(), planned=within, limit=cap.max_sessions,
                window_days=cap.window_days)
        )  # fmt: skip
    return caps


def course_plan(
    intake: Intake, screening: Screening, kb: KnowledgeBase, start: dt.date, today: dt.date
) -> CoursePlan | None:
    """Draft the course, or None when screening does not allow one yet.

    Raises InputError for a start that makes no sense (far off, or before the consent
    it depends on).
    """
    if not screening.plan_allowed:
        return None
    check_start(start, intake, today)
    return draft(intake, screening, kb, start)


def draft(intake: Intake, screening: Screening, kb: KnowledgeBase, start: dt.date) -> CoursePlan:
    """The plan itself, every exclusion applied; `course_plan` decides whether one may be made.

    Kept apart so a stored plan can be re-drafted in its new shape (a data migration)
    even when the patient's screening now holds treatment back.
    """
    risk = screening.startback.risk if screening.startback is not None else None
    asked = _Asked(
        conditions=tuple(conditions_for(intake, kb)),
        inferred=not intake.conditions,
        leg_pain=any(kb.pain_sites[s].leg for s in intake.pain_sites),
        excluded_points=screening.excluded_points,
        excluded_methods=screening.excluded_method_codes,
        physiotherapy_risk=risk in {"medium", "high"},
    )
    return derived(kb.index.derived, ("plan", asked, start), _drafted, asked, start, kb)


class _Asked(NamedTuple):
    """Everything of an intake and its screening that a course follows from, but its start:
    two patients who agree on these get the same course."""

    conditions: tuple[str, ...]
    inferred: bool  # no condition was named, so it came from how long the pain has lasted
    leg_pain: bool
    excluded_points: tuple[Exclusion, ...]
    excluded_methods: frozenset[str]
    physiotherapy_risk: bool  # a medium or high STarT Back risk


class _Course(NamedTuple):
    """A course's points and block before its methods are chosen and it is put on the
    calendar."""

    conditions: tuple[Reason, ...]
    points: tuple[PlannedPoint, ...]
    struck: tuple[StruckPoint, ...]
    block: BlockRule
    days: _Block


def _drafted(asked: _Asked, start: dt.date, kb: KnowledgeBase) -> CoursePlan:
    """The course for these answers, with its methods, put on the calendar from `start`."""
    store = kb.index.derived
    course = _course_for(asked, kb)
    methods = _methods_for(asked, course, kb)
    sessions, reviews = derived(
        store, ("dated block", course.block.code, start), _dated, course.days, start
    )
    return CoursePlan(
        start=start,
        conditions=course.conditions,
        points=course.points,
        excluded_points=course.struck,
        methods=methods,
        schedule=_kb_reason(kb, course.block),
        sessions=sessions,
        reviews=reviews,
        caps=course.days.caps,
    )


def _course_for(asked: _Asked, kb: KnowledgeBase) -> _Course:
    """The course's points and block for these answers, shared with every patient whose
    exclusions leave out the same of the points it could choose: most leave out none."""
    store = kb.index.derived
    wanted = (asked.conditions, asked.leg_pain)
    reach = derived(store, ("within reach", *wanted), _within_reach, *wanted, kb)
    excluded = tuple(e for e in asked.excluded_points if e.code in reach)
    key = ("course", *wanted, asked.inferred, excluded)
    return derived(store, key, _course, *wanted, asked.inferred, excluded, kb)


def _methods_for(asked: _Asked, course: _Course, kb: KnowledgeBase) -> tuple[Reason, ...]:
    """The course's methods, shared with every patient for whom a contraindication
    excludes the same of those a plan may offer."""
    auricular = any(point.role == PointRole.AURICULAR for point in course.points)
    chosen = (asked.conditions, asked.physiotherapy_risk, auricular)
    excluded = asked.excluded_methods & PLANNED_METHODS
    key = ("methods", *chosen, excluded)
    return derived(kb.index.derived, key, _choose_methods, *chosen, excluded, kb)


def _within_reach(conditions: tuple[str, ...], leg_pain: bool, kb: KnowledgeBase) -> frozenset[str]:
    """Every point any role could choose for these conditions: exclusions of others change
    nothing in the course."""
    store = kb.index.derived
    return frozenset(
        point.code
        for role in ROLE_LIMITS
        for point, _ in derived(
            store,
            ("ranked", role, conditions, leg_pain),
            _ranked_once,
            role,
            conditions,
            leg_pain,
            kb,
        )
    )


def _course(
    conditions: tuple[str, ...],
    leg_pain: bool,
    inferred: bool,
    excluded_points: tuple[Exclusion, ...],
    kb: KnowledgeBase,
) -> _Course:
    points, struck = _choose_points(conditions, leg_pain, excluded_points, kb)
    block = block_for(list(conditions), kb)
    why = " (inferred from how long the pain has lasted)" if inferred else ""
    return _Course(
        conditions=tuple(
            _kb_reason(kb, kb.conditions[c], kb.conditions[c].label + why) for c in conditions
        ),
        points=tuple(points),
        struck=tuple(struck),
        block=block,
        days=derived(kb.index.derived, ("block", block.code), _block, block, kb),
    )


def _dated(days: _Block, start: dt.date) -> tuple[tuple[PlannedSession, ...], tuple[Review, ...]]:
    """A block's sessions and reviews on the calendar: the same for every course that
    starts that day."""
    sessions = tuple(
        PlannedSession(number=number, date=start + timedelta(days=after), phase=phase)
        for number, (after, phase) in enumerate(days.sessions, start=1)
    )
    reviews = tuple(
        Review(**reason.__dict__, date=start + timedelta(days=after))
        for reason, after in days.reviews
    )
    return sessions, reviews


# Plans name one condition, or two (a spasm beside acute low back pain, sciatica beside
# persistent pain); a ranking for more is made when first met.
PREPARED_CONDITIONS = 2


def prepare(kb: KnowledgeBase) -> None:
    """Rank, before any intake, the points of each role for each condition on its own and
    each pair in either order, with and without leg pain, and make each ranked point's
    entry on every side it can keep; then the course for each, with and without a medium
    or high STarT Back risk, for a patient whose exclusions leave out none of its points
    and methods. Made through the same look-ups a plan makes, so a prepared store answers
    as an empty one would."""
    store = kb.index.derived
    inferable = {(codes.ACUTE_LOW_BACK_PAIN,), (codes.CHRONIC_LOW_BACK_PAIN,)}
    for size in range(1, PREPARED_CONDITIONS + 1):
        for wanted in itertools.permutations(kb.conditions, size):
            for leg_pain in (False, True):
                for role in ROLE_LIMITS:
                    ranking = ("ranked", role, wanted, leg_pain)
                    ranked_here = derived(store, ranking, _ranked_once, role, wanted, leg_pain, kb)
                    for point, matched in ranked_here:
                        sides: tuple[Laterality, ...] = (
                            ("midline",) if point.on_midline else ("bilateral", "left", "right")
                        )
                        for side in sides:
                            key = ("planned point", point.code, role, side, matched)
                            derived(store, key, _planned_point, point, role, side, matched, kb)
                for inferred in (False, True) if wanted in inferable else (False,):
                    for physiotherapy_risk in (False, True):
                        asked = _Asked(
                            wanted, inferred, leg_pain, (), frozenset(), physiotherapy_risk
                        )
                        _methods_for(asked, _course_for(asked, kb), kb)
