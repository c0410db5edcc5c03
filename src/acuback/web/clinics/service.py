"""Clinic-scoped access and the demo clinic. Views call these; they hold no rules."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import F, Model, Q, QuerySet
from django.http import Http404

from acuback.web.clinics.models import (
    Clinic,
    ContactBy,
    Membership,
    Patient,
    PatientNameWord,
    Role,
    Sex,
)
from acuback.web.clinics.text import fold, name_words

__all__ = ["fold"]  # re-exported: the forms and tests compare names the same way

# A patient younger than this needs a parent or guardian on record.
ADULT_AGE = 18
# No living patient was born earlier; an older date is a typing slip.
EARLIEST_BIRTH = date(1900, 1, 1)
PHONE_DIGITS_MIN = 6
# A search of this many digits or more is read as (part of) a phone number.
PHONE_SEARCH_MIN = 4


class PatientNotFound(LookupError):
    """No patient with that number in this clinic (another clinic's counts as none)."""


class PossibleDuplicates(Exception):
    """Patients of the clinic who may be the person being registered."""

    def __init__(self, matches: list[Patient]) -> None:
        super().__init__(f"{len(matches)} possible duplicate(s)")
        self.matches = matches


class PhoneNotValid(ValueError):
    pass


class SearchNotUnderstood(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotStaff(LookupError):
    """The account is signed out or belongs to no clinic."""


# What a list of patients shows of each: a name to link to, and how to reach them.
LISTED_PATIENT_FIELDS = frozenset({"id", "clinic", "given_name", "family_name", "email", "phone"})


def unlisted_patient_fields(relation: str = "patient") -> list[str]:
    """The patient's other columns under `relation`, for `defer`: a list page reads no more
    of a record than it shows (and the query is cheaper to build)."""
    return [
        f"{relation}__{field.name}"
        for field in Patient._meta.concrete_fields
        if field.name not in LISTED_PATIENT_FIELDS
    ]


def staff_membership(user: AbstractBaseUser | AnonymousUser) -> Membership:
    """A signed-in staff user's place in their clinic; NotStaff for anyone else."""
    found = None
    if user.is_authenticated:
        # A user who is also a patient (a misconfigured account) is neither: the doors
        # stay apart even if someone gives a patient's account a staff role.
        found = (
            Membership.objects.select_related("clinic")
            .filter(user_id=user.pk, user__patient_account__isnull=True)
            .first()
        )
    if found is None:
        raise NotStaff("No clinic for this account")
    # The page's menu (base.html) reads `user.membership`: hand it this row, clinic and all,
    # so a page asks for the account's membership once, not once here and again there.
    # And the row its account, so `membership.user` is not read again either.
    if isinstance(user, Model):
        Membership.user.field.remote_field.set_cached_value(user, found)
        Membership.user.field.set_cached_value(found, user)
    return found


def membership_of(user: AbstractBaseUser | AnonymousUser) -> Membership:
    # Kept for the care and appointment views, which expect a 404 from here.
    try:
        return staff_membership(user)
    except NotStaff as exc:
        raise Http404("No clinic for this account") from exc


def clinic_of(user: AbstractBaseUser | AnonymousUser) -> Clinic:
    return membership_of(user).clinic


def is_clinic_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk, role=Role.ADMIN, user__patient_account__isnull=True
    ).exists()


def normalise_phone(text: str) -> str:
    """Digits only, keeping a leading +; "" stays "". At least 6 digits or PhoneNotValid."""
    text = text.strip()
    if not text:
        return ""
    digits = re.sub(r"\D", "", text)
    if len(digits) < PHONE_DIGITS_MIN:
        raise PhoneNotValid(f"A phone number has at least {PHONE_DIGITS_MIN} digits.")
    return ("+" if text.startswith("+") else "") + digits


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# How the preferred way of contact depends on the details it needs.
CONTACT_NEEDS = {
    ContactBy.PHONE: "phone",
    ContactBy.SMS: "phone",
    ContactBy.EMAIL: "email",
    ContactBy.POST: "address",
}


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})")
_PHONE_LIKE = re.compile(r"\+?[\d\s().-]+")


@dataclass(frozen=True)
class PatientQuery:
    """One search box read as name words, dates of birth and phone digits (all must match)."""

    names: tuple[str, ...] = ()
    births: tuple[date, ...] = ()
    phones: tuple[str, ...] = ()


def _read_date(word: str) -> date | None:
    """A date written 1968-04-12, 12/04/1968 or 12.04.1968 (day first); None if no date."""
    if found := _ISO_DATE.fullmatch(word):
        year, month, day = (int(part) for part in found.groups())
    elif found := _DMY_DATE.fullmatch(word):
        day, month, year = int(found[1]), int(found[3]), int(found[4])
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise SearchNotUnderstood(
            f"“{word}” is not a date. Write a date of birth as day/month/year, e.g. 12/04/1968."
        ) from None


