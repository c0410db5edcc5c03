"""Course plans (seeds 000, 004; Cherkin 2009; CMS NCD 30.3.3) and the safety property."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acuback.clinical.course_plan import CoursePlan, course_plan
from acuback.clinical.intake import read_intake
from acuback.clinical.screening import screen
from acuback.knowledge.loader import knowledge_base
from acuback.knowledge.schema import FindingKind, PointRole

START = date(2026, 1, 5)  # a Monday
KB = knowledge_base()


def plan_for(**answers: Any) -> CoursePlan:
    base: dict[str, Any] = {"age": 45, "pain_duration_weeks": 20}
    intake = read_intake({**base, **answers}, KB)
    plan = course_plan(intake, screen(intake, KB), KB, START)
    assert plan is not None
    return plan


def test_standard_course_is_twice_weekly_then_weekly_with_reviews() -> None:
    plan = plan_for(conditions=["chronic-low-back-pain"])
    rule = KB.course_rules["course-standard"]
    days = [s.day for s in plan.sessions]
    initial = [s for s in plan.sessions if s.phase == "initial"]
    assert len(initial) == int(rule.sessions_per_week or 0) * (rule.weeks or 0)
    assert days[:2] == [START, START + timedelta(days=3)]  # Monday and Thursday
    weekly = [s.day for s in plan.sessions if s.phase == "weekly"]
    assert all(b - a == timedelta(weeks=1) for a, b in zip(weekly, weekly[1:], strict=False))
    assert len(plan.sessions) == rule.max_sessions
    review_days = {r.reason.code: r.day for r in plan.reviews}
    due = KB.course_rules["review-results-due"].review_weeks
    lasting = KB.course_rules["review-lasting-results"].review_weeks
    assert due and lasting
    assert review_days["review-results-due"] == START + timedelta(weeks=due[0])
    assert review_days["review-lasting-results"] == START + timedelta(weeks=lasting[0])
    assert review_days["block-end"] == days[-1]


def test_course_stays_within_the_cms_caps() -> None:
    plan = plan_for(conditions=["chronic-low-back-pain"])
    caps = {c.code: c.text for c in plan.caps}
    assert "cap-cms-initial" in caps
    assert all("within" in text for text in caps.values())


def test_acute_contracture_gets_one_or_two_sessions() -> None:
    plan = plan_for(conditions=["acute-contracture"], pain_duration_weeks=0.5)
    assert 1 <= len(plan.sessions) <= 2
    assert plan.schedule.code == "course-acute-contracture"
    assert "000_8db77b63525bdbd8.txt" in plan.schedule.sources


def test_points_are_chosen_by_role_within_limits() -> None:
    plan = plan_for(conditions=["chronic-low-back-pain"])
    roles = [p.role for p in plan.points]
    assert PointRole.LOCAL in roles and PointRole.DISTAL in roles
    assert roles.count(PointRole.LOCAL) <= 4
    for planned in plan.points:
        assert "chronic-low-back-pain" in planned.point.indications
        assert planned.reason.sources


def test_leg_pain_with_sciatica_brings_sciatica_points() -> None:
    leg_sites = [code for code, site in KB.pain_sites.items() if site.leg]
    plan = plan_for(conditions=["sciatica"], pain_sites=leg_sites[:1])
    assert all("sciatica" in p.point.indications for p in plan.points)
    assert {"gb30", "bl40"} & {p.point.code for p in plan.points}


def test_without_a_named_condition_duration_decides() -> None:
    assert plan_for(pain_duration_weeks=30).conditions[0].code == "chronic-low-back-pain"
    assert plan_for(pain_duration_weeks=2).conditions[0].code == "acute-low-back-pain"


def test_medium_startback_risk_adds_physiotherapy() -> None:
    answers = {f"startback-{i}": int(i in (1, 2, 3, 5)) for i in range(1, 10)}
    plan = plan_for(conditions=["acute-low-back-pain"], startback=answers)
    assert "combined-physiotherapy" in {m.code for m in plan.methods}


def test_pacemaker_plan_has_no_electroacupuncture() -> None:
    assert "electroacupuncture" in {m.code for m in plan_for(conditions=["sciatica"]).methods}
    plan = plan_for(
        conditions=["sciatica"], devices=["pacemaker"], physician_clearance="2026-01-01"
    )
    assert "electroacupuncture" not in {m.code for m in plan.methods}


# --- the safety property --------------------------------------------------------

FINDINGS = {
    kind: sorted(c for c, f in KB.findings.items() if f.kind == kind) for kind in FindingKind
}


@st.composite
def intakes(draw: st.DrawFn) -> dict[str, Any]:
    pregnant = draw(st.booleans())
    history = FINDINGS[FindingKind.HISTORY] + FINDINGS[FindingKind.STATE]
    return {
        "age": draw(st.integers(16, 100)),
        "sex": "female" if pregnant else draw(st.sampled_from(["female", "male", "unknown"])),
        "pregnant": pregnant,
        "pregnancy_weeks": draw(st.integers(1, 40)) if pregnant else None,
        "pain_duration_weeks": draw(st.integers(0, 500)),
        "pain_sites": draw(st.lists(st.sampled_from(sorted(KB.pain_sites)), unique=True)),
        "conditions": draw(st.lists(st.sampled_from(sorted(KB.conditions)), unique=True)),
        "history": draw(st.lists(st.sampled_from(history), unique=True, max_size=4)),
        "medications": draw(
            st.lists(st.sampled_from(FINDINGS[FindingKind.MEDICATION]), unique=True)
        ),
        "devices": draw(st.lists(st.sampled_from(FINDINGS[FindingKind.DEVICE]), unique=True)),
        "skin_problems": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "finding": st.sampled_from(FINDINGS[FindingKind.SKIN]),
                        "region": st.sampled_from(sorted(KB.regions)),
                    }
                ),
                max_size=2,
            )
        ),
        "driving_after_treatment": draw(st.booleans()),
        # Clearance is what lets absolute contraindications reach the planner at all.
        "physician_clearance": draw(st.sampled_from([None, "2026-01-02"])),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=intakes())
def test_no_plan_ever_contains_an_excluded_point_or_method(raw: dict[str, Any]) -> None:
    intake = read_intake(raw, KB)
    result = screen(intake, KB)
    plan = course_plan(intake, result, KB, START)
    if plan is None:
        assert not result.plan_allowed
        return
    chosen = {p.point.code for p in plan.points}
    assert not chosen & result.excluded_point_codes
    excluded_regions = {e.code for e in result.excluded_regions}
    assert all(p.point.region not in excluded_regions for p in plan.points)
    assert not {m.code for m in plan.methods} & result.excluded_method_codes
    assert {s.exclusion.code for s in plan.struck_points} <= result.excluded_point_codes
