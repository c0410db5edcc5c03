"""One test per screening rule, each naming the source the rule comes from."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from acuback.clinical.base import InputError
from acuback.clinical.course_plan import course_plan
from acuback.clinical.intake import Intake, read_intake
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
        ({"local_findings": [{"finding": "numb-skin", "region": "moon"}]}, "region", "region"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Extra inputs"),
    ],
)
def test_bad_input_names_the_field(
    kb: KnowledgeBase, answers: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InputError) as caught:
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
    assert course_plan(intake(kb, red_flags=[flag]), result, kb, START, START) is None


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
    assert "2 Jan 2026" in " ".join(r.text for r in result.reasons)
    plan = course_plan(intake(kb, **answers), result, kb, START, START)
    assert plan is not None
    chosen = {p.code for p in plan.points}
    assert not chosen & result.excluded_point_codes
    assert {"bl23", "li4"} & {s.code for s in plan.excluded_points}


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
            {"local_findings": [{"finding": "numb-skin", "region": "lower-leg"}]},
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
    result = screened(kb, local_findings=[{"finding": "scar-or-keloid", "region": "popliteal"}])
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


# --- rules added for known cancer, cancer treatment and children -----------------------


def test_back_pain_after_cancer_waits_for_a_doctor(kb: KnowledgeBase) -> None:
    """Past cancer is the strongest single red flag (Henschke 2013; NICE CG75/NG234)."""
    result = screened(kb, history=["cancer"])
    assert result.level == TriageLevel.PHYSICIAN_CLEARANCE
    assert not result.plan_allowed
    reason = next(r for r in result.reasons if r.code == "spinal-metastasis")
    assert {"henschke-2013", "nice-cg75-2008"} <= set(reason.sources)
    assert "no known cancer" not in " ".join(r.label + r.text for r in result.reasons)
    assert course_plan(intake(kb, history=["cancer"]), result, kb, START, START) is None


def test_known_cancer_with_a_worrying_feature_is_an_urgent_referral(kb: KnowledgeBase) -> None:
    result = screened(kb, history=["cancer"], red_flags=["rf-night-pain"])
    assert result.level == TriageLevel.URGENT_REFERRAL
    assert result.reasons[0].code == "spinal-metastasis"
    assert "malignancy" not in {r.code for r in result.reasons}


def test_age_alone_adds_nothing_to_known_cancer_and_approval_lets_a_plan_go(
    kb: KnowledgeBase,
) -> None:
    older = screened(kb, age=63, history=["cancer"])
    assert older.level == TriageLevel.PHYSICIAN_CLEARANCE
    cleared = screened(kb, age=63, history=["cancer"], physician_clearance="2026-01-02")
    assert cleared.plan_allowed and cleared.level == TriageLevel.CAUTION


@pytest.mark.parametrize(
    ("medications", "history"),
    [(["chemotherapy"], []), (["immunosuppressive-drugs"], []),
     (["corticosteroid-therapy"], []), ([], ["recent-radiotherapy"])],
)  # fmt: skip
def test_cancer_and_immune_suppressing_treatment_needs_the_doctors_approval(
    kb: KnowledgeBase, medications: list[str], history: list[str]
) -> None:
    """Blood count and infection risk; seed 003 names radiotherapy and corticotherapy."""
    result = screened(kb, medications=medications, history=history)
    assert result.level == TriageLevel.PHYSICIAN_CLEARANCE
    assert "003_efbd8760369fde24.txt" in {s for r in result.reasons for s in r.sources}


def test_a_young_person_sees_a_doctor_first(kb: KnowledgeBase) -> None:
    """Back pain under 18 is a paediatric red flag (AHCPR 1994; NG59 covers over 16s only)."""
    result = screened(kb, age=17, pain_duration_weeks=3)
    assert result.level == TriageLevel.PHYSICIAN_CLEARANCE
    assert "paediatric-back-pain" in {r.code for r in result.reasons}
    cleared = screened(kb, age=17, pain_duration_weeks=3, physician_clearance="2026-01-02")
    assert cleared.plan_allowed


def test_under_16_a_guardians_consent_comes_before_any_plan(kb: KnowledgeBase) -> None:
    cleared = {"age": 14, "pain_duration_weeks": 3, "physician_clearance": "2026-01-02"}
    result = screened(kb, **cleared)
    assert not result.plan_allowed
    assert [b.label for b in result.plan_blockers] == ["Guardian's consent needed"]
    assert course_plan(intake(kb, **cleared), result, kb, START, START) is None
    consented = screened(kb, **cleared, guardian_consent="2026-01-03")
    assert consented.plan_allowed


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"age": 30, "pain_duration_weeks": 2000}, "pain_duration_weeks", "has lived"),
        ({"age": 9, "pregnant": True, "pain_duration_weeks": 2}, "pregnant", "not plausible"),
        ({"age": 61, "pregnant": True}, "pregnant", "not plausible"),
        ({"pregnant": True, "sex": "male"}, "intake", "sex is male"),
        ({"physician_clearance": "2999-01-01"}, "physician_clearance", "in the future"),
        ({"age": "40"}, "age", "must be a whole number, got '40'"),
        ({"age": True}, "age", "must be a whole number"),
        ({"pain_duration_weeks": "20"}, "pain_duration_weeks", "must be a number"),
        ({"nrs": float("nan")}, "nrs", "NaN and infinity"),
        ({"nrs": float("inf")}, "nrs", "NaN and infinity"),
        ({"pregnant": "yes"}, "pregnant", "true or false"),
        ({"physician_clearance": 1767312000}, "physician_clearance", "YYYY-MM-DD"),
        ({"startback": {"startback-1": 1}}, "startback.startback-2", "all nine"),
        ({"local_findings": [{"finding": "numb-skin", "region": "thigh", "side": "up"}]},
         "local_findings.0.side", "left"),
        ({"local_findings": [{"finding": "cancer", "region": "thigh"}]},
         "local_findings[0].finding", "skin or limb"),
    ],
)  # fmt: skip
def test_answers_that_contradict_each_other_or_their_type_are_refused(
    kb: KnowledgeBase, answers: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_intake({"age": 45, "pain_duration_weeks": 20, **answers}, kb, today=START)
    assert caught.value.field == field
    assert words in caught.value.message