def read_search(text: str) -> PatientQuery:
    """Read the patient search box; SearchNotUnderstood says what to type instead."""
    text = text.strip()
    words = text.split()
    if text and _PHONE_LIKE.fullmatch(text) and not any(map(_read_date, words)):
        # Digits, maybe with spaces, brackets or dashes: one phone number, however written.
        digits = re.sub(r"\D", "", text)
        if len(digits) < PHONE_SEARCH_MIN:
            raise SearchNotUnderstood(
                f"Type at least {PHONE_SEARCH_MIN} digits to search by phone number."
            )
        return PatientQuery(phones=(digits,))
    names: list[str] = []
    births: list[date] = []
    phones: list[str] = []
    for word in words:
        born = _read_date(word)
        digits = re.sub(r"\D", "", word)
        if born is not None:
            births.append(born)
        elif _PHONE_LIKE.fullmatch(word) and len(digits) >= PHONE_SEARCH_MIN:
            phones.append(digits)
        else:
            names.append(word)
    return PatientQuery(tuple(names), tuple(births), tuple(phones))


def _phone_matches(digits: str) -> Q:
    # Stored numbers are digits with an optional +; "0113 496 0000" should also find
    # "+44 113 496 0000", so a national number is tried without its leading zero too.
    condition = Q(phone__contains=digits)
    if digits.startswith("0") and len(digits) - 1 >= PHONE_DIGITS_MIN:
        condition |= Q(phone__contains=digits[1:])
    return condition


def _starts_with(start: str) -> Q:
    """Name words beginning with `start`, in a form each database answers from its index."""
    if connection.vendor == "sqlite":
        # SQLite's LIKE ignores case, so it cannot use a plain index; a range of the
        # (already folded) words can. U+10FFFF sorts after every character that may follow.
        return Q(word__gte=start, word__lt=start + "\U0010ffff")
    # PostgreSQL's LIKE 'fen%' uses the pattern index Django adds beside the column's own.
    return Q(word__startswith=start)


def patients_of(clinic: Clinic, query: str = "") -> QuerySet[Patient]:
    """The clinic's patients matching every name word, date of birth and phone in the query.

    Raises SearchNotUnderstood for an impossible date or too few digits.
    """
    wanted = read_search(query)
    patients = Patient.objects.filter(clinic=clinic)
    if wanted.names:
        # The same clinic, written so that no index can serve it: a planner that could
        # (SQLite's, without statistics) would read the whole clinic in name order and test
        # each patient, rather than fetch the few the name words point at and sort those.
        patients = Patient.objects.alias(clinic_of=F("clinic_id") + 0).filter(clinic_of=clinic.pk)
    for typed in wanted.names:
        # Against the folded words of the name, so "zoe" finds "Zoë" and "ÅNG" finds
        # "Ångström" on SQLite too, whose LIKE folds only ASCII letters.
        for start in name_words(typed):
            named = PatientNameWord.objects.filter(_starts_with(start)).values("patient_id")
            patients = patients.filter(pk__in=named)
    for born in wanted.births:
        patients = patients.filter(date_of_birth=born)
    for digits in wanted.phones:
        patients = patients.filter(_phone_matches(digits))
    return patients


def find_patient(clinic: Clinic, patient_id: int) -> Patient:
    """The clinic's patient; another clinic's record is PatientNotFound, like a missing one."""
    try:
        patient = Patient.objects.get(clinic=clinic, pk=patient_id)
    except Patient.DoesNotExist as exc:
        raise PatientNotFound(patient_id) from exc
    # The clinic is the one asked about: every audit row of the page names it without
    # reading it again.
    patient.clinic = clinic
    return patient


def patient_of(clinic: Clinic, patient_id: int) -> Patient:
    # Kept for the care views, which expect a 404 from here.
    try:
        return find_patient(clinic, patient_id)
    except PatientNotFound as exc:
        raise Http404("No such patient") from exc


def possible_duplicates(
    clinic: Clinic, given_name: str, family_name: str, born: date
) -> list[Patient]:
    """Patients of the clinic born that day whose names match, ignoring case and accents."""
    # Few people share a birthday in one clinic, so the names are compared here, the same
    # way on SQLite and PostgreSQL (SQLite's LIKE folds only ASCII letters).
    same_day = Patient.objects.filter(clinic=clinic, date_of_birth=born)
    given, family = fold(given_name), fold(family_name)
    return [p for p in same_day if fold(p.given_name) == given and fold(p.family_name) == family]


@transaction.atomic
def register_patient(clinic: Clinic, patient: Patient, *, different_person: bool) -> Patient:
    """Save a new patient in the clinic.

    Raises PossibleDuplicates when the clinic has someone of that name and date of birth,
    unless the user confirmed this is a different person.
    """
    # Registrations in one clinic take turns (a row lock on PostgreSQL; SQLite's write lock
    # already serialises), so two desks registering the same person at once cannot both miss
    # each other.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    matches = possible_duplicates(
        clinic, patient.given_name, patient.family_name, patient.date_of_birth
    )
    if matches and not different_person:
        raise PossibleDuplicates(matches)
    patient.clinic = clinic
    patient.save()
    return patient


def save_details(patient: Patient) -> Patient:
    patient.save()
    return patient


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    clinic: str


