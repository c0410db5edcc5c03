"""One test per screening rule, each naming the source the rule comes from."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from acuback.clinical.course_plan import course_plan
from acuback.clinical.intake import Intake, IntakeError, read_intake
from acuback.clinical.screening import Screening, screen
from acuback.knowledge.loader import KnowledgeBase, knowledge_base
from acuback.knowledge.schema import TriageLevel

START = date(2026, 1, 5)  # a Monday


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return knowledge_base()


def intake(kb: KnowledgeBase, **answers: Any) -> Intake:
    base: dict[str, Any] = {
        "age": 45,
        "sex": "female",
        "pain_duration_weeks": 20,
        "conditions": ["chronic-low-back-pain"],
    }
    return read_intake({**base, **answers}, kb)


def screened(kb: KnowledgeBase, **answers: Any) -> Screening:
    return screen(intake(kb, **answers), kb)


def flags_of(kb: KnowledgeBase, pathology: str, *, prerequisite: bool = False) -> list[str]:
    return [
        f.code
        for f in kb.red_flags.values()
        if f.pathology == pathology
        and f.prerequisite == prerequisite
        and f.age_over is None
        and f.age_under is None
    ]


# --- input checking -----------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"conditions": ["lumbago-x"]}, "conditions[0]", "not a known condition"),
        ({"age": 130}, "age", "less than or equal to 120"),
        ({"pain_duration_weeks": -1}, "pain_duration_weeks", "greater than or equal to 0"),
        ({"pregnancy_weeks": 10}, "intake", "pregnant is false"),
        ({"history": ["anticoagulant"]}, "history[0]", "medication finding"),
        ({"skin_problems": [{"finding": "numb-skin", "region": "moon"}]}, "region", "region"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Extra inputs"),
    ],
)
def test_bad_input_names_the_field(
    kb: KnowledgeBase, answers: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(IntakeError) as caught:
        intake(kb, **answers)
    assert field in caught.value.field
    assert words in caught.value.message


# --- red flags (clinical-facts section 2; NICE NG59, AHCPR 1994) ---------------


def test_no_flags_no_findings_proceeds_with_a_plan(kb: KnowledgeBase) -> None:
    result = screened(kb)
    assert result.level == TriageLevel.PROCEED
    assert result.plan_allowed
    assert result.reasons == ()


def test_cauda_equina_is_an_emergency_and_withholds_the_plan(kb: KnowledgeBase) -> None:
    flag = flags_of(kb, "cauda-equina-syndrome")[0]
    result = screened(kb, red_flags=[flag])
    assert result.level == TriageLevel.EMERGENCY
    assert not result.plan_allowed
    assert result.reasons[0].code == "cauda-equina-syndrome"
    assert result.reasons[0].sources
    assert course_plan(intake(kb, red_flags=[flag]), result, kb, START) is None


@pytest.mark.parametrize(
    "pathology",
    [
        "spinal-infection",
        "vertebral-fracture",
        "progressive-neurological-deficit",
        "metastatic-cord-compression",
    ],
)
def test_serious_pathology_needs_a_doctor_before_any_plan(
    kb: KnowledgeBase, pathology: str
) -> None:
    flag = flags_of(kb, pathology)[0]
    result = screened(kb, red_flags=[flag])
    assert result.level.severity <= TriageLevel.URGENT_REFERRAL.severity
    assert not result.plan_allowed
    assert any(r.code == pathology for r in result.reasons)


def test_axial_spondyloarthritis_counts_features_per_nice_ng65(kb: KnowledgeBase) -> None:
    gates = flags_of(kb, "axial-spondyloarthritis", prerequisite=True)
    counted = flags_of(kb, "axial-spondyloarthritis")
    assert len(gates) == 2 and len(counted) >= 4
    four = screened(kb, red_flags=[*gates, *counted[:4]])
    assert four.level == kb.pathologies["axial-spondyloarthritis"].urgency
    three = screened(kb, red_flags=[*gates, *counted[:3]])
    assert three.level == TriageLevel.CAUTION
    assert "HLA-B27" in three.reasons[0].text
    no_gates = screened(kb, red_flags=counted[:4])
    assert all(r.code != "axial-spondyloarthritis" for r in no_gates.reasons)


def test_age_alone_is_a_weak_flag_not_a_referral(kb: KnowledgeBase) -> None:
    older = screened(kb, age=72)
    age_flags = [f for f in kb.red_flags.values() if f.age_over is not None]
    assert age_flags, "age over 50 is a malignancy flag in the knowledge base"
    assert older.level == TriageLevel.CAUTION
    assert older.plan_allowed
    other = flags_of(kb, age_flags[0].pathology)[0]
    combined = screened(kb, age=72, red_flags=[other])
    assert combined.level == kb.pathologies[age_flags[0].pathology].urgency
    # The weak flag's text must not carry the full pathology's "refer, do not treat".
    alone = next(r for r in older.reasons if r.code == age_flags[0].pathology)
    pathology = kb.pathologies[age_flags[0].pathology]
    assert pathology.action not in alone.text
    assert pathology.action in next(r.text for r in combined.reasons if r.code == pathology.code)


# --- contraindications (seeds 003, 004; clinical-facts section 4) --------------


def test_pregnancy_needs_clearance_and_excludes_named_points_and_regions(
    kb: KnowledgeBase,
) -> None:
    result = screened(kb, pregnant=True, pregnancy_weeks=8)
    assert result.level == TriageLevel.PHYSICIAN_CLEARANCE
    assert not result.plan_allowed
    assert {"li4", "sp6", "bl60", "bl67", "bl23", "gv3"} <= result.excluded_point_codes
    assert "upper-abdomen" not in {e.code for e in result.excluded_regions}
    later = screened(kb, pregnant=True, pregnancy_weeks=20)
    assert "upper-abdomen" in {e.code for e in later.excluded_regions}


def test_recorded_clearance_allows_a_plan_but_keeps_every_exclusion(kb: KnowledgeBase) -> None:
    answers = {"pregnant": True, "pregnancy_weeks": 20, "physician_clearance": "2026-01-02"}
    result = screened(kb, **answers)
    assert result.level == TriageLevel.CAUTION
    assert result.plan_allowed
    assert "2026-01-02" in " ".join(r.text for r in result.reasons)
    plan = course_plan(intake(kb, **answers), result, kb, START)
    assert plan is not None
    chosen = {p.point.code for p in plan.points}
    assert not chosen & result.excluded_point_codes
    assert {"bl23", "li4"} & {s.exclusion.code for s in plan.struck_points}


def test_pacemaker_excludes_electroacupuncture_only(kb: KnowledgeBase) -> None:
    result = screened(kb, devices=["pacemaker"])
    assert "electroacupuncture" in result.excluded_method_codes
    assert "manual-acupuncture" not in result.excluded_method_codes
    ci = kb.contraindications["ci-pacemaker-electro"]
    assert result.level == ci.triage


@pytest.mark.parametrize(
    ("answers", "ci"),
    [
        ({"history": ["diabetes"]}, "ci-diabetes-moxibustion"),
        (
            {"skin_problems": [{"finding": "numb-skin", "region": "lower-leg"}]},
            "ci-numb-skin-moxibustion",
        ),
    ],
)
def test_numb_skin_or_diabetes_excludes_moxibustion(
    kb: KnowledgeBase, answers: dict[str, Any], ci: str
) -> None:
    result = screened(kb, **answers)
    assert "moxibustion" in result.excluded_method_codes
    excluded = next(e for e in result.excluded_methods if e.code == "moxibustion")
    assert ci in {r.code for r in excluded.reasons}


def test_skin_problem_excludes_points_in_its_region(kb: KnowledgeBase) -> None:
    result = screened(kb, skin_problems=[{"finding": "scar-or-keloid", "region": "popliteal"}])
    assert "bl40" in result.excluded_point_codes
    assert "bl23" not in result.excluded_point_codes


@pytest.mark.parametrize("state", ["intoxication", "exhaustion"])
def test_temporary_states_defer_treatment(kb: KnowledgeBase, state: str) -> None:
    result = screened(kb, history=[state])
    assert result.level == TriageLevel.DEFER
    assert not result.plan_allowed
    assert [r.code for r in result.contraindications.get("temporary", ())]


def test_anticoagulants_restrict_needling(kb: KnowledgeBase) -> None:
    result = screened(kb, medications=["anticoagulant"])
    assert result.level.severity <= TriageLevel.CAUTION.severity
    restricted = {r.method for r in result.restricted_methods}
    assert "manual-acupuncture" in restricted


def test_driving_after_treatment_is_a_relative_caution(kb: KnowledgeBase) -> None:
    result = screened(kb, driving_after_treatment=True)
    assert result.level == TriageLevel.CAUTION
    assert result.plan_allowed
    assert [r.code for r in result.contraindications["relative"]] == ["ci-driving"]


def test_worst_level_wins(kb: KnowledgeBase) -> None:
    flag = flags_of(kb, "cauda-equina-syndrome")[0]
    result = screened(kb, red_flags=[flag], history=["intoxication"], driving_after_treatment=True)
    assert result.level == TriageLevel.EMERGENCY
    levels = [r.level.severity for r in result.reasons if r.level]
    assert levels == sorted(levels)


# --- STarT Back stratification (Hill 2008, 2011) --------------------------------


@pytest.mark.parametrize(
    ("agreed", "risk"),
    [((1, 2), "low"), ((1, 2, 3, 5), "medium"), ((5, 6, 7, 8), "high")],
)
def test_startback_risk_matches_its_pathway(
    kb: KnowledgeBase, agreed: tuple[int, ...], risk: str
) -> None:
    answers = {f"startback-{i}": int(i in agreed) for i in range(1, 10)}
    result = screened(kb, startback=answers)
    assert result.startback is not None
    assert result.startback.risk == risk
    assert result.startback.pathway.code == f"startback-{risk}"
