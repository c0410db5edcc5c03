"""The check-in after each session: queued at close, sent once by the worker, answered once.

When a session closes, its one check-in is created in the same transaction (one per
session: the session is the row's unique key, so closing again creates nothing) and its
email task is queued once the transaction commits, to run 24 hours after the close.

The worker sends the email only while it is still 24 to 48 hours after the session: "mild
discomfort usually resolves within a day" (seed article 002), so the question is about the
first day or two. A worker that only reaches it later (it was stopped, the mail server was
down) does not send it late: the check-in is marked missed, because a question about
"since your session" a week on would mix the session's effects with everything since, and
the clinic sees on its Today page that no check-in went out. The patient may still answer
from the portal until the check-in expires, 7 days after the session.

Nothing is sent twice, across restarts and with several workers: the check-in is claimed
with one conditional UPDATE (`sent_at` from empty to now) that exactly one worker wins. If
the email fails, the claim is given back and the send retried 10 minutes later (at most 3
tries, and never after the 48-hour window). Without a portal account nothing is sent (the
email's link would lead nowhere) and the clinic sees why.

Services raise domain errors and build no URLs: the task passes the link in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from acuback.clinical.base import spoken
from acuback.clinical.check_in import Answers, Reading, read_answers
from acuback.knowledge.loader import knowledge_base
from acuback.web.care.models import AdverseEvent, SessionRecord
from acuback.web.checkins.models import CheckIn, NotSent
from acuback.web.clinics.models import Clinic, Patient
from acuback.web.clinics.service import unlisted_patient_fields
from acuback.web.portal.models import PatientAccount
from acuback.web.prebuilt import Prepared, prebuilt

logger = logging.getLogger(__name__)

DUE_AFTER = timedelta(hours=24)
SEND_WITHIN = timedelta(hours=48)
ANSWER_WITHIN = timedelta(days=7)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=10)
# How long a check-in that went out to no one stays on the Today page.
NOT_SENT_SHOWN = timedelta(days=7)


class Outcome:
    """What a check-in task did; stored as the task's result."""

    SENT = "sent"
    GONE = "check-in deleted"
    ALREADY_SENT = "already sent"
    ANSWERED = "already answered"
    MISSED = "missed: after the 48-hour window"
    NO_ACCOUNT = "patient has no portal account"
    NOT_SENT = "not to be sent"


class CheckInNotFound(LookupError):
    """No such check-in for this patient (or clinic)."""


class CheckInClosed(Exception):
    """The check-in cannot be answered (any more); the message says why, kindly."""

    title = "This check-in is closed"


class CheckInNotOpen(CheckInClosed):
    """Too early: the check-in asks about the day after the session."""

    title = "This check-in is not open yet"


# --- at the session's close --------------------------------------------------------------


def session_ended(session: SessionRecord) -> datetime:
    """When the session ended, as far as the record tells: its close, or the end of its day.

    A session charted days later (or the demo's course) is asked about from its own day,
    not from the day it was charted.
    """
    closed = session.closed or timezone.now()
    day_after = datetime.combine(session.day + timedelta(days=1), time.min)
    return min(closed, timezone.make_aware(day_after))


def session_closed(session: SessionRecord, now: datetime | None = None) -> CheckIn:
    """The session's check-in, created on its first close; queued once the close commits."""
    now = now or timezone.now()
    ended = session_ended(session)
    check_in, created = CheckIn.objects.get_or_create(
        session=session,
        defaults={
            "clinic_id": session.clinic_id,
            "patient_id": session.patient_id,
            "due_at": ended + DUE_AFTER,
            "send_by": ended + SEND_WITHIN,
            "expires_at": ended + ANSWER_WITHIN,
            # Charted after the window: nothing to send, as a late worker would find.
            "not_sent": NotSent.MISSED if now > ended + SEND_WITHIN else "",
        },
    )
    if created and not check_in.not_sent:
        # After the commit: a task must never run for a check-in that was rolled back.
        transaction.on_commit(lambda: schedule(check_in))
    return check_in


def schedule(check_in: CheckIn, attempt: int = 1, at: datetime | None = None) -> None:
    from acuback.web.checkins.tasks import send_check_in

    send_check_in.using(run_after=at or check_in.due_at).enqueue(check_in.pk, attempt)


