"""Ask a question (issue 11): free text -> FAQ answers with sources, red flags first.

Source of the expected behaviour: the FAQ (knowledge/data/faq.yaml), the red flags and
their pathologies (red_flags.yaml, pathologies.yaml) and the patient phrasings in
knowledge/data/ask.yaml; the paraphrases below are our own wording of each FAQ question.
"""

from __future__ import annotations

import statistics
import time

import pytest

from acuback.clinical.ask import (
    MAX_ANSWERS,
    Hit,
    SqliteIndex,
    ask,
    index_for,
    lexicon,
    load_lexicon,
    query_terms,
)
from acuback.clinical.base import InputError
from acuback.knowledge.loader import knowledge_base
from acuback.knowledge.schema import TriageLevel

KB = knowledge_base()

# One paraphrase per FAQ topic, in a patient's words (some with typos), never its label.
PARAPHRASES = {
    "what-is-acupuncture": "what actually is acupuncture, is it the chinese needle thing?",
    "how-it-works": "how do the needles ease the pain, what is the mechanism?",
    "does-it-work": "is there evidence acupunture is effective for my lower back?",
    "sham-acupuncture": "is it just a placebo, does fake needling work as well?",
    "guidelines": "what does NICE recommend about acupuncture for back pain?",
    "is-it-painful": "will the needles be painful?",
    "is-it-safe": "are there any dangerous side effects or risks?",
    "who-should-not": "I have a pacemaker and epilepsy, is anyone not allowed to have it?",
    "pregnancy": "I'm expecting a baby, can I still get needled for my back?",
    "how-many-sessions": "how many appointments will the course take?",
    "how-soon-results": "when will I start to notice that it is helping?",
    "how-long-results-last": "will the improvement wear off or is it permanent?",
    "what-happens-in-a-session": "what should I expect at my first appointment?",
    "after-treatment": "will I be tired or sore afterwards, can I drive home?",
    "acupuncture-vs-dry-needling": "is dry needling of trigger points different from acupuncture?",
    "combine-with-physiotherapy": "can I see my physio at the same time as having acupuncture?",
    "acute-vs-chronic": "my back went suddenly last week, is it only for chronic pain?",
    "which-conditions": "I have spinal stenosis, can acupuncture help with that?",
    "which-points": "where do the needles go, which acupoints?",
    "other-methods": "do you use moxa, cupping or electro?",
    "cost-and-insurance": "how much is it and does my insurance or copay cover it?",
    "find-a-practitioner": "how can I find a good licensed acupuncturist near me?",
    "home-visits": "I'm housebound, can someone come to my house to treat me?",
    "medicines": "should I stop my painkillers like ibuprofen?",
    "causes-of-back-pain": "why does my back hurt, what causes it?",
    "when-to-see-doctor": "what warning signs mean I should see my GP?",
}

OFF_TOPIC = [
    "how do I bake bread",
    "what is the capital of France",
    "what time does the pharmacy open on sundays",
    "who won the football last night",
    "how do I change a car tyre",
    "what is the weather going to be tomorrow",
    "can you recommend a good pizza restaurant",
    "how do I reset my password",
    "the of and to is",
    "can you recommend a good pizza restaurant",
    "is it going to rain this weekend",
    "what's the best way to learn french",
    "how do I cook rice",
    "what is the meaning of life",
    "can I bring my dog",
    "how tall is mount everest",
    # Other conditions: the FAQ is about back pain, so no nearest back-pain topic.
    "can acupuncture help me stop smoking",
    "does acupuncture help with migraines",
    "can acupuncture help anxiety",
]


def test_every_faq_topic_has_a_paraphrase() -> None:
    assert set(PARAPHRASES) == set(KB.faq)


def test_paraphrases_rank_their_topic_first(capsys: pytest.CaptureFixture[str]) -> None:
    top1 = top3 = 0
    misses = []
    for topic, question in PARAPHRASES.items():
        ranked = [a.topic for a in ask(question, KB).answers]
        top1 += ranked[:1] == [topic]
        top3 += topic in ranked[:3]
        if ranked[:1] != [topic]:
            misses.append((topic, ranked[:3]))
    n = len(PARAPHRASES)
    with capsys.disabled():
        print(f"\nask: top-1 {top1}/{n} = {top1 / n:.2f}, top-3 {top3}/{n} = {top3 / n:.2f}")
        for topic, ranked in misses:
            print(f"  not first: {topic} -> {ranked}")
    assert top3 / n >= 0.9
    assert top1 / n >= 0.8


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_not_answered(question: str) -> None:
    result = ask(question, KB)
    assert (result.answered, result.answers, result.urgent) == (False, [], None)


