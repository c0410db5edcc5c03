"""The demo clinic that `make run` loads."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from acuback.web.clinics.models import Clinic, Membership, Patient
from acuback.web.clinics.service import load_demo


@pytest.mark.django_db
def test_demo_loads_twice_without_duplicates_and_logins_work() -> None:
    first = load_demo()
    counts = (Clinic.objects.count(), Patient.objects.count(), get_user_model().objects.count())
    second = load_demo()
    assert (Clinic.objects.count(), Patient.objects.count(), get_user_model().objects.count()) == (
        counts
    )
    assert [(x.username, x.password) for x in first] == [(x.username, x.password) for x in second]
    practitioner = next(x for x in second if x.username == "demo-practitioner")
    client = Client()
    assert client.login(username=practitioner.username, password=practitioner.password)
    response = client.get("/patients/")
    assert b"Fenwick" in response.content
    assert Membership.objects.get(user__username="demo-practitioner").clinic.slug == (
        "demo-back-clinic"
    )


@pytest.mark.django_db
def test_demo_command_gives_one_patient_a_charted_course_once() -> None:
    from io import StringIO

    from django.core.management import call_command

    from acuback.web.care.models import PlanRecord, ScoreRecord, SessionRecord

    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert "demo-practitioner" in out.getvalue()
    plan = PlanRecord.objects.get()
    sessions = SessionRecord.objects.filter(plan=plan)
    assert sessions.count() == 6 and all(s.closed for s in sessions)
    assert all(s.needles_inserted == s.needles_removed > 0 for s in sessions)
    assert ScoreRecord.objects.filter(instrument="nrs").count() == 6
    assert "electroacupuncture" in [m.code for m in plan.course.methods]
    assert "moxibustion" not in [m.code for m in plan.course.methods], "diabetes"

    client = Client()
    client.force_login(get_user_model().objects.get(username="demo-practitioner"))
    page = client.get(f"/patients/{plan.patient.pk}/")
    assert page.context["outcome"].decision in {"continue", "extend", "change", "stop"}
    assert b'data-instrument="rmdq"' in page.content


@pytest.mark.django_db
def test_the_demo_book_holds_the_course_ahead_a_first_assessment_and_a_home_visit() -> None:
    from io import StringIO

    from django.core.management import call_command

    from acuback.web.appointments.models import Appointment, Kind
    from acuback.web.care.models import PlanRecord, SessionRecord

    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    booked = Appointment.objects.filter(clinic__slug="demo-back-clinic")
    plan = PlanRecord.objects.get()
    course = booked.filter(plan=plan)
    assert course.exists(), "the course's coming sessions are in the book"
    charted = set(SessionRecord.objects.filter(plan=plan).values_list("number", flat=True))
    assert not charted & set(course.values_list("planned_number", flat=True))
    home = booked.get(type__kind=Kind.HOME_VISIT)
    assert home.address and home.travel_before_minutes == home.travel_after_minutes == 20
    assert booked.filter(type__kind=Kind.FIRST_ASSESSMENT).count() == 1
    assert booked.count() == course.count() + 2, "nothing is booked twice"


@pytest.mark.django_db
def test_the_demo_patient_signs_in_to_the_portal_with_the_printed_password() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if "Patient (portal)" in x)
    email, password = line.split()[:2]
    from acuback.web.care.models import PlanRecord

    patient = PlanRecord.objects.get().patient  # the patient with the demo course
    assert email == patient.email
    client = Client()
    signed_in = client.post("/portal/login/", {"username": email, "password": password})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/"
    assert f"Hello, {patient.given_name}" in client.get("/portal/").content.decode()
