"""schemathesis against the JSON API, in process: generated requests for every operation
of /api/openapi.json must never meet a server error, every 4xx must carry a message, and
every answer must be one the schema declares, shaped as it says.

The examples run as a practitioner of a clinic with a patient, an intake, a plan, an open
session and an appointment; half of them name those records, so the generated bodies
reach the forms and the engine instead of stopping at "not found".
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from acuback.web.apitokens.service import create_token
from acuback.web.appointments import service as appointments
from acuback.web.clinics.models import Clinic, Membership, Patient, Role
from acuback.web.wsgi import application
from tests.appointments_helpers import a_weekday_ahead, moment, type_named
from tests.check_in_helpers import open_session

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@schemathesis.check
def error_has_message(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx says in words what was wrong: a JSON body with a non-empty detail."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict), f"4xx without a JSON object: {response.text[:200]}"
        assert isinstance(body.get("detail"), str) and body["detail"].strip(), (
            f"4xx without a message: {response.text[:200]}"
        )
    return None


@pytest.fixture
def world(db: Any) -> Iterator[dict[str, Any]]:
    # Built without the shared `clinics` fixture: one user, no password to hash, as
    # this fixture runs once per operation.
    clinic = Clinic.objects.create(name="Schema Clinic", slug="schema")
    alice = User.objects.create(username="alice")
    Membership.objects.create(user=alice, clinic=clinic, role=Role.PRACTITIONER)
    ada = Patient.objects.create(
        clinic=clinic, given_name="Ada", family_name="Fenwick", date_of_birth=date(1968, 4, 12)
    )
    session = open_session(ada, alice)
    appointment = appointments.book(
        clinic,
        alice,
        appointments.Booking(
            patient=ada,
            practitioner=alice,
            type=type_named(clinic, "Treatment"),
            starts_at=moment(a_weekday_ahead(), 9),
        ),
    )
    _, secret = create_token(alice, "schemathesis")
    # Django closes the database connection after each request it serves; the test's
    # transaction lives on that connection, so (as Django's own test client does) the
    # WSGI requests here leave it open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "secret": secret,
        "ids": {
            "patient_id": ada.pk,
            "intake_id": session.plan.intake_id,
            "plan_id": session.plan_id,
            "session_id": session.pk,
            "appointment_id": appointment.pk,
        },
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_fails_and_always_explains(case: Any, world: dict[str, Any]) -> None:
    if case.path_parameters and zlib.crc32(repr((case.body, case.query)).encode()) % 2:
        case.path_parameters = {
            name: world["ids"].get(name, value) for name, value in case.path_parameters.items()
        }
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world['secret']}"},
        checks=[
            not_a_server_error,
            error_has_message,
            status_code_conformance,
            response_schema_conformance,
        ],
    )
