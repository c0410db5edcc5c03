"""The check-in after a session: what the patient's answers mean and what they are told.

A day after a session (24 to 48 hours) the patient is asked how they have been. Mild
discomfort after acupuncture is common and usually resolves within a day (seed article
002); about one patient in ten reports some adverse effect over a course, nearly all minor,
serious ones being very rare (MacPherson 2004; White 2001; MacPherson 2001). So the rule
is cautious in one direction only: an effect that is still strong after a day, or that
may need looking at (a large or spreading bruise, dizziness or fainting, pain much worse
than before), is **moderate** and the clinic contacts the patient; new numbness, weakness
or bladder or bowel trouble is **serious**: the warning signs of nerve compression
(cauda equina syndrome, NICE NG59 with its red flags), for which the patient is told to
get urgent care at once, not to wait for the clinic.

Severity never goes down as an answer gets worse, and the check-in's severity is the
highest of its effects. A free-text note cannot be graded by a rule: it raises no severity
of its own, but the practitioner is asked to read it (`needs_reading`).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

from pydantic import Field

from acuback.clinical.ask import red_flags
from acuback.clinical.base import Result
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import TriageLevel

SEED_002 = "002_722906761ce8ad95.txt"

MAX_NOTE_CHARS = 2000

Soreness = Literal["none", "mild", "a_lot"]
Bruising = Literal["none", "small", "large"]
YesNo = Literal["no", "yes"]
PainChange = Literal["no", "a_little", "much_worse"]


class Severity(IntEnum):
    """Ordered: a worse answer never maps to a lower value."""

    NONE = 0
    MILD = 1
    MODERATE = 2
    SERIOUS = 3

    @property
    def word(self) -> str:
        """The adverse-event record's word (care.Severity's values)."""
        return self.name.lower()


class Answers(Result):
    """What the patient answered; `note` is optional free text."""

    soreness: Soreness
    bruising: Bruising
    dizziness: YesNo
    pain: PainChange
    warning_signs: YesNo
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


class Effect(Result):
    """One effect the patient reported, graded, in the clinic's words."""

    question: str
    answer: str
    severity: Severity
    description: str


class Statement(Result):
    """One sentence for the patient and where it comes from (knowledge-base codes)."""

    text: str
    sources: tuple[str, ...]


class Reading(Result):
    """The check-in's answers read by the rule."""

    effects: tuple[Effect, ...]
    severity: Severity
    # Anything beyond mild, or a note a rule cannot grade: the practitioner must look.
    alert: bool
    needs_reading: bool
    urgent: bool
    advice: tuple[Statement, ...]


# (question, answer) -> (severity, what the clinic's record says). "none"/"no" are absent.
GRADES: dict[tuple[str, str], tuple[Severity, str]] = {
    ("soreness", "mild"): (Severity.MILD, "Mild soreness where the needles were"),
    ("soreness", "a_lot"): (
        Severity.MODERATE,
        "Soreness where the needles were that still hurts a lot a day later",
    ),
    ("bruising", "small"): (Severity.MILD, "A small bruise"),
    ("bruising", "large"): (Severity.MODERATE, "A large or spreading bruise"),
    ("dizziness", "yes"): (Severity.MODERATE, "Dizziness or fainting after the session"),
    ("pain", "a_little"): (Severity.MILD, "Pain a little worse than before the session"),
    ("pain", "much_worse"): (Severity.MODERATE, "Pain much worse than before the session"),
    ("warning_signs", "yes"): (
        Severity.SERIOUS,
        "New numbness, weakness, or bladder or bowel trouble since the session",
    ),
}

QUESTIONS: tuple[str, ...] = ("soreness", "bruising", "dizziness", "pain", "warning_signs")

MILD_ADVICE = Statement(
    text="Mild soreness, a small bruise or a little more pain after acupuncture are common. "
    "They usually settle within a day. If they do not, or they get worse, call your clinic.",
    sources=(SEED_002, "macpherson-2004"),
)
NOTHING_ADVICE = Statement(
    text="Thank you. Nothing you told us needs action. If anything changes, call your clinic.",
    sources=(SEED_002,),
)
CLINIC_TOLD = Statement(
    text="Your clinic has been told what you reported and will contact you. If you have not "
    "heard from them by the end of the next working day, please call them.",
    sources=("white-2001", "macpherson-2001"),
)
DIZZY_ADVICE = Statement(
    text="If you feel dizzy or faint, sit or lie down until it passes, and do not drive "
    "until you feel well.",
    sources=("white-2001", "physio-acupuncture-cautions"),
)
NOTE_READ = Statement(
    text="Your practitioner will read your note.",
    sources=(SEED_002,),
)
URGENT = Statement(
    text="New numbness between your legs or in a leg, new weakness in your legs, or new "
    "trouble passing urine or controlling your bowels need urgent care: go to an emergency "
    "department or call 999 (UK), 112 (Europe) or 911 (North America) now. Do not wait for "
    "the clinic to call.",
    sources=("nice-ng59-2016", "henschke-2013"),
)
SAFETY_NET = Statement(
    text="If you get new numbness, weakness, or trouble with your bladder or bowels, get "
    "urgent care at once.",
    sources=("nice-ng59-2016",),
)


def grade(question: str, answer: str) -> Severity:
    """The severity of one answer; "none" and "no" are Severity.NONE."""
    found = GRADES.get((question, answer))
    return found[0] if found is not None else Severity.NONE


# A note that describes one of these needs a doctor the same day or sooner.
URGENT_LEVELS = (TriageLevel.EMERGENCY, TriageLevel.URGENT_REFERRAL)


def read_answers(answers: Answers, kb: KnowledgeBase | None = None) -> Reading:
    """Grade each answer, take the highest, and say what the patient should do.

    With the knowledge base, the free-text note is also read for warning signs in a
    patient's words (the same matcher as "Ask a question"): a patient who ticks "no"
    everywhere but writes "I can't feel my legs" is told to get urgent care.
    """
    effects = []
    for question in QUESTIONS:
        answer: str = getattr(answers, question)
        found = GRADES.get((question, answer))
        if found is not None:
            severity, description = found
            effects.append(
                Effect(question=question, answer=answer, severity=severity, description=description)
            )
    note = answers.note.strip()
    flagged = red_flags(note, kb) if note and kb is not None else None
    if flagged is not None and flagged.level in URGENT_LEVELS:
        effects.append(
            Effect(
                question="note",
                answer="warning sign",
                severity=Severity.SERIOUS,
                description="The note describes a warning sign: " + "; ".join(flagged.reasons),
            )
        )
    severity = max((e.severity for e in effects), default=Severity.NONE)
    urgent = severity >= Severity.SERIOUS
    advice: list[Statement] = []
    if urgent:
        advice.append(URGENT)
    if severity >= Severity.MODERATE:
        advice.append(CLINIC_TOLD)
        if answers.dizziness == "yes":
            advice.append(DIZZY_ADVICE)
    elif severity == Severity.MILD:
        advice.append(MILD_ADVICE)
    else:
        advice.append(NOTHING_ADVICE)
    if note and severity < Severity.MODERATE:
        advice.append(NOTE_READ)
    if not urgent:
        advice.append(SAFETY_NET)
    return Reading(
        effects=tuple(effects),
        severity=severity,
        alert=severity > Severity.MILD or bool(note),
        needs_reading=bool(note),
        urgent=urgent,
        advice=tuple(advice),
    )
