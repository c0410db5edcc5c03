"""Clinic-scoped access and the demo clinic. Views call these; they hold no rules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from acuback.web.clinics.models import Clinic, Membership, Patient, Role, Sex


def membership_of(user: AbstractBaseUser | AnonymousUser) -> Membership:
    """A signed-in staff user's place in their clinic; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404("No clinic for this account")
    found = Membership.objects.select_related("clinic").filter(user_id=user.pk).first()
    if found is None:
        raise Http404("No clinic for this account")
    return found


def clinic_of(user: AbstractBaseUser | AnonymousUser) -> Clinic:
    return membership_of(user).clinic


def is_clinic_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).exists()


def patients_of(clinic: Clinic, query: str = "") -> QuerySet[Patient]:
    patients = Patient.objects.filter(clinic=clinic)
    for word in query.split():
        patients = patients.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    return patients


def patient_of(clinic: Clinic, patient_id: int) -> Patient:
    # Another clinic's record answers 404, exactly like a record that does not exist.
    try:
        return Patient.objects.get(clinic=clinic, pk=patient_id)
    except Patient.DoesNotExist as exc:
        raise Http404("No such patient") from exc


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


def _demo_passwords() -> dict[str, str]:
    """Demo passwords are random per install and kept beside the database, never in git."""
    path = Path(settings.VAR_DIR) / "demo-logins.txt"
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, _, password = line.partition(" ")
            if name and password:
                known[name] = password
    changed = False
    for username, _, _ in DEMO_STAFF:
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
    passwords = _demo_passwords()
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
        Patient.objects.get_or_create(
            clinic=clinics[slug],
            given_name=given,
            family_name=family,
            defaults={"date_of_birth": born, "sex": sex},
        )
    return logins
