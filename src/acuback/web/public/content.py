"""What the public pages show, built from the knowledge base: every statement with its sources.

The views stay thin: each page's content is worked out here, as plain dictionaries and
strings a template only lays out. Nothing on these pages is a code, an enum value or a
file name: sources are named as readers know them ("Cherkin 2009", "seed article 001")
and listed in full at the foot of each page, a partly checked one marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from acuback.clinical.ask import AskResult, Urgent
from acuback.clinical.base import spoken
from acuback.knowledge.loader import KnowledgeBase, title_of
from acuback.knowledge.schema import EvidenceItem, FaqAnswer, TriageLevel
from acuback.web.care.templatetags.care import source_name

# The FAQ in the groups of faq.yaml's comments, in the order a patient would read them.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "What acupuncture is and whether it works",
        ("what-is-acupuncture", "how-it-works", "does-it-work", "sham-acupuncture", "guidelines"),
    ),
    ("Safety", ("is-it-painful", "is-it-safe", "who-should-not", "pregnancy")),
    (
        "A course of treatment",
        (
            "how-many-sessions",
            "how-soon-results",
            "how-long-results-last",
            "what-happens-in-a-session",
            "after-treatment",
        ),
    ),
    (
        "Acupuncture and other treatments",
        (
            "acupuncture-vs-dry-needling",
            "combine-with-physiotherapy",
            "acute-vs-chronic",
            "which-conditions",
            "which-points",
            "other-methods",
        ),
    ),
    (
        "Practical matters",
        ("cost-and-insurance", "find-a-practitioner", "home-visits", "medicines"),
    ),
    ("Back pain in general", ("causes-of-back-pain", "when-to-see-doctor")),
)

# Shown under an empty question box: real questions the FAQ answers.
EXAMPLE_QUESTIONS = (
    "Does acupuncture hurt?",
    "How many sessions will I need?",
    "Can I have acupuncture while pregnant?",
    "Will my insurance pay for it?",
    "Is it better than fake needling?",
)

RELATED_MAX = 4

POSITION_WORDS = {
    "recommends": "Recommends it",
    "may_offer": "May be offered",
    "do_not_offer": "Do not offer",
    "covers": "Pays for it",
    "no_position": "Takes no position",
}

# The guidelines shown side by side, and the research behind the summary, by question.
GUIDELINES = ("ev-nice-ng59", "ev-who-2023", "ev-acp-2017")
RESEARCH: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "usual-care",
        "Compared with usual care",
        ("ev-cochrane-2020", "ev-vickers-2018", "ev-macpherson-2017"),
    ),
    ("sham", "Compared with sham (pretend) acupuncture", ("ev-gerac", "ev-cherkin-2009")),
    ("safety", "Safety", ("ev-safety-macpherson-2004",)),
)


# --- sources ----------------------------------------------------------------------


@dataclass
class References:
    """The sources a page cites, collected as it is built, listed in full at its foot."""

    kb: KnowledgeBase
    seen: dict[str, None] = field(default_factory=dict)

    def cite(self, codes: list[str] | tuple[str, ...]) -> str:
        """The sources named as readers know them, and remembered for the list."""
        for code in codes:
            self.seen.setdefault(code, None)
        return ", ".join(source_name(code) for code in codes)

    def listed(self) -> list[dict[str, str]]:
        out = []
        for code in self.seen:
            if code in self.kb.seeds:
                full = f"{self.kb.seeds[code].title}, one of the articles acuback started from"
                checked = ""
            else:
                ref = self.kb.literature[code]
                full = ref.citation
                checked = {"V": "", "P": "partly checked", "U": "not checked"}[ref.verified]
            out.append({"name": source_name(code), "full": full, "checked": checked})
        return sorted(out, key=lambda r: r["name"].lower())


# --- FAQ ------------------------------------------------------------------------------


def group_of(code: str) -> str:
    return next(title for title, codes in GROUPS if code in codes)


def faq_index(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The FAQ topics by group, each with its question."""
    return [
        {
            "title": title,
            "slug": f"group-{number}",
            "questions": [{"code": c, "question": kb.faq[c].label} for c in codes if c in kb.faq],
        }
        for number, (title, codes) in enumerate(GROUPS, start=1)
    ]


def related(code: str, kb: KnowledgeBase) -> list[dict[str, str]]:
    """Other questions worth reading: those this answer cites or that cite it, then its group's."""
    faq = kb.faq[code]
    cited = [c for c in faq.cites if c in kb.faq]
    citing = [c for c, other in kb.faq.items() if code in other.cites]
    group = next(codes for _, codes in GROUPS if code in codes)
    found = [c for c in dict.fromkeys(cited + citing + list(group)) if c != code and c in kb.faq]
    return [{"code": c, "question": kb.faq[c].label} for c in found[:RELATED_MAX]]


def based_on(faq: FaqAnswer, kb: KnowledgeBase) -> list[str]:
    """The knowledge-base entries the answer rests on, by name (other answers are linked)."""
    names = []
    for code in faq.cites:
        if code in kb.faq:
            continue
        try:
            _, entry = kb.entry(code)
        except KeyError:
            continue
        names.append(title_of(entry))
    return names


def answer(code: str, kb: KnowledgeBase, refs: References) -> dict[str, Any]:
    faq = kb.faq[code]
    return {
        "code": code,
        "question": faq.label,
        "text": faq.description,
        "cite": refs.cite(faq.sources),
        "based_on": based_on(faq, kb),
    }