def test_can_acupuncture_cure_cancer_is_not_answered_and_not_urgent() -> None:
    # Safety: the knowledge base makes no claim about treating cancer, and a list of
    # back-pain answers under this question could read as one; ask.yaml's out_of_scope
    # says so. No back pain or history is described, so no red flag either.
    for question in ["can acupuncture cure cancer", "Will needles shrink my tumour?"]:
        result = ask(question, KB)
        assert (result.answered, result.answers, result.urgent) == (False, [], None)


def test_having_cancer_and_asking_about_acupuncture_is_answered_with_urgent_advice() -> None:
    result = ask("I had breast cancer and now my back hurts, can I have acupuncture?", KB)
    assert result.answered
    assert result.urgent is not None
    assert result.urgent.red_flags == ["rf-cancer-history"]
    assert result.urgent.level == TriageLevel.URGENT_REFERRAL
    assert "see a doctor today" in result.urgent.action


def test_typos_and_patient_words_find_their_topic() -> None:
    cases = {
        "is accupunture safe": "is-it-safe",
        "how many sesions will I need": "how-many-sessions",
        "I take warfarin, is that a problem?": "medicines",
        "is it covered by medicare or is there a copay": "cost-and-insurance",
        "can I see a physio as well": "combine-with-physiotherapy",
        "do the pins hurt": "is-it-painful",
        "I have a slipped disc": "which-conditions",
        "is it free on the NHS": "cost-and-insurance",
        "does it help?": "does-it-work",
        "my lumbago is back, does acupuncture work for it?": "does-it-work",
    }
    for question, topic in cases.items():
        assert ask(question, KB).answers[0].topic == topic, question


def test_query_terms_correct_typos_and_expand_synonyms() -> None:
    index = index_for(KB)
    assert "acupuncture" in query_terms("accupunture", index)
    assert {"herniated", "disc"} <= set(query_terms("slipped disc", index))
    assert "doctor" in query_terms("my GP", index)
    # An English word with a close domain word is left alone when it starts differently.
    assert query_terms("cook rice", index) == ["cook", "rice"]


def test_answers_carry_the_faq_sources_and_are_best_first() -> None:
    result = ask("how much does acupuncture cost and how many sessions", KB)
    assert 1 < len(result.answers) <= MAX_ANSWERS
    scores = [a.score for a in result.answers]
    assert scores == sorted(scores, reverse=True)
    for found in result.answers:
        assert found.sources == KB.faq[found.topic].sources
        assert found.title == KB.faq[found.topic].label
    assert len(ask("acupuncture back pain needles", KB, limit=2).answers) <= 2


# Plain-words phrasings -> the red flag each raises (red_flags.yaml) and the urgency of its
# pathology (pathologies.yaml).
RED_FLAG_PHRASES = [
    ("I've gone numb around my bottom, can I still come?", "rf-saddle-anaesthesia", "emergency"),
    ("I can't feel anything between my legs since yesterday", "rf-saddle-anaesthesia", "emergency"),
    ("since my back went I can't pee properly", "rf-bladder-disturbance", "emergency"),
    ("I wet myself this morning and my back is agony", "rf-bladder-disturbance", "emergency"),
    ("I have lost control of my bowels", "rf-bowel-incontinence", "emergency"),
    ("both my legs feel weak, does acupuncture help?", "rf-severe-leg-deficit", "emergency"),
    ("my leg is getting weaker every week", "rf-increasing-leg-weakness", "urgent_referral"),
    ("my foot drags when I walk", "rf-foot-drop", "urgent_referral"),
    ("I have a fever and back pain, how many sessions?", "rf-fever", "urgent_referral"),
    ("I keep shivering and have a high temperature", "rf-fever", "urgent_referral"),
    (
        "I had cancer two years ago and now have new back pain",
        "rf-cancer-history",
        "urgent_referral",
    ),
    (
        "I fell over last week and I have osteoporosis",
        "rf-minor-trauma-fragile-bone",
        "urgent_referral",
    ),
    ("I've lost a lot of weight without trying", "rf-weight-loss", "urgent_referral"),
    ("the pain is constant all night, whatever position", "rf-night-pain", "urgent_referral"),
    ("I was in a car accident and my back hurts", "rf-major-trauma", "urgent_referral"),
    ("sudden severe pain in my back and I feel faint", "rf-aaa-shock", "emergency"),
    ("there is a throbbing lump in my tummy", "rf-aaa-pulsatile-mass", "emergency"),
]


