"""The patient's pain diary: NRS and PEG ratings the patient records between sessions.

Entries are `ScoreRecord` rows with `source="patient"` and `created_by` the patient's own
user, so the practitioner's charts read them from the same table. They are drawn beside
the clinic's scores but never feed the engine's continue/stop decision (see
`care.service.course_scores`).

Rules, in the words the page uses:

- A day is today or earlier, at most `DAYS_BACK` days back, and not before the patient's
  first intake at the clinic (their first visit); never before their birth.
- One pain rating and one PEG per day: a second one for the same day is refused with the
  way to correct the first.
- An entry can be corrected or deleted on the day it was written (clinic time) and not
  after: from the next day the practitioner may have read it and acted on it, so it
  stays as written, like any other part of the record.

Services raise `InputError`, `EntryNotFound` or `EntryLocked`; views turn them into pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from acuback.clinical import scoring
from acuback.clinical.base import InputError, spoken
from acuback.knowledge.loader import knowledge_base
from acuback.web.care.models import IntakeRecord, ScoreRecord, ScoreSource
from acuback.web.clinics.models import Patient

DAYS_BACK = 60
DIARY_INSTRUMENTS = ("nrs", "peg")
# Our own short names for the PEG's three items, taken from the knowledge base's label
# "PEG (pain, enjoyment of life, general activity)"; the published wording is not shipped.
PEG_ITEMS = {
    "peg-1": "Pain on average",
    "peg-2": "Enjoyment of life",
    "peg-3": "General activity",
}


class EntryNotFound(LookupError):
    """No diary entry of this patient by that number (another patient's is not found)."""


class EntryLocked(Exception):
    """The entry was written on an earlier day and can no longer be changed."""


def today() -> date:
    return timezone.localdate()


def earliest_day(patient: Patient, on: date | None = None) -> date:
    """The first day a diary entry may be for."""
    on = on or today()
    first_intake = IntakeRecord.objects.filter(patient=patient).order_by("created").first()
    limits = [on - timedelta(days=DAYS_BACK), patient.date_of_birth]
    if first_intake is not None:
        limits.append(timezone.localdate(first_intake.created))
    return max(limits)


def check_day(patient: Patient, day: date, on: date | None = None) -> None:
    on = on or today()
    if day > on:
        raise InputError("day", "This day has not come yet: choose today or an earlier day.")
    earliest = earliest_day(patient, on)
    if day < earliest:
        if earliest == on - timedelta(days=DAYS_BACK):
            why = f"the diary goes back {DAYS_BACK} days"
        else:
            why = "that is when your care at the clinic began"
        raise InputError("day", f"Choose {spoken(earliest)} or later: {why}.")


@dataclass(frozen=True)
class Ratings:
    """What the patient wrote for one day: the pain rating and/or the three PEG items."""

    nrs: int | None = None
    peg: tuple[int, int, int] | None = None

    def scores(self) -> dict[str, tuple[Decimal, dict[str, int]]]:
        """Each instrument's score with the item ratings it came from, scored by the engine."""
        found: dict[str, tuple[Decimal, dict[str, int]]] = {}
        if self.nrs is not None:
            value = scoring.nrs(self.nrs)
            found["nrs"] = (Decimal(str(value)), {"nrs-1": self.nrs})
        if self.peg is not None:
            value = scoring.peg(*self.peg)
            found["peg"] = (Decimal(str(value)), dict(zip(PEG_ITEMS, self.peg, strict=True)))
        return found


def _instrument_label(code: str) -> str:
    return knowledge_base().instruments[code].label


@transaction.atomic
def record(patient: Patient, user: User, day: date, ratings: Ratings) -> list[ScoreRecord]:
    """Store one day's diary; nothing is stored if any part is refused."""
    check_day(patient, day)
    scores = ratings.scores()
    if not scores:
        raise InputError("nrs", "Rate your pain from 0 to 10, or answer the three questions.")
    # Locked in this transaction so that a double submit makes one entry, not two.
    Patient.objects.select_for_update().filter(pk=patient.pk).get()
    taken = set(
        ScoreRecord.objects.filter(
            patient=patient, source=ScoreSource.PATIENT, day=day, instrument__in=scores
        ).values_list("instrument", flat=True)
    )
    for code in DIARY_INSTRUMENTS:
        if code in taken:
            field = "nrs" if code == "nrs" else "peg-1"
            raise InputError(
                field,
                f"You have already noted the {_instrument_label(code)} for {spoken(day)}. "
                "Correct that entry in the list below instead (on the day you wrote it).",
            )
    return [
        ScoreRecord.objects.create(
            clinic=patient.clinic,
            patient=patient,
            created_by=user,
            instrument=code,
            value=value,
            day=day,
            items=items,
            source=ScoreSource.PATIENT,
        )
        for code, (value, items) in scores.items()
    ]


def entries(patient: Patient) -> list[ScoreRecord]:
    """The patient's own diary entries, newest day first."""
    return list(
        ScoreRecord.objects.filter(patient=patient, source=ScoreSource.PATIENT).order_by(
            "-day", "-id"
        )
    )


def editable(entry: ScoreRecord, on: date | None = None) -> bool:
    return timezone.localdate(entry.created) == (on or today())


def entry_of(patient: Patient, pk: int) -> ScoreRecord:
    found = ScoreRecord.objects.filter(
        patient=patient, source=ScoreSource.PATIENT, created_by__patient_account__patient=patient
    ).filter(pk=pk)
    entry = found.first()
    if entry is None:
        raise EntryNotFound(f"no diary entry {pk}")
    return entry


def _open(entry: ScoreRecord) -> None:
    if not editable(entry):
        raise EntryLocked(
            f"This entry was written on {spoken(timezone.localdate(entry.created))}. Entries "
            "can be changed only on the day they were written; add a new entry instead, or "
            "tell the clinic in a message."
        )


@transaction.atomic
def correct(entry: ScoreRecord, day: date, ratings: Ratings) -> ScoreRecord:
    _open(entry)
    check_day(entry.patient, day)
    scores = ratings.scores()
    if entry.instrument not in scores:
        field = "nrs" if entry.instrument == "nrs" else "peg-1"
        raise InputError(field, "Give a rating, or delete the entry instead.")
    clash = (
        ScoreRecord.objects.filter(
            patient=entry.patient, source=ScoreSource.PATIENT, day=day, instrument=entry.instrument
        )
        .exclude(pk=entry.pk)
        .exists()
    )
    if clash:
        raise InputError(
            "day", f"You already have a {_instrument_label(entry.instrument)} for {spoken(day)}."
        )
    entry.value, entry.items = scores[entry.instrument]
    entry.day = day
    entry.save(update_fields=["value", "items", "day"])
    return entry


def delete(entry: ScoreRecord) -> None:
    _open(entry)
    entry.delete()


def items_of(entry: ScoreRecord) -> Sequence[tuple[str, int]]:
    """The PEG's item ratings in plain words, for the list under the charts."""
    return [(PEG_ITEMS[code], value) for code, value in entry.items.items() if code in PEG_ITEMS]
