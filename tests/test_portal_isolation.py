"""A patient sees only their own record: every portal URL that names a record answers 404
for another patient's, whether of the same clinic or of another, to GET and to POST.

The URLs are read from the URL configuration, so a new portal page with an id is tested
as soon as it exists; a parameter nobody taught this test to fill fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from acuback.web.appointments.models import Appointment, AppointmentType
from acuback.web.care.models import IntakeRecord, PlanRecord, ScoreRecord, SessionRecord
from acuback.web.checkins.models import CheckIn
from acuback.web.clinics.models import Patient
from tests.portal_helpers import portal

__all__ = ["portal"]


def _routes() -> list[tuple[str, str, list[str]]]:
    """(name, route, int parameters) of every URL under portal/."""
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                converters = getattr(entry.pattern, "converters", {})
                if route.startswith("portal/") and entry.name:
                    found.append((entry.name, route, sorted(converters)))

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = _routes()
# Pages anyone may open: signing in and out, and the invitation link (its token is the key).
OPEN = {"portal-login", "portal-logout", "portal-welcome"}
WITH_IDS = [r for r in ROUTES if r[2] and r[0] not in OPEN]


def _plan(patient: Patient, by: Any) -> PlanRecord:
    intake = IntakeRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=by, answers={},
        triage_level="proceed", screening_json={},
    )  # fmt: skip
    return PlanRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=by, intake=intake,
        start=date.today(), course_json={},
    )  # fmt: skip


def _session(patient: Patient, by: Any) -> SessionRecord:
    return SessionRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=by, plan=_plan(patient, by),
        number=1, day=date.today(), closed=timezone.now(),
    )  # fmt: skip


def _appointment(patient: Patient, by: Any) -> Appointment:
    kind, _ = AppointmentType.objects.get_or_create(
        clinic=patient.clinic, name="Treatment",
        defaults={"kind": "treatment", "duration_minutes": 30, "price": Decimal("50")},
    )  # fmt: skip
    starts = timezone.now() + timedelta(days=7)
    return Appointment.objects.create(
        clinic=patient.clinic, patient=patient, practitioner=by, type=kind, starts_at=starts,
        ends_at=starts + timedelta(minutes=30), created_by=by,
    )  # fmt: skip


def _check_in(patient: Patient, by: Any) -> CheckIn:
    now = timezone.now()
    return CheckIn.objects.create(
        clinic=patient.clinic, patient=patient, session=_session(patient, by),
        due_at=now - timedelta(hours=2), send_by=now + timedelta(hours=22),
        expires_at=now + timedelta(days=6), sent_at=now - timedelta(hours=1),
    )  # fmt: skip


def _score(patient: Patient, by: Any) -> ScoreRecord:
    return ScoreRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=by, instrument="nrs",
        value=Decimal("4"), day=date.today(), source="patient",
    )  # fmt: skip


# How to make another patient's record for each kind of id a portal URL takes.
MAKERS: dict[str, Callable[[Patient, Any], Any]] = {
    "plan_id": _plan,
    "appointment_id": _appointment,
    "check_in_id": _check_in,
    "score_id": _score,
}


def test_every_portal_url_with_an_id_is_covered() -> None:
    assert WITH_IDS, "no portal URL takes an id: has the URL configuration changed?"
    unknown = {p for _, _, params in WITH_IDS for p in params} - set(MAKERS)
    assert not unknown, f"teach this test to make another patient's {unknown}"


@pytest.mark.parametrize(("name", "route", "params"), WITH_IDS, ids=[r[0] for r in WITH_IDS])
def test_another_patients_record_answers_404(
    portal: dict[str, Any], name: str, route: str, params: list[str]
) -> None:
    client = Client()
    client.force_login(portal["ada"])
    by = portal["practitioner"]
    for owner in (portal["bea_patient"], portal["other_patient"]):
        maker_by = portal["outsider"] if owner == portal["other_patient"] else by
        url = "/" + route
        for param in params:
            record = MAKERS[param](owner, maker_by)
            url = url.replace(f"<int:{param}>", str(record.pk))
        # A POST-only page answers GET with 405 whatever the id, which tells nothing.
        assert client.get(url).status_code in {404, 405}, (name, url, owner)
        assert client.post(url).status_code == 404, (name, url, owner)


@pytest.mark.parametrize(("name", "route", "params"), ROUTES, ids=[r[0] for r in ROUTES])
def test_staff_never_see_the_portal_and_strangers_are_sent_to_sign_in(
    portal: dict[str, Any], name: str, route: str, params: list[str]
) -> None:
    if name in OPEN:
        pytest.skip("open to anyone: the sign-in pages and the invitation link")
    url = "/" + route
    for param in params:
        url = url.replace(
            f"<int:{param}>", str(MAKERS[param](portal["patient"], portal["practitioner"]).pk)
        )
    staff = Client()
    staff.force_login(portal["practitioner"])
    assert staff.get(url).status_code == 404, url
    stranger = Client().get(url)
    assert stranger.status_code == 302 and stranger["Location"].startswith("/portal/login/")
