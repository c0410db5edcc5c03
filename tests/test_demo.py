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
