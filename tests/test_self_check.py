"""The public self-check engine (acuback.clinical.self_check) on representative answers.

Source: issue 11 ("Is acupuncture suitable for my back pain?"); the levels come from
triage_levels.yaml and pathologies.yaml, the red flags from red_flags.yaml.
"""

from __future__ import annotations

import pytest

from acuback.clinical import self_check
from acuback.clinical.base import InputError
from acuback.knowledge.loader import KnowledgeBase, knowledge_base
from acuback.knowledge.schema import TriageLevel


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return knowledge_base()


def plain(**yes: str) -> dict[str, str]:
    """Everything answered no by an adult with three months of pain, then the overrides."""
    answers = {key: "no" for key in self_check.QUESTIONS}
    answers.update(age="18_49", duration="over_3_months")
    answers.update(yes)
    return answers


def test_a_plain_case_may_suit_with_what_to_expect(kb: KnowledgeBase) -> None:
    result = self_check.self_check(plain(), kb)
    assert result.outcome == "may_suit"
    assert result.heading == "It may suit you: discuss it with a practitioner"
    assert result.why == ()
    expect = " ".join(s.text for s in result.expect)
    assert "6 to 8 weeks" in expect
    assert "within a day" in expect  # seed 002: mild after-effects settle within a day
    assert "asks more questions" in expect
    assert any("002_722906761ce8ad95.txt" in s.sources for s in result.expect)


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        ({"age": "50_plus"}, "Over 50"),
        ({"skin_problem": "yes"}, "broken, sore or infected skin"),
        ({"other_implant": "yes"}, "implant"),
    ],
)
def test_cautions_may_suit_and_say_why(
    kb: KnowledgeBase, answers: dict[str, str], why: str
) -> None:
    result = self_check.self_check(plain(**answers), kb)
    assert result.outcome == "may_suit"
    assert any(why in s.text for s in result.why)


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        ({"pregnant": "yes"}, "midwife"),
        ({"blood_thinners": "yes"}, "Blood thinners"),
        ({"bleeding_disorder": "yes"}, "blood condition"),
        ({"pacemaker": "yes"}, "pacemaker"),
        ({"cancer": "yes"}, "had cancer"),
        ({"age": "under_18"}, "under 18"),
        ({"fever": "yes"}, "infection"),
        ({"weight_loss": "yes", "age": "50_plus"}, "Losing weight"),
        ({"weak_bones_fall": "yes"}, "fragile bones"),
        ({"leg_weaker": "yes"}, "nerve is being damaged"),
    ],
)
def test_doctor_first_says_why_in_plain_words(
    kb: KnowledgeBase, answers: dict[str, str], why: str
) -> None:
    result = self_check.self_check(plain(**answers), kb)
    assert result.outcome == "see_doctor_first"
    assert result.heading == "Talk to your doctor first"
    assert any(why in s.text for s in result.why)
    assert result.expect == ()  # no promise of treatment before the doctor
    # Red flags that need a doctor within a set time say so before anything else.
    urgent = bool(answers.keys() & {"fever", "weight_loss", "weak_bones_fall", "leg_weaker"})
    assert result.act[0].text.startswith("Contact a doctor soon") == urgent


@pytest.mark.parametrize(
    "flag", ["saddle_numbness", "bladder", "bowel", "legs_weak", "sudden_severe"]
)
def test_emergency_red_flags_get_help_now(kb: KnowledgeBase, flag: str) -> None:
    result = self_check.self_check(plain(**{flag: "yes"}), kb)
    assert result.outcome == "get_help_now"
    assert result.heading == "Get help now"
    act = " ".join(s.text for s in result.act)
    assert "emergency" in act and "now" in act