def question_page(code: str, kb: KnowledgeBase) -> dict[str, Any]:
    refs = References(kb)
    return {
        "answer": answer(code, kb, refs),
        "group": group_of(code),
        "related": related(code, kb),
        "references": refs.listed(),
    }


# --- ask ------------------------------------------------------------------------------


URGENT_HEADINGS = {
    TriageLevel.EMERGENCY: ("Get help now", "get_help_now"),
    TriageLevel.URGENT_REFERRAL: ("See a doctor soon", "get_help_now"),
    TriageLevel.PHYSICIAN_CLEARANCE: ("Talk to your doctor first", "see_doctor_first"),
}


def _urgent(urgent: Urgent | None, kb: KnowledgeBase, refs: References) -> dict[str, Any] | None:
    if urgent is None:
        return None
    heading, tone = URGENT_HEADINGS[urgent.level]
    sources: dict[str, None] = {}
    for code in urgent.red_flags:
        flag = kb.red_flags[code]
        sources.update(dict.fromkeys(flag.sources))
        sources.update(dict.fromkeys(kb.pathologies[flag.pathology].sources))
    return {
        "heading": heading,
        "tone": tone,
        "action": urgent.action,
        "reasons": urgent.reasons,
        "cite": refs.cite(list(sources)),
    }


def ask_page(result: AskResult, kb: KnowledgeBase) -> dict[str, Any]:
    refs = References(kb)
    return {
        "urgent": _urgent(result.urgent, kb, refs),
        "answered": result.answered,
        "answers": [answer(a.topic, kb, refs) for a in result.answers],
        "references": refs.listed(),
    }


# --- evidence -------------------------------------------------------------------------


def _guideline(item: EvidenceItem, refs: References, today: date) -> dict[str, Any]:
    due = item.review_due()
    note = ""
    if item.status == "withdrawn":
        standing = "Withdrawn and replaced"
    elif due is not None and due <= today:
        standing = "Past its review date"
        note = (
            f"Its publisher treats a guideline as valid for {item.valid_years} years after "
            f"publication, so this one only until {spoken(due)}."
        )
    else:
        standing = "Current"
    return {
        "name": item.label.split(" - ")[0].split(" (")[0],
        "where": item.jurisdiction or "",
        "published": spoken(item.published),
        "updated": spoken(item.updated) if item.updated else "",
        "position": POSITION_WORDS[item.position or "no_position"],
        "position_class": (item.position or "no_position").replace("_", "-"),
        "standing": standing,
        "standing_note": note,
        "current": standing == "Current",
        "text": item.for_patients or "",
        "cite": refs.cite(item.sources),
    }


def evidence_page(kb: KnowledgeBase, today: date) -> dict[str, Any]:
    refs = References(kb)
    research = [
        {
            "slug": slug,
            "title": title,
            "findings": [
                {
                    "name": kb.evidence[code].label.split(" - ")[0],
                    "text": kb.evidence[code].for_patients or "",
                    "cite": refs.cite(kb.evidence[code].sources),
                }
                for code in codes
            ],
        }
        for slug, title, codes in RESEARCH
    ]
    lead_cite = refs.cite(["mu-2020", "vickers-2018", "macpherson-2004"])
    summary = answer("does-it-work", kb, refs)
    guidelines = [_guideline(kb.evidence[code], refs, today) for code in GUIDELINES]
    return {
        "lead_cite": lead_cite,
        "summary": summary,
        "research": research,
        "guidelines": guidelines,
        "references": refs.listed(),
    }


# --- practitioners, home visits, costs ----------------------------------------------------


def practitioners_page(kb: KnowledgeBase) -> dict[str, Any]:
    refs = References(kb)
    countries: dict[str, list[dict[str, str]]] = {}
    for reg in kb.registration.values():
        countries.setdefault(reg.country, []).append(
            {
                "name": reg.label,
                "who": reg.profession,
                "text": reg.description,
                "check": reg.check,
                "cite": refs.cite(reg.sources),
            }
        )
    return {
        "intro": answer("find-a-practitioner", kb, refs),
        "countries": [{"name": name, "bodies": bodies} for name, bodies in countries.items()],
        "safety": answer("is-it-safe", kb, refs),
        "references": refs.listed(),
    }


def topic_page(codes: tuple[str, ...], kb: KnowledgeBase) -> dict[str, Any]:
    refs = References(kb)
    answers = [answer(code, kb, refs) for code in codes]
    return {"answers": answers, "refs": refs}


def home_visits_page(kb: KnowledgeBase) -> dict[str, Any]:
    page = topic_page(("home-visits", "when-to-see-doctor", "what-happens-in-a-session"), kb)
    refs: References = page.pop("refs")
    page["lead_cite"] = refs.cite(["000_8db77b63525bdbd8.txt"])
    page["references"] = refs.listed()
    return page


def costs_page(kb: KnowledgeBase) -> dict[str, Any]:
    page = topic_page(("cost-and-insurance", "how-many-sessions"), kb)
    refs: References = page.pop("refs")
    page["lead_cite"] = refs.cite(["001_8feff73504b1d674.txt"])
    medicare = kb.evidence["ev-cms-ncd-2020"]
    page["medicare"] = {
        "name": "US Medicare",
        "since": spoken(medicare.published),
        "text": medicare.for_patients or "",
        "cite": refs.cite(medicare.sources),
    }
    page["references"] = refs.listed()
    return page
