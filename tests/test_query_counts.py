"""Every main page costs a fixed number of queries, whatever the size of the clinic.

Each page is opened once over a small clinic and again after ten times the data (more
patients, sessions, scores and appointments); the count must not move, and stays under a
ceiling so that a new repeated query shows up here first.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment
from acuback.web.care import service as care
from acuback.web.care.models import (
    DecisionKind,
    PlanRecord,
    ScoreRecord,
    ScoreSource,
    SessionRecord,
)
from acuback.web.clinics.models import Patient, PatientNameWord
from acuback.web.clinics.service import patients_of
from tests.check_in_helpers import a_plan
from tests.documents_helpers import ON_BLOOD_THINNERS

KB = knowledge_base()

# The most queries each page may make, as measured: with the session check, the request's
# transaction savepoints and the audit row, and no query that repeats per patient or row.
CEILING = {
    "patient list": 11,
    "patient search": 11,
    "patient page": 19,
    "plan page": 18,
    "session page": 13,
    "today": 16,  # with no course in hand, its lapsed courses are counted apart
    "appointment day": 13,
    "appointment week": 11,
    "new intake": 10,
    "audit trail": 11,
}


def grow(clinics: dict[str, Any], plan: PlanRecord, times: int) -> None:
    """`times` dozen more sessions and scores for Ada, more patients and appointments."""
    home, alice = clinics["home"], clinics["practitioner"]
    ada = clinics["patient"]
    first = SessionRecord.objects.filter(plan=plan).count() + 1
    today = timezone.localdate()
    kind = book.types_for(home).first()
    assert kind is not None
    for n in range(first, first + 12 * times):
        day = today - timedelta(days=n % 40)
        session = SessionRecord.objects.create(
            clinic=home, patient=ada, created_by=alice, plan=plan, number=n, day=day,
            points=[{"code": "bl23", "side": "both"}], needles_inserted=2, needles_removed=2,
            nrs_before=6,
        )  # fmt: skip
        ScoreRecord.objects.create(
            clinic=home, patient=ada, created_by=alice, instrument="nrs", value=6 - n % 5,
            day=day, session=session, source=ScoreSource.CLINIC,
        )  # fmt: skip
        starts = book.at(today + timedelta(days=n % 7), time(8 + n % 9, 0))
        Appointment.objects.create(
            clinic=home, patient=ada, practitioner=alice, created_by=alice, type=kind,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
        )  # fmt: skip
    for n in range(5 * times):
        other = Patient.objects.create(
            clinic=home, given_name=f"Fen{n}", family_name="Fenwick-Other",
            date_of_birth=date(1970, 1, 1) + timedelta(days=n), phone=f"+4477009{n:05d}",
        )  # fmt: skip
        # An intake waiting for a doctor's approval, with a referral noted: Today lists it.
        answers = ON_BLOOD_THINNERS
        held = care.record_intake(home, other, alice, read_intake(answers, KB), answers)
        assert held.held_for_approval
        care.record_decision(held, alice, DecisionKind.REFERRED, today, "")


def counts(clinics: dict[str, Any], plan: PlanRecord, at_most: Any) -> dict[str, int]:
    ada = clinics["patient"]
    session = SessionRecord.objects.filter(plan=plan).order_by("number").first()
    assert session is not None
    pages = {
        "patient list": ("practitioner", "/patients/"),
        "patient search": ("practitioner", "/patients/?q=fen"),
        "patient page": ("practitioner", f"/patients/{ada.pk}/"),
        "plan page": ("practitioner", f"/plans/{plan.pk}/"),
        "session page": ("practitioner", f"/sessions/{session.pk}/"),
        "today": ("practitioner", "/today/"),
        "appointment day": ("practitioner", "/appointments/"),
        "appointment week": ("practitioner", "/appointments/week/"),
        "new intake": ("practitioner", f"/patients/{ada.pk}/intake/"),
        "audit trail": ("admin", "/audit/"),
    }
    found = {}
    for name, (who, url) in pages.items():
        client = Client()
        client.force_login(clinics[who])
        with at_most(CEILING[name], info=name) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = len(queries)
    return found


def test_each_page_costs_the_same_queries_at_ten_times_the_data(
    clinics: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    plan = a_plan(clinics["patient"], User.objects.get(username="alice"))
    grow(clinics, plan, 1)
    small = counts(clinics, plan, django_assert_max_num_queries)
    grow(clinics, plan, 9)
    large = counts(clinics, plan, django_assert_max_num_queries)
    assert large == small


def plan_of(patients: Any) -> str:
    """How the database means to run the search (SQLite's EXPLAIN QUERY PLAN, or EXPLAIN)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A test table is tiny, so PostgreSQL would rightly read it whole; barred from
            # that, it shows whether an index can answer the search at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
    return str(patients.explain())


def grown(clinic: Any) -> Any:
    """A clinic of a few thousand patients born over sixty years, with fresh statistics:
    over a handful of rows PostgreSQL's planner may rightly pick any index at all."""
    made = Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            given_name=f"Pat{n}",
            family_name=f"Cohort{n % 400}",
            date_of_birth=date(1940, 1, 1) + timedelta(days=7 * n),
        )  # fmt: skip
        for n in range(3000)
    )
    PatientNameWord.index(made)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return clinic


def test_a_name_search_reads_the_name_word_index(clinics: dict[str, Any]) -> None:
    plan = plan_of(patients_of(grown(clinics["home"]), "fen ad"))
    assert "clinics_patientnameword_word" in plan, plan
    if connection.vendor == "sqlite":
        # Patients are fetched by number, not by reading the clinic's list in name order.
        assert "USING INTEGER PRIMARY KEY" in plan and "clinic_id=?" not in plan, plan


def test_a_date_of_birth_search_reads_the_birth_index(clinics: dict[str, Any]) -> None:
    plan = plan_of(patients_of(grown(clinics["home"]), "12/04/1968"))
    assert "patient_search_birth" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # the index gives the name order too
