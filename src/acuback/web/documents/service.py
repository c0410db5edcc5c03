"""The doctor's-approval letter and its reply, and what each printed document says.

Rules only: no HTTP here. The letter's reply becomes a care Decision through
`care.service.record_decision`, so planning follows the one rule that already decides
whether a patient may be treated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from acuback.clinical.base import InputError, spoken
from acuback.clinical.course_plan import draft
from acuback.clinical.screening import Screening
from acuback.knowledge.loader import knowledge_base
from acuback.knowledge.schema import TriageLevel
from acuback.web.care import service as care
from acuback.web.care.models import Decision, DecisionKind, IntakeRecord
from acuback.web.clinics.models import Clinic
from acuback.web.documents.models import ApprovalLetter

QUESTION_MAX = 600
# Knowledge-base prose cites its seed files in brackets; a doctor's letter leaves them out.
_SEED_NOTE = re.compile(r"\s*\([^()]*\bseed\b[^()]*\)")


class LetterNotFound(Exception):
    """No such letter in this clinic (another clinic's letter is not found either)."""


class LetterNotNeeded(Exception):
    """The intake's screening does not ask for a doctor's approval."""


def plain_words(text: str) -> str:
    return " ".join(_SEED_NOTE.sub("", text).split())


@dataclass(frozen=True)
class Finding:
    label: str
    text: str


@dataclass(frozen=True)
class ApprovalCase:
    """What the letter tells the GP: why we ask, what we would do, and within which limits."""

    findings: tuple[Finding, ...]
    methods: tuple[str, ...]
    restrictions: tuple[str, ...]
    left_out: tuple[str, ...]
    question: str
    waiting: bool


def _finding(label: str, text: str) -> Finding:
    """A contraindication's text opens with what was found ('Takes blood-thinning
    medicine: ...'): that is the clearer heading for a doctor than the rule's name."""
    found, _, why = text.partition(": ")
    return Finding(found, why) if why and len(found) < 120 else Finding(label, text)


def asks_for_doctor(screening: Screening) -> bool:
    """Does the screening hold the plan back until a doctor approves?"""
    return any(b.level == TriageLevel.PHYSICIAN_CLEARANCE for b in screening.plan_blockers)


def approval_case(intake: IntakeRecord) -> ApprovalCase:
    """The letter's content, from the screening as it was saved (before any reply)."""
    kb = knowledge_base()
    saved = intake.screening
    findings = tuple(
        _finding(r.label, plain_words(r.text))
        for r in saved.triage.reasons
        if r.level == TriageLevel.PHYSICIAN_CLEARANCE
    )
    current = care.current_intake(intake)
    course = draft(current, saved, kb, timezone.localdate())
    restrictions = tuple(f"{r.label}: {r.rule}" for r in saved.restricted_methods)
    left_out = tuple(
        dict.fromkeys(
            [f"{e.label} (not used)" for e in saved.excluded_methods]
            + [
                f"{e.label}"
                + ("" if e.side == "both" else f", {e.side} side")
                + ": no needles or heat"
                for e in saved.excluded_regions
            ]
        )
    )
    patient = intake.patient
    worries = (
        "; ".join(
            r.label[:1].lower() + r.label[1:]
            for r in saved.triage.reasons
            if r.level == TriageLevel.PHYSICIAN_CLEARANCE
        )
        or "the findings below"
    )
    question = (
        f"Is acupuncture with fine needles safe for {patient.given_name} {patient.family_name} "
        f"at present, given: {worries}? If so, is there anything we should keep to?"
    )
    return ApprovalCase(
        findings=findings,
        methods=tuple(kb.methods[m.code].label for m in course.methods if m.code in kb.methods),
        restrictions=restrictions,
        left_out=left_out,
        question=question,
        waiting=asks_for_doctor(care.current_screening(intake)),
    )


def letters_of(intake: IntakeRecord) -> list[ApprovalLetter]:
    return list(
        ApprovalLetter.objects.filter(intake=intake, clinic=intake.clinic)
        .select_related("created_by", "reply", "reply__created_by")
        .order_by("-created", "-id")
    )


def letter_in(clinic: Clinic, letter_id: int) -> ApprovalLetter:
    found = (
        ApprovalLetter.objects.select_related("patient", "intake", "reply", "created_by")
        .filter(clinic=clinic, pk=letter_id)
        .first()
    )
    if found is None:
        raise LetterNotFound(f"no letter {letter_id}")
    return found


def send_letter(intake: IntakeRecord, user: User, question: str) -> ApprovalLetter:
    """Record that a letter asking this question goes to the GP today."""
    question = " ".join(question.split())
    if not question:
        raise InputError("question", "Write the question the doctor is asked.")
    if len(question) > QUESTION_MAX:
        raise InputError("question", f"Keep the question under {QUESTION_MAX} characters.")
    if not asks_for_doctor(care.current_screening(intake)):
        raise LetterNotNeeded("This intake's screening does not ask for a doctor's approval.")
    return ApprovalLetter.objects.create(
        clinic=intake.clinic,
        patient=intake.patient,
        intake=intake,
        question=question,
        sent_on=timezone.localdate(),
        created_by=user,
    )


REPLY_KINDS = {True: DecisionKind.CLEARANCE_RECEIVED, False: DecisionKind.DECLINED}


def record_reply(
    letter: ApprovalLetter, user: User, approved: bool, on: date, note: str
) -> Decision:
    """The GP's answer, as the decision that lets the plan go ahead or stops it."""
    if on < letter.sent_on:
        raise InputError(
            "replied_on", f"The letter was sent on {spoken(letter.sent_on)}; this is before it."
        )
    if on > timezone.localdate():
        raise InputError("replied_on", "This date is in the future.")
    newest = care.latest_intake(letter.patient)
    if newest is not None and newest.pk != letter.intake_id:
        # A decision on an older intake unlocks nothing: the newest intake decides now.
        raise InputError(
            "approved",
            f"This letter belongs to the intake of {spoken(letter.intake.created.date())}; "
            f"the patient has a newer one. Send a letter from the newest intake.",
        )
    with transaction.atomic():
        locked = ApprovalLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.reply_id is not None:
            raise InputError("approved", "A reply to this letter is already recorded.")
        # The decision recorded last is the one that counts: an older reply entered late
        # must not overturn a newer decision (an approval after a later refusal).
        later = (
            locked.intake.decisions.exclude(kind=DecisionKind.GUARDIAN_CONSENT)
            .filter(on__gt=on)
            .order_by("-on")
            .first()
        )
        if later is not None:
            raise InputError(
                "replied_on",
                f"A newer decision is recorded ({later.get_kind_display().lower()}, "
                f"{spoken(later.on)}); a reply dated before it would overturn it. "
                "Keep it in the notes instead.",
            )
        words = "approved" if approved else "advised against acupuncture"
        written = f"Doctor's reply to letter {letter.reference}: {words}."
        decision = care.record_decision(
            letter.intake,
            user,
            REPLY_KINDS[approved],
            on,
            f"{written} {note.strip()}".strip(),
        )
        locked.reply = decision
        locked.save(update_fields=["reply"])
    letter.reply = decision
    return decision