def test_red_flags_override_everything_else_and_come_first(kb: KnowledgeBase) -> None:
    # Every contraindication and caution at once, plus one cauda equina feature.
    everything = {
        key: "yes"
        for key in (
            "pregnant",
            "blood_thinners",
            "bleeding_disorder",
            "pacemaker",
            "other_implant",
            "skin_problem",
        )
    }
    calm = self_check.self_check(plain(**everything), kb)
    assert calm.outcome == "see_doctor_first"
    result = self_check.self_check(plain(bladder="yes", **everything), kb)
    assert result.outcome == "get_help_now"
    assert "nerves at the bottom of the spine" in result.why[0].text
    assert result.why[0].sources[0] == "nice-ng59-2016"
    assert len(result.why) == 1  # only the emergency is explained
    assert not any("no serious cause" in n.text for n in result.notes)
    assert any("no serious cause" in n.text for n in calm.notes)


def test_every_level_has_an_outcome() -> None:
    expected = {
        TriageLevel.EMERGENCY: "get_help_now",
        TriageLevel.URGENT_REFERRAL: "see_doctor_first",
        TriageLevel.PHYSICIAN_CLEARANCE: "see_doctor_first",
        TriageLevel.DEFER: "see_doctor_first",
        TriageLevel.CAUTION: "may_suit",
        TriageLevel.PROCEED: "may_suit",
    }
    assert {level: self_check.outcome_for(level) for level in TriageLevel} == expected


def test_it_never_diagnoses(kb: KnowledgeBase) -> None:
    for answers in (plain(), plain(fever="yes"), plain(saddle_numbness="yes")):
        result = self_check.self_check(answers, kb)
        assert any("does not tell you what is causing your pain" in s.text for s in result.notes)


def test_every_statement_cites_a_known_source(kb: KnowledgeBase) -> None:
    known = set(kb.seeds) | set(kb.literature)
    for key in self_check.QUESTIONS:
        for answers in (plain(), plain(**{key: "yes"})):
            if answers[key] not in {c.value for c in self_check.QUESTIONS[key].choices}:
                continue
            result = self_check.self_check(answers, kb)
            for s in (result.summary, *result.act, *result.why, *result.expect, *result.notes):
                assert s.sources, s.text
                assert set(s.sources) <= known, s.sources


def test_answers_map_to_intake_codes(kb: KnowledgeBase) -> None:
    intake = self_check.answers_to_intake(
        plain(age="50_plus", pregnant="no", pacemaker="yes", cancer="yes", skin_problem="yes"),
        kb,
    )
    assert intake.age == 60
    assert intake.devices == ["pacemaker"]
    assert intake.history == ["cancer"]
    assert intake.local_findings[0].finding == "skin-condition"
    # Every code a question can add is a real knowledge-base code.
    assert set(self_check.RED_FLAG_ANSWERS.values()) <= set(kb.red_flags)
    for table in (
        self_check.HISTORY_ANSWERS,
        self_check.MEDICATION_ANSWERS,
        self_check.DEVICE_ANSWERS,
    ):
        assert set(table.values()) <= set(kb.findings)
    assert self_check.SKIN_REGION in kb.regions


def test_missing_or_unknown_answers_are_named(kb: KnowledgeBase) -> None:
    answers = plain()
    del answers["fever"]
    assert self_check.unanswered(answers) == ("fever",)
    with pytest.raises(self_check.SelfCheckError) as missing:
        self_check.self_check(answers, kb)
    assert missing.value.key == "fever"
    assert self_check.unanswered(plain(age="twelve")) == ("age",)


def test_a_young_age_with_long_pain_is_still_a_valid_intake(kb: KnowledgeBase) -> None:
    # The representative ages must pass read_intake's plausibility checks for every answer.
    for age in self_check.AGE_BANDS:
        for duration in self_check.DURATIONS:
            for pregnant in ("no", "yes"):
                try:
                    self_check.answers_to_intake(
                        plain(age=age, duration=duration, pregnant=pregnant), kb
                    )
                except InputError as exc:  # pragma: no cover - the failure message
                    pytest.fail(f"{age}/{duration}/{pregnant}: {exc}")
