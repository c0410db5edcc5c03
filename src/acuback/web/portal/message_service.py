"""The conversation between a patient and their clinic: care.Message rows, both ways.

Who reads them: the patient in the portal, and the clinic's practitioners and admins.
Not reception: a patient writes about their pain, their medicines, how a session went,
so a message is part of the clinical record, which reception does not read (the same
rule as the care pages). The patient page tells the patient so, and to call the clinic
about bookings.

A patient's message is "unread" until a practitioner or admin opens the patient's page
(or presses "Mark as read"); the Today page counts the unread ones for the whole clinic,
because a message is written to the clinic, not to one practitioner. A clinic's message
is unread until the patient opens their messages page. When the clinic writes, the
patient gets an email that says only that a message is waiting: the content stays behind
the sign-in, as email is not a safe place for health details.

Services raise domain errors and build no URLs: the view passes the sign-in link in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db.models import Count, Min, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from acuback.web.care.models import Message
from acuback.web.clinics.models import Clinic, Patient
from acuback.web.paging import Page, shown_page
from acuback.web.portal.models import PatientAccount
from acuback.web.prebuilt import Prepared

MAX_LENGTH = 4000
log = logging.getLogger(__name__)


class MessageRefused(Exception):
    """The message cannot be sent as written; the text says why."""


# Messages a page of the patient's conversation holds.
THREAD_PAGE = 30


@dataclass(frozen=True)
class ThreadPage(Page):
    """A page of the conversation: page 1 holds the newest messages; each page reads
    oldest first (newest last)."""

    messages: list[Message]


def conversation(patient: Patient, number: int = 1, size: int | None = None) -> ThreadPage:
    """A page of the messages between the patient and the clinic (past the end: the last)."""
    size = size or THREAD_PAGE
    mine = Message.objects.filter(patient=patient)
    total = mine.count()
    number = shown_page(number, total, size)
    newest_first = mine.order_by("-created", "-id")[(number - 1) * size : number * size]
    messages = list(reversed(newest_first))
    return ThreadPage(number=number, total=total, size=size, messages=messages)


def check_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise MessageRefused("Write your message first.")
    if len(text) > MAX_LENGTH:
        raise MessageRefused(
            f"Keep your message to {MAX_LENGTH:,} characters (this one has {len(text):,})."
        )
    return text


def write_to_clinic(patient: Patient, user: User, body: str) -> Message:
    return Message.objects.create(
        clinic=patient.clinic,
        patient=patient,
        created_by=user,
        from_patient=True,
        body=check_body(body),
    )


def mark_read_by_patient(
    patient: Patient, user: User, shown: Iterable[int], now: datetime | None = None
) -> int:
    """The patient has seen these of the clinic's messages: they count as read."""
    return _mark_read(patient, user, shown, now, from_patient=False)


def mark_read_by_clinic(
    patient: Patient, user: User, shown: Iterable[int], now: datetime | None = None
) -> int:
    """A practitioner or admin has seen these of the patient's messages; one written while
    the page was drawn stays unread until a page shows it."""
    return _mark_read(patient, user, shown, now, from_patient=True)


def _mark_read(
    patient: Patient, user: User, shown: Iterable[int], now: datetime | None, *, from_patient: bool
) -> int:
    """Of the messages shown, those the other side wrote and nobody had read: read now."""
    unread = Message.objects.filter(
        patient=patient, from_patient=from_patient, read_at__isnull=True, pk__in=list(shown)
    )
    return unread.update(read_at=now or timezone.now(), read_by=user)


@dataclass(frozen=True)
class Unread:
    """A patient whose messages wait to be read at the clinic."""

    patient: Patient
    count: int
    since: datetime


def unread_in_clinic(clinic: Clinic) -> list[Unread]:
    """Patients with unread messages, the longest waiting first."""
    rows = _unread(clinic=clinic.pk)
    patients = Patient.objects.in_bulk([row["patient_id"] for row in rows])
    return [Unread(patients[row["patient_id"]], row["count"], row["since"]) for row in rows]


@Prepared
def _unread(clinic: int) -> QuerySet[Any]:
    return (
        Message.objects.filter(clinic=clinic, from_patient=True, read_at__isnull=True)
        .values("patient_id")
        .annotate(count=Count("id"), since=Min("created"))
        .order_by("since", "patient_id")
    )


def notify_patient(message: Message, link: str) -> bool:
    """Email the patient that a message waits, without its content.

    True when the notice went out; False when the patient has no portal account or no
    email address (nothing to send), or when sending failed: the message is saved either
    way and the patient sees it at their next sign-in.
    """
    patient = message.patient
    account = PatientAccount.objects.select_related("user").filter(patient=patient).first()
    # The record's address: the clinic keeps it current; the account's may be older.
    address = (message.patient.email or account.user.email) if account else ""
    if not address:
        return False
    context = {"patient": patient, "clinic": message.clinic, "link": link}
    notice = EmailMessage(
        subject=f"New message from {message.clinic.name}",
        body=render_to_string("portal/messages_email.txt", context),
        to=[address],
    )
    try:
        notice.send()
    except OSError:
        # SMTP down or refusing: the message itself is safe in the record.
        log.exception("message notice for message %s not sent", message.pk)
        return False
    return True


@dataclass(frozen=True)
class ClinicView:
    """What the practitioner's patient page shows of the conversation."""

    thread: list[Message]
    new: frozenset[int]  # the patient's messages unread until this page was opened


def open_for_clinic(patient: Patient, user: User, latest: int = 20) -> ClinicView:
    """The latest messages, and every unread one however old, for a practitioner or admin;
    the patient's count as read now, as all of them are on the page.

    Read in one query that reads no more than that, however long the conversation is.
    """
    mine = Message.objects.filter(patient=patient)
    recent = mine.order_by("-created", "-id").values("pk")[:latest]
    unread = Q(from_patient=True, read_at__isnull=True)
    thread = list(
        mine.filter(Q(pk__in=recent) | unread)
        .select_related("created_by")
        .order_by("created", "id")
    )
    new = frozenset(m.pk for m in thread if m.from_patient and m.read_at is None)
    if new:
        mark_read_by_clinic(patient, user, new)
    return ClinicView(thread, new)