def schedule_missing(now: datetime | None = None) -> int:
    """Queue every check-in still to send that has no task waiting; how many were queued.

    The task is queued after the close commits; a process that stopped between the two
    would leave a check-in without one. Meant for the worker's start, as reminders do.
    """
    from django_tasks_db.models import DBTaskResult

    from acuback.web.checkins.tasks import send_check_in

    now = now or timezone.now()
    waiting = {
        int(args_kwargs["args"][0])
        for args_kwargs in DBTaskResult.objects.filter(
            task_path=send_check_in.module_path, status="READY"
        ).values_list("args_kwargs", flat=True)
    }
    missing = [
        check_in
        for check_in in CheckIn.objects.filter(
            sent_at__isnull=True, answered_at__isnull=True, not_sent="", send_by__gt=now
        )
        if check_in.pk not in waiting
    ]
    for check_in in missing:
        schedule(check_in)
    return len(missing)


# --- the worker --------------------------------------------------------------------------


def claim(check_in_id: int, now: datetime) -> bool:
    """Mark the check-in sent, if no one has and it may still be sent."""
    won = (
        CheckIn.objects.filter(pk=check_in_id, sent_at__isnull=True, answered_at__isnull=True)
        .filter(Q(not_sent="") | Q(not_sent=NotSent.MAIL_FAILED))
        .update(sent_at=now, not_sent="")
    )
    return won == 1


def release(check_in_id: int, claimed_at: datetime, last: bool) -> None:
    """Give a claim back after a failed send; after the last try, say it failed."""
    CheckIn.objects.filter(pk=check_in_id, sent_at=claimed_at).update(
        sent_at=None, not_sent=NotSent.MAIL_FAILED if last else ""
    )


def _mark(check_in_id: int, reason: str) -> None:
    CheckIn.objects.filter(pk=check_in_id, sent_at__isnull=True, not_sent="").update(
        not_sent=reason
    )


def account_email(patient: Patient) -> str | None:
    """Where the check-in goes: the record's address (the clinic keeps it current), for a
    patient with a portal account; None without an account."""
    account = PatientAccount.objects.filter(patient=patient).select_related("user").first()
    if account is None:
        return None
    return patient.email or account.user.email or None


def message(check_in: CheckIn, to: str, link: str) -> EmailMessage:
    """The email: a question and a link, nothing clinical (email is not private)."""
    context = {"patient": check_in.patient, "clinic": check_in.clinic, "link": link}
    subject = f"{check_in.clinic.name}: how have you been since your visit?"
    body = render_to_string("checkins/email.txt", context).strip() + "\n"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def deliver(check_in_id: int, link: str, attempt: int = 1, now: datetime | None = None) -> str:
    """Send one check-in if it is still wanted; say what was done."""
    now = now or timezone.now()
    check_in = CheckIn.objects.select_related("clinic", "patient").filter(pk=check_in_id).first()
    if check_in is None:
        return Outcome.GONE
    if check_in.answered_at is not None:
        return Outcome.ANSWERED
    if check_in.sent_at is not None:
        return Outcome.ALREADY_SENT
    if check_in.not_sent in (NotSent.NO_ACCOUNT, NotSent.MISSED):
        return Outcome.NOT_SENT
    if now > check_in.send_by:
        _mark(check_in_id, NotSent.MISSED)
        return Outcome.MISSED
    to = account_email(check_in.patient)
    if to is None:
        _mark(check_in_id, NotSent.NO_ACCOUNT)
        return Outcome.NO_ACCOUNT
    email = message(check_in, to, link)
    if not claim(check_in_id, now):
        return Outcome.ALREADY_SENT
    try:
        email.send()
    except Exception:
        retry_at = now + RETRY_AFTER
        again = attempt < MAX_ATTEMPTS and retry_at < check_in.send_by
        release(check_in_id, now, last=not again)
        if again:
            schedule(check_in, attempt + 1, at=retry_at)
        logger.exception("check-in %s not sent (attempt %s)", check_in_id, attempt)
        raise
    return Outcome.SENT


# --- the patient -------------------------------------------------------------------------


def own_check_in(patient: Patient, check_in_id: int) -> CheckIn:
    """The patient's own check-in; anyone else's is not found, exactly like a missing one."""
    found = (
        CheckIn.objects.select_related("session", "clinic")
        .filter(pk=check_in_id, patient=patient, clinic_id=patient.clinic_id)
        .first()
    )
    if found is None:
        raise CheckInNotFound("No such check-in")
    return found