@pytest.mark.parametrize(("question", "code", "level"), RED_FLAG_PHRASES)
def test_red_flag_phrasings_put_the_urgent_advice_first(
    question: str, code: str, level: str
) -> None:
    urgent = ask(question, KB).urgent
    assert urgent is not None
    assert code in urgent.red_flags
    assert KB.red_flags[code].label in urgent.reasons
    assert urgent.level == TriageLevel(level)
    assert urgent.action == " ".join(lexicon().advice[urgent.level].split())


def test_urgent_advice_follows_the_pathology_urgency_and_never_names_a_diagnosis() -> None:
    emergency = ask("numb saddle area", KB).urgent
    assert emergency is not None and "call emergency services" in emergency.action
    soon = ask("I have a fever", KB).urgent
    assert soon is not None and "see a doctor today" in soon.action
    for pathology in KB.pathologies.values():
        for text in lexicon().advice.values():
            assert pathology.label.lower() not in text.lower()


def test_the_worst_level_wins_when_several_flags_are_described() -> None:
    urgent = ask("I have a fever and I can't pee", KB).urgent
    assert urgent is not None
    assert urgent.level == TriageLevel.EMERGENCY
    assert set(urgent.red_flags) == {"rf-fever", "rf-bladder-disturbance"}


@pytest.mark.parametrize(
    "question",
    [
        "does it hurt",
        "how many sessions",
        "can I drive home afterwards",
        "is it safe when pregnant",
        "what does it cost",
        "my back hurts when I bend",
        "how long do the needles stay in",
    ],
)
def test_harmless_questions_have_no_urgent_advice(question: str) -> None:
    assert ask(question, KB).urgent is None


def test_every_pattern_names_a_red_flag_and_every_level_has_advice() -> None:
    lex = load_lexicon()
    assert {f.code for f in lex.red_flags} <= set(KB.red_flags)
    assert set(lex.advice) == {
        TriageLevel.EMERGENCY,
        TriageLevel.URGENT_REFERRAL,
        TriageLevel.PHYSICIAN_CLEARANCE,
    }
    assert {KB.pathologies[KB.red_flags[f.code].pathology].urgency for f in lex.red_flags} <= set(
        lex.advice
    )


def test_empty_and_over_long_questions_are_refused() -> None:
    for question in ["", "   \n "]:
        with pytest.raises(InputError, match="empty"):
            ask(question, KB)
    with pytest.raises(InputError, match="at most 1,000"):
        ask("why " * 300, KB)
    with pytest.raises(ValueError, match="limit"):
        ask("does it hurt", KB, limit=6)


def test_fts5_syntax_in_a_question_is_just_words() -> None:
    for question in ['"needles" OR NEAR(hurt', "acupuncture AND NOT * ^ :", "hurt) -- ;"]:
        ask(question, KB)  # no sqlite3.OperationalError


def test_another_backend_plugs_into_the_same_ranking() -> None:
    class Fixed:
        """A backend as the web side's PostgreSQL one would be: the same three methods."""

        min_score = 0.5

        def vocabulary(self) -> frozenset[str]:
            return frozenset({"hurt"})

        def knows(self, word: str) -> bool:
            return word == "hurt"

        def search(self, terms: object, limit: int) -> list[Hit]:
            return [Hit(topic="is-it-painful", score=1.0), Hit(topic="is-it-safe", score=0.1)]

    result = ask("does it hrut", KB, backend=Fixed())
    assert [a.topic for a in result.answers] == ["is-it-painful"]


def test_one_question_takes_a_fraction_of_building_the_index(
    capsys: pytest.CaptureFixture[str],
) -> None:
    start = time.perf_counter()
    SqliteIndex(KB)
    build = time.perf_counter() - start
    index_for(KB)
    timings = []
    questions = list(PARAPHRASES.values())
    for i in range(200):
        start = time.perf_counter()
        ask(questions[i % len(questions)], KB)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    with capsys.disabled():
        print(
            f"\nask: index built in {build * 1000:.1f} ms; one question (median of 200) "
            f"{median * 1000:.2f} ms = {median / build:.2f} of a build"
        )
    assert median < 0.1


def test_negation_is_not_understood_so_a_denied_sign_still_gets_the_advice() -> None:
    # Deliberate (ask.yaml): missing a warning sign costs more than a needless reminder.
    urgent = ask("I don't have a fever, is it safe?", KB).urgent
    assert urgent is not None and urgent.red_flags == ["rf-fever"]
