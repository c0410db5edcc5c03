"""Every fact of every seed is in the knowledge base, as a code that cites the seed.

Facts carry over from the seeds; sentences never do. The second half of this file
checks the 'sentences never do' part against the seed texts themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from acuback.knowledge.loader import KnowledgeBase, knowledge_base

S000, S001, S002, S003, S004 = (
    "000_8db77b63525bdbd8.txt",
    "001_8feff73504b1d674.txt",
    "002_722906761ce8ad95.txt",
    "003_efbd8760369fde24.txt",
    "004_6a26f83fca00681b.txt",
)

# seed -> the codes that carry its facts
SEED_FACTS: dict[str, list[str]] = {
    S000: [
        # causes of low back pain
        "overexertion",
        "twisting-injury",
        "muscle-strain",
        "osteoarthritis",
        "herniated-disc",
        "nerve-root-compression",
        "bone-disease",
        "vertebral-collapse",
        "pelvic-abdominal-organ-disease",
        "poor-posture",
        "lack-of-exercise",
        # what is treated, how, and how often
        "chronic-low-back-pain",
        "sciatica",
        "acute-contracture",
        "course-acute-contracture",
        "auricular-acupuncture",
        "combined-physiotherapy",
        # patient questions it answers
        "how-it-works",
        "home-visits",
        "medicines",
        "how-many-sessions",
        "causes-of-back-pain",
    ],
    S001: [
        "ev-acp-2017",
        "sham-acupuncture",
        "is-it-safe",
        "cost-and-insurance",
        "find-a-practitioner",
        "medicines",
        "ci-pregnancy-points",
        "ci-pacemaker-electro",
    ],
    S002: [
        "dry-needling",
        "combined-physiotherapy",
        "acute-low-back-pain",
        "is-it-painful",
        "what-happens-in-a-session",
        "after-treatment",
        "acute-vs-chronic",
        "acupuncture-vs-dry-needling",
        "combine-with-physiotherapy",
    ],
    S003: [
        "chronic-low-back-pain",
        "sciatica",
        "spondylosis",
        "disc-herniation",
        "ci-exhaustion",
        "ci-intoxication",
        "ci-anticoagulant",
        "moxibustion",
        "electroacupuncture",
        "tui-na",
        "other-methods",
    ],
    S004: [
        "chronic-low-back-pain",
        "sciatica",
        "disc-herniation",
        "lumbar-stenosis",
        "spondylolisthesis",
        "spondylosis",
        "facet-syndrome",
        "degenerative-disc-disease",
        "course-standard",
        "review-results-due",
        "review-lasting-results",
        "maintenance",
        "st25",
        "bl40",
        "li4",
        "ci-pregnancy-points",
        "ci-pacemaker-electro",
        "ci-driving",
        "how-soon-results",
        "how-long-results-last",
        "which-points",
        "which-conditions",
    ],
}

# Seed findings that must trigger a contraindication citing that seed.
SEED_FINDINGS: dict[str, list[str]] = {
    S001: ["pregnant", "pacemaker", "other-metal-implant"],
    S003: [
        "exhaustion",
        "intoxication",
        "recent-radiotherapy",
        "corticosteroid-therapy",
        "ischaemic-heart-disease-ecg",
        "severe-organ-failure",
        "convulsions",
        "bleeding-disorder",
        "anticoagulant",
    ],
    S004: [
        "pregnant",
        "uncontrolled-movements",
        "spinal-instability",
        "scar-or-keloid",
        "recent-wound",
        "numb-skin",
        "bleeding-disorder",
        "anticoagulant",
        "pacemaker",
        "acute-stroke",
        "cancer",
        "skin-condition",
        "diabetes",
        "epilepsy",
        "immunosuppression",
        "unclear-diagnosis",
        "abnormal-structure",
        "driving-after-treatment",
    ],
}

FAQ_IDS = [
    "what-is-acupuncture",
    "how-it-works",
    "does-it-work",
    "sham-acupuncture",
    "guidelines",
    "is-it-painful",
    "is-it-safe",
    "who-should-not",
    "pregnancy",
    "how-many-sessions",
    "how-soon-results",
    "how-long-results-last",
    "what-happens-in-a-session",
    "after-treatment",
    "acupuncture-vs-dry-needling",
    "combine-with-physiotherapy",
    "acute-vs-chronic",
    "which-conditions",
    "which-points",
    "other-methods",
    "cost-and-insurance",
    "find-a-practitioner",
    "home-visits",
    "medicines",
    "causes-of-back-pain",
    "when-to-see-doctor",
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return knowledge_base()


@pytest.mark.parametrize(
    ("seed", "code"), [(seed, code) for seed, codes in SEED_FACTS.items() for code in codes]
)
def test_seed_fact_is_encoded_and_cites_the_seed(kb: KnowledgeBase, seed: str, code: str) -> None:
    _, entry = kb.entry(code)
    assert seed in entry.sources, f"{code} carries a fact of {seed} but does not cite it"


@pytest.mark.parametrize(
    ("seed", "finding"),
    [(seed, finding) for seed, findings in SEED_FINDINGS.items() for finding in findings],
)
def test_seed_contraindication_is_encoded(kb: KnowledgeBase, seed: str, finding: str) -> None:
    assert finding in kb.findings
    citing = [
        ci.code
        for ci in kb.contraindications.values()
        if finding in ci.triggered_by and seed in ci.sources
    ]
    assert citing, f"no contraindication triggered by {finding} cites {seed}"


def test_every_faq_topic_is_answered_with_sources(kb: KnowledgeBase) -> None:
    assert set(FAQ_IDS) <= set(kb.faq)
    for code in FAQ_IDS:
        answer = kb.faq[code]
        assert answer.sources and answer.cites, code
        assert answer.label.endswith("?"), f"{code}: the label should be the question"


def test_the_nine_conditions_of_the_mission_are_all_present(kb: KnowledgeBase) -> None:
    assert {
        "chronic-low-back-pain",
        "sciatica",
        "disc-herniation",
        "lumbar-stenosis",
        "spondylolisthesis",
        "spondylosis",
        "facet-syndrome",
        "degenerative-disc-disease",
        "acute-contracture",
    } <= set(kb.conditions)


def test_point_level_consequences_of_the_mission(kb: KnowledgeBase) -> None:
    pregnancy = kb.contraindications["ci-pregnancy-points"].excludes
    assert {"li4", "sp6", "bl60", "bl67"} <= set(pregnancy.points)
    assert "lumbosacral" in pregnancy.regions
    assert "electroacupuncture" in kb.contraindications["ci-pacemaker-electro"].excludes.methods
    for code in ("ci-numb-skin-moxibustion", "ci-diabetes-moxibustion"):
        assert "moxibustion" in kb.contraindications[code].excludes.methods


def test_protocol_points_and_named_points_exist(kb: KnowledgeBase) -> None:
    assert set(kb.protocols["protocol-cherkin-2009"].points) >= {"bl23", "bl40", "ki3", "ashi"}
    for code in ("ex-b2", "ex-ue7", "ashi", "ear-shenmen", "ear-lumbosacral"):
        assert code in kb.points
    roles = {role for point in kb.points.values() for role in point.roles}
    assert roles == {"local", "adjacent", "distal", "auricular"}
    views = {pos.view for point in kb.points.values() for pos in point.map}
    assert views == {"front", "back"}


def test_guidelines_conflict_is_stored_with_jurisdiction_and_status(kb: KnowledgeBase) -> None:
    assert kb.evidence["ev-nice-ng59"].position == "do_not_offer"
    assert kb.evidence["ev-who-2023"].position == "may_offer"
    acp = kb.evidence["ev-acp-2017"]
    assert (acp.position, acp.status) == ("recommends", "historical")
    assert all(item.jurisdiction for item in kb.evidence.values() if item.kind == "guideline")


def test_outcome_thresholds_match_the_consensus(kb: KnowledgeBase) -> None:
    got = {code: (t.absolute, t.relative) for code, t in kb.thresholds.items()}
    assert got["mic-nrs"] == (2, 0.3)
    assert got["mic-rmdq"] == (5, 0.3)
    assert got["mic-odi"] == (10, 0.3)


def test_no_instrument_ships_item_text(kb: KnowledgeBase) -> None:
    for instrument in kb.instruments.values():
        assert instrument.ships_item_text is False
        assert all(re.fullmatch(r"[a-z0-9-]+", item) for item in instrument.item_codes)


# --- sentences never carry over ---------------------------------------------

SEEDS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
RUN = 8  # words in a row that would count as copying


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="shared/seeds is not beside this clone")
def test_no_sentence_is_copied_from_a_seed(kb: KnowledgeBase) -> None:
    seed_runs: set[tuple[str, ...]] = set()
    for path in SEEDS_DIR.glob("*.txt"):
        seed_runs |= _runs(path.read_text(encoding="utf-8"))
    copied = []
    for name, entries in kb.collections():
        for code, entry in entries.items():
            for text in (getattr(entry, "label", ""), getattr(entry, "description", "")):
                hits = _runs(text) & seed_runs
                if hits:
                    copied.append(f"{name}/{code}: '{' '.join(sorted(hits)[0])}'")
    assert not copied, "copied from a seed:\n" + "\n".join(copied)