def pending_check_ins(patient: Patient, now: datetime | None = None) -> list[CheckIn]:
    """Check-ins the patient can answer now: due, not answered, not expired."""
    now = now or timezone.now()
    return list(
        CheckIn.objects.filter(
            patient=patient, answered_at__isnull=True, due_at__lte=now, expires_at__gt=now
        )
        .select_related("session")
        .order_by("due_at", "id")
    )


def can_answer(check_in: CheckIn, now: datetime | None = None) -> None:
    """Raise CheckInClosed, with a kind message, when the check-in cannot be answered."""
    now = now or timezone.now()
    if check_in.answered_at is not None:
        raise CheckInClosed("You have already answered this check-in. Thank you.")
    if now >= check_in.expires_at:
        raise CheckInClosed(
            "It closed on "
            f"{spoken(timezone.localdate(check_in.expires_at))}, so it no longer takes answers. "
            "If something is troubling you, please call your clinic."
        )
    if now < check_in.due_at:
        raise CheckInNotOpen(
            "It opens a day after your session. If something is troubling you "
            "now, please call your clinic."
        )


def answer(check_in: CheckIn, user: User, answers: Answers, now: datetime | None = None) -> Reading:
    """Record the answers once; each reported effect becomes an adverse event."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked: two submissions at once record one set of answers.
        locked = CheckIn.objects.select_for_update().select_related("session").get(pk=check_in.pk)
        can_answer(locked, now)
        reading = read_answers(answers, knowledge_base())
        session = locked.session
        reported = f"Reported by the patient in the check-in on {spoken(timezone.localdate(now))}"
        note = answers.note.strip()
        for index, effect in enumerate(sorted(reading.effects, key=lambda e: -e.severity)):
            description = f"{effect.description}. {reported} after session {session.number}."
            if index == 0 and note:
                # The note goes with the most severe effect, so it is read where it matters.
                description += f"\nThe patient's note: {note}"
            AdverseEvent.objects.create(
                clinic_id=locked.clinic_id,
                patient_id=locked.patient_id,
                created_by=user,
                session=session,
                severity=effect.severity.word,
                description=description,
            )
        locked.answered_at = now
        locked.answers = answers.model_dump(mode="json")
        locked.severity = reading.severity.word
        locked.alert = reading.alert
        locked.save(update_fields=["answered_at", "answers", "severity", "alert"])
    check_in.refresh_from_db()
    return reading


def reading_of(check_in: CheckIn) -> Reading | None:
    if check_in.answers is None:
        return None
    return read_answers(Answers.model_validate(check_in.answers), knowledge_base())


# --- the clinic --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attention:
    """An answered check-in that a practitioner must look at."""

    check_in: CheckIn
    reported: tuple[str, ...]
    note: str
    severity: str


@dataclass(frozen=True)
class Unsent:
    """A recent session whose check-in did not (or will not) go out, and why."""

    check_in: CheckIn
    reason: str


def _scope(wanted: Q, clinic: Clinic | int, who: User | int | None) -> QuerySet[CheckIn]:
    """The clinic's check-ins (or those of sessions `who` charted), each with its session's
    number and day and whether the patient has a portal account: the lists show no more of
    a chart than that."""
    found = _listed().filter(wanted, clinic=clinic)
    if who is not None:
        found = found.filter(session__created_by=who)
    return found


@prebuilt
def _listed() -> QuerySet[CheckIn]:
    has_account = PatientAccount.objects.filter(
        clinic=OuterRef("clinic"), patient=OuterRef("patient")
    )
    return (
        CheckIn.objects.annotate(
            session_number=F("session__number"),
            session_day=F("session__day"),
            has_account=Exists(has_account),
        )
        .select_related("patient")
        .defer(*unlisted_patient_fields())
    )


@Prepared
def _for_today(clinic: int, who: int | None, since: datetime) -> QuerySet[CheckIn]:
    return _scope(_NEEDS_ATTENTION | _not_sent_after(since), clinic, who)


# Answered check-ins beyond mild (or with a note), until a practitioner has seen them.
_NEEDS_ATTENTION = Q(alert=True, seen_at__isnull=True, answered_at__isnull=False)


def _not_sent_since(now: datetime) -> Q:
    """Unanswered, unsent check-ins of the last 7 days (never one that needs attention)."""
    return _not_sent_after(now - NOT_SENT_SHOWN)


def _not_sent_after(since: datetime) -> Q:
    return Q(sent_at__isnull=True, answered_at__isnull=True, due_at__gt=since)


def needing_attention(clinic: Clinic, who: User | None = None) -> list[Attention]:
    """Answered check-ins beyond mild (or with a note), until a practitioner has seen them."""
    return _attention(_scope(_NEEDS_ATTENTION, clinic, who))


def not_sent(clinic: Clinic, who: User | None = None, now: datetime | None = None) -> list[Unsent]:
    """Sessions of the last 7 days whose check-in went (or will go) to no one."""
    now = now or timezone.now()
    return _unsent(_scope(_not_sent_since(now), clinic, who))


def for_today(
    clinic: Clinic, who: User | None, now: datetime
) -> tuple[list[Attention], list[Unsent]]:
    """`needing_attention` and `not_sent` in one read: one is answered, the other not."""
    since = now - NOT_SENT_SHOWN
    found = _for_today(clinic=clinic.pk, who=who.pk if who else None, since=since)
    return (
        _attention([c for c in found if c.answered_at is not None]),
        _unsent([c for c in found if c.answered_at is None]),
    )


_SEVERITY_FIRST = {"serious": 0, "moderate": 1}


def _attention(found: Iterable[CheckIn]) -> list[Attention]:
    """Serious reports first, then moderate, then notes; each group newest first."""
    items = []
    newest_first = sorted(found, key=lambda c: (c.answered_at, c.pk), reverse=True)
    for check_in in sorted(newest_first, key=lambda c: _SEVERITY_FIRST.get(c.severity, 2)):
        reading = reading_of(check_in)
        answers: dict[str, Any] = check_in.answers or {}
        items.append(
            Attention(
                check_in=check_in,
                reported=tuple(e.description for e in reading.effects) if reading else (),
                note=str(answers.get("note", "")).strip(),
                severity=check_in.severity,
            )
        )
    return items


NOT_SENT_WORDS = {
    NotSent.NO_ACCOUNT: "No check-in went out: the patient has no portal account.",
    NotSent.MISSED: "No check-in went out: it could not be sent within 48 hours of the session.",
    NotSent.MAIL_FAILED: "No check-in went out: the email could not be sent.",
}


def _unsent(found: Iterable[CheckIn]) -> list[Unsent]:
    items = []
    for check_in in sorted(found, key=lambda c: (c.due_at, c.pk), reverse=True):
        if check_in.not_sent:
            items.append(Unsent(check_in, NOT_SENT_WORDS[NotSent(check_in.not_sent)]))
        elif not check_in.has_account:  # type: ignore[attr-defined]
            items.append(
                Unsent(check_in, "The patient has no portal account: no check-in will go out.")
            )
    return items


def mark_seen(clinic: Clinic, check_in_id: int, user: User, now: datetime | None = None) -> CheckIn:
    """Record who saw an alert and when; seeing it again changes nothing."""
    now = now or timezone.now()
    found = CheckIn.objects.filter(clinic=clinic, pk=check_in_id, alert=True).first()
    if found is None:
        raise CheckInNotFound("No such check-in")
    CheckIn.objects.filter(pk=found.pk, seen_at__isnull=True).update(seen_at=now, seen_by=user)
    found.refresh_from_db()
    return found


def status_of(session: SessionRecord, now: datetime | None = None) -> str | None:
    """One sentence for the session page: where this session's check-in stands."""
    now = now or timezone.now()
    check_in = CheckIn.objects.filter(session=session).first()
    if check_in is None:
        return None

    def day(moment: datetime) -> str:
        return spoken(timezone.localtime(moment).date())

    if check_in.answered_at is not None:
        what = {"none": "nothing to report"}.get(check_in.severity, check_in.severity)
        return f"Check-in answered on {day(check_in.answered_at)}: {what}."
    if check_in.not_sent:
        return NOT_SENT_WORDS[NotSent(check_in.not_sent)]
    if check_in.sent_at is not None:
        if check_in.expires_at <= now:
            return f"Check-in sent on {day(check_in.sent_at)}; the patient did not answer."
        return f"Check-in sent on {day(check_in.sent_at)}; not answered yet."
    return f"Check-in due on {day(check_in.due_at)}."