DEMO_CLINICS = {
    "demo-back-clinic": "Demo Back Clinic",
    "northside-demo-clinic": "Northside Demo Clinic",
}
DEMO_STAFF = [
    ("demo-admin", "demo-back-clinic", Role.ADMIN),
    ("demo-practitioner", "demo-back-clinic", Role.PRACTITIONER),
    ("demo-reception", "demo-back-clinic", Role.RECEPTION),
    ("northside-practitioner", "northside-demo-clinic", Role.PRACTITIONER),
]
# Fictional people; any likeness to a real patient is accidental.
DEMO_PATIENTS = [
    ("demo-back-clinic", "Ada", "Fenwick", date(1968, 4, 12), Sex.FEMALE),
    ("demo-back-clinic", "Tomas", "Brandt", date(1979, 9, 3), Sex.MALE),
    ("demo-back-clinic", "Mira", "Okafor", date(1991, 1, 27), Sex.FEMALE),
    ("northside-demo-clinic", "Ivo", "Lindqvist", date(1955, 6, 30), Sex.MALE),
]
# Fictional contact details: Ofcom's drama numbers (07700 900xxx, 0113 496 0xxx) and
# example.org addresses reach nobody.
DEMO_DETAILS: dict[tuple[str, str], dict[str, str | int]] = {
    ("Ada", "Fenwick"): {
        "phone": "+447700900112",
        "email": "ada.fenwick@example.org",
        "address": "12 Example Row\nLeeds LS1 4AP",
        "preferred_contact": ContactBy.SMS,
        "emergency_contact_name": "Rob Fenwick (husband)",
        "emergency_contact_phone": "+447700900113",
        "gp_name": "Dr Priya Shah",
        "gp_practice": "Example Lane Surgery",
        "gp_contact": "01134960101",
        "insurer": "Demo Health Mutual",
        "policy_number": "DHM-104-2231",
        "insurer_visits": 12,
    },
    ("Tomas", "Brandt"): {
        "phone": "+447700900245",
        "email": "tomas.brandt@example.org",
        "preferred_contact": ContactBy.EMAIL,
        "gp_name": "Dr Alan Okoro",
        "gp_practice": "Riverside Demo Practice",
        "gp_contact": "01134960202",
        "insurer": "Sample Assurance",
        "policy_number": "SA-77801",
        "insurer_visits": 8,
    },
    ("Mira", "Okafor"): {
        "phone": "+447700900378",
        "email": "mira.okafor@example.org",
        "preferred_contact": ContactBy.PHONE,
        "gp_name": "Dr Priya Shah",
        "gp_practice": "Example Lane Surgery",
        "gp_contact": "01134960101",
    },
    ("Ivo", "Lindqvist"): {
        "phone": "+447700900491",
        "email": "ivo.lindqvist@example.org",
        "address": "4 Sample Street\nLeeds LS6 2ZZ",
        "preferred_contact": ContactBy.POST,
        "gp_name": "Dr Hanna Berg",
        "gp_practice": "Northside Demo Health Centre",
        "gp_contact": "01134960303",
        "insurer": "Demo Health Mutual",
        "policy_number": "DHM-889-0042",
        "insurer_visits": 12,
    },
}


def demo_passwords(*extra: str) -> dict[str, str]:
    """Demo passwords are random per install and kept beside the database, never in git.

    The staff's are always there; `extra` names other demo sign-ins (a patient's).
    """
    path = Path(settings.VAR_DIR) / "demo-logins.txt"
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, _, password = line.partition(" ")
            if name and password:
                known[name] = password
    changed = False
    for username in [*(name for name, _, _ in DEMO_STAFF), *extra]:
        if username not in known:
            known[username] = secrets.token_urlsafe(9)
            changed = True
    if changed:
        path.write_text("".join(f"{n} {p}\n" for n, p in known.items()))
        path.chmod(0o600)
    return known


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    """Create the demo clinics, staff and patients; safe to run any number of times."""
    user_model = get_user_model()
    passwords = demo_passwords()
    clinics = {
        slug: Clinic.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in DEMO_CLINICS.items()
    }
    logins = []
    for username, slug, role in DEMO_STAFF:
        user, _ = user_model.objects.get_or_create(username=username)
        if not user.check_password(passwords[username]):
            user.set_password(passwords[username])
        user.is_staff = role == Role.ADMIN
        user.save()
        Membership.objects.update_or_create(
            user=user, defaults={"clinic": clinics[slug], "role": role}
        )
        logins.append(DemoLogin(username, passwords[username], role.label, clinics[slug].name))
    for slug, given, family, born, sex in DEMO_PATIENTS:
        patient, _ = Patient.objects.get_or_create(
            clinic=clinics[slug],
            given_name=given,
            family_name=family,
            defaults={"date_of_birth": born, "sex": sex},
        )
        # Only blanks are filled: a detail someone changed in the demo stays as they left it.
        blank = {
            name: value
            for name, value in DEMO_DETAILS.get((given, family), {}).items()
            if getattr(patient, name) in ("", None)
        }
        if blank:
            for name, value in blank.items():
                setattr(patient, name, value)
            patient.save(update_fields=list(blank))
    return logins
