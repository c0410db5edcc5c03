"""Registering and editing patients in the clinic's own pages: checks, duplicates, roles,
tenancy and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.clinics.models import Patient

NEW = "/patients/new/"
FIELDS = [
    "given_name", "family_name", "date_of_birth", "sex", "phone", "email", "address",
    "preferred_contact", "emergency_contact_name", "emergency_contact_phone", "gp_name",
    "gp_practice", "gp_contact", "insurer", "policy_number", "insurer_visits",
    "treatment_consent_on", "data_sharing_consent_on", "guardian_name",
    "guardian_relationship", "guardian_phone",
]  # fmt: skip


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def details(**changes: str) -> dict[str, str]:
    data = dict.fromkeys(FIELDS, "")
    data.update(
        given_name="Lena",
        family_name="Marsh",
        date_of_birth="1980-03-05",
        sex="female",
        phone="+44 (0)7700 900-555",
        email="lena.marsh@example.org",
        insurer="Demo Health Mutual",
        policy_number="DHM-1",
        insurer_visits="12",
        treatment_consent_on="2026-01-02",
    )
    data.update(changes)
    return data


def edit_url(patient: Patient) -> str:
    return reverse("patient-edit", args=[patient.pk])


@pytest.mark.parametrize("who", ["practitioner", "colleague", "admin"])
def test_every_staff_role_of_the_clinic_registers_a_patient(
    clinics: dict[str, Any], who: str
) -> None:
    client = signed_in(clinics[who])
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, details())
    patient = Patient.objects.get(family_name="Marsh")
    assert response.status_code == 302
    assert response["Location"] == reverse("patient-detail", args=[patient.pk])
    assert patient.clinic == clinics["home"]
    # Digits and the leading + are kept; spaces, brackets and dashes go.
    assert patient.phone == "+4407700900555"
    assert patient.insurer_visits == 12
    assert patient.treatment_consent_on == date(2026, 1, 2)
    assert patient.guardian_name == "" and patient.data_sharing_consent_on is None
    event = AuditEvent.objects.get(action=Action.CREATE, patient_id=patient.pk)
    assert event.clinic == clinics["home"] and event.username == clinics[who].username


def test_after_registering_the_patient_page_says_so_and_shows_the_details(
    clinics: dict[str, Any],
) -> None:
    page = signed_in(clinics["colleague"]).post(NEW, details(), follow=True)
    text = page.content.decode()
    assert "Patient registered." in text
    assert "+4407700900555" in text and "lena.marsh@example.org" in text
    assert "Demo Health Mutual, policy DHM-1 (12 visits covered)" in text
    assert "2 Jan 2026" in text  # consent to treatment, written j M Y
    assert "Edit details" in text


def test_nobody_signed_out_registers_or_edits(clinics: dict[str, Any]) -> None:
    client = Client()
    for url in (NEW, edit_url(clinics["patient"])):
        assert client.get(url)["Location"].startswith("/login/")
        assert client.post(url, details())["Location"].startswith("/login/")
    assert not Patient.objects.filter(family_name="Marsh").exists()
    assert Patient.objects.get(pk=clinics["patient"].pk).given_name == "Ada"


TODAY = date.today()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_birth": TOMORROW}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth", "cannot be before 1900"),
        ({"date_of_birth": "31/02/1980"}, "date_of_birth", "Enter the date of birth as"),
        ({"treatment_consent_on": TOMORROW}, "treatment_consent_on", "in the future"),
        ({"data_sharing_consent_on": TOMORROW}, "data_sharing_consent_on", "in the future"),
        (
            {"treatment_consent_on": "1980-03-04"},
            "treatment_consent_on",
            "before the date of birth (5 Mar 1980)",
        ),
        (
            {"data_sharing_consent_on": "1979-01-01"},
            "data_sharing_consent_on",
            "before the date of birth (5 Mar 1980)",
        ),
        ({"email": "lena at example"}, "email", "email address like"),
        ({"phone": "12-34"}, "phone", "at least 6 digits"),
        ({"phone": "call me"}, "phone", "at least 6 digits"),
        ({"emergency_contact_phone": "999"}, "emergency_contact_phone", "at least 6 digits"),
        ({"insurer_visits": "0"}, "insurer_visits", "1 or more"),
        ({"insurer_visits": "2.5"}, "insurer_visits", "whole number"),
        ({"insurer": ""}, "insurer", "Name the insurer"),
        ({"preferred_contact": "email", "email": ""}, "preferred_contact", "Add the email"),
        ({"preferred_contact": "post"}, "preferred_contact", "Add the postal address"),
        ({"given_name": ""}, "given_name", "required"),
    ],
)
def test_a_mistake_is_refused_beside_its_field_and_nothing_is_saved(
    clinics: dict[str, Any], changes: dict[str, str], field: str, message: str
) -> None:
    response = signed_in(clinics["colleague"]).post(NEW, details(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in errors[field][0]
    page = response.content.decode()
    block = page.split(f'id="field-{field}"', 1)[1].split('<div class="field', 1)[0]
    assert message in block.replace("&#x27;", "'")
    assert not Patient.objects.filter(family_name="Marsh").exists()


def test_the_earliest_and_latest_dates_are_allowed(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["practitioner"])
    ok = client.post(NEW, details(date_of_birth="1900-01-01", treatment_consent_on="1900-01-01"))
    assert ok.status_code == 302
    today = TODAY.isoformat()
    baby = details(
        given_name="Newborn", date_of_birth=today, data_sharing_consent_on=today,
        treatment_consent_on=today, guardian_name="Lena Marsh", guardian_phone="07700 900555",
    )  # fmt: skip
    assert client.post(NEW, baby).status_code == 302
    assert Patient.objects.get(given_name="Newborn").guardian_phone == "07700900555"


def test_a_patient_under_18_needs_a_guardians_name_and_phone(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["colleague"])
    born = TODAY.replace(year=TODAY.year - 17)
    teen = details(date_of_birth=born.isoformat(), treatment_consent_on="")
    response = client.post(NEW, teen)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"guardian_name", "guardian_phone"}
    assert "under 18" in errors["guardian_name"][0]
    teen.update(guardian_name="Lena Marsh", guardian_relationship="Mother", guardian_phone="0")
    errors = client.post(NEW, teen).context["form"].errors
    assert set(errors) == {"guardian_phone"} and "6 digits" in errors["guardian_phone"][0]
    teen["guardian_phone"] = "07700 900556"
    assert client.post(NEW, teen).status_code == 302
    # Eighteen today: an adult, no guardian needed.
    adult = details(given_name="Ola", date_of_birth=TODAY.replace(year=TODAY.year - 18).isoformat())
    assert client.post(NEW, adult).status_code == 302


def ada(**changes: str) -> dict[str, str]:
    """The fixture's Ada Fenwick, born 12 Apr 1968, typed again."""
    return details(**{"given_name": "ada", "family_name": "FENWICK", "date_of_birth": "1968-04-12",
                      **changes})  # fmt: skip


def test_a_second_registration_of_the_same_person_is_held_until_confirmed(
    clinics: dict[str, Any],
) -> None:
    existing = clinics["patient"]
    existing.phone = "+447700900112"
    existing.save()
    client = signed_in(clinics["colleague"])
    response = client.post(NEW, ada())
    assert response.status_code == 400
    page = response.content.decode()
    assert "may already be registered" in page
    assert f'href="{reverse("patient-detail", args=[existing.pk])}"' in page
    assert "12 Apr 1968" in page and "+447700900112" in page
    assert "This is a different person" in page
    assert Patient.objects.filter(family_name__iexact="fenwick").count() == 1
    # Showing the match is a look at that patient's record: it is on the trail.
    assert AuditEvent.objects.filter(
        action=Action.VIEW, patient_id=existing.pk, what__contains="possible duplicate"
    ).exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()

    confirmed = client.post(NEW, ada(different_person="on"))
    assert confirmed.status_code == 302
    assert Patient.objects.filter(family_name__iexact="fenwick").count() == 2


def test_the_tick_alone_does_not_save_a_form_with_other_mistakes(clinics: dict[str, Any]) -> None:
    response = signed_in(clinics["colleague"]).post(NEW, ada(email="nope", different_person="on"))
    assert response.status_code == 400
    assert "may already be registered" in response.content.decode()  # still shown
    assert 'name="different_person"' in response.content.decode()
    assert Patient.objects.filter(family_name__iexact="fenwick").count() == 1


def test_duplicates_ignore_accents_but_not_the_birthday_or_the_clinic(
    clinics: dict[str, Any],
) -> None:
    Patient.objects.create(
        clinic=clinics["home"], given_name="Zoë", family_name="Ångström",
        date_of_birth=date(1990, 5, 1),
    )  # fmt: skip
    client = signed_in(clinics["practitioner"])
    same = details(given_name="zoe", family_name=" angstrom ", date_of_birth="1990-05-01")
    assert client.post(NEW, same).status_code == 400
    assert client.post(NEW, ada(date_of_birth="1968-04-13")).status_code == 302
    # Ivo Lindqvist is the other clinic's patient: nobody here can see him, so no warning.
    ivo = details(given_name="Ivo", family_name="Lindqvist", date_of_birth="1955-06-30")
    assert client.post(NEW, ivo).status_code == 302


def test_editing_saves_the_details_and_writes_what_changed(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    client = signed_in(clinics["colleague"])
    form = client.get(edit_url(patient))
    assert form.status_code == 200
    assert 'value="Fenwick"' in form.content.decode()
    assert 'value="1968-04-12"' in form.content.decode()
    assert AuditEvent.objects.filter(action=Action.VIEW, patient_id=patient.pk).exists()
    data = details(given_name="Ada", family_name="Fenwick", date_of_birth="1968-04-12",
                   phone="0113 496 0999")  # fmt: skip
    response = client.post(edit_url(patient), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("patient-detail", args=[patient.pk])
    assert "Details saved." in response.content.decode()
    patient.refresh_from_db()
    assert patient.phone == "01134960999" and patient.insurer == "Demo Health Mutual"
    event = AuditEvent.objects.get(action=Action.CHANGE, patient_id=patient.pk)
    assert event.clinic == clinics["home"]
    assert "Phone" in event.what and "Insurer" in event.what and "Family name" not in event.what


def test_an_edit_with_a_mistake_changes_nothing(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    data = details(given_name="Ada", family_name="Fenwick", date_of_birth=TOMORROW)
    response = signed_in(clinics["practitioner"]).post(edit_url(patient), data)
    assert response.status_code == 400
    assert "cannot be in the future" in response.context["form"].errors["date_of_birth"][0]
    patient.refresh_from_db()
    assert patient.date_of_birth == date(1968, 4, 12) and patient.phone == ""
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_editing_is_not_held_by_a_namesake(clinics: dict[str, Any]) -> None:
    # Only a new registration asks about duplicates; editing Ada does not find Ada.
    patient = clinics["patient"]
    data = details(given_name="Ada", family_name="Fenwick", date_of_birth="1968-04-12")
    assert signed_in(clinics["admin"]).post(edit_url(patient), data).status_code == 302


def test_another_clinics_patient_answers_404_on_the_edit_page(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    outsider = signed_in(clinics["outsider"])
    assert outsider.get(edit_url(patient)).status_code == 404
    data = details(given_name="Mallory", family_name="Fenwick", date_of_birth="1968-04-12")
    assert outsider.post(edit_url(patient), data).status_code == 404
    patient.refresh_from_db()
    assert patient.given_name == "Ada"
    missing = signed_in(clinics["practitioner"]).get(reverse("patient-edit", args=[999999]))
    assert missing.status_code == 404
    # A registration by charlie lands in charlie's clinic, whatever is posted.
    assert outsider.post(NEW, details(clinic=str(clinics["home"].pk))).status_code == 302
    assert Patient.objects.get(family_name="Marsh").clinic == clinics["other"]


def test_the_patient_page_shows_the_edit_link_to_reception(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    page = signed_in(clinics["colleague"]).get(reverse("patient-detail", args=[patient.pk]))
    assert f'href="{edit_url(patient)}"' in page.content.decode()
    assert "Not yet recorded" in page.content.decode()


def test_the_django_admin_applies_the_same_checks(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["admin"])
    url = reverse("admin:clinics_patient_add")
    page = client.get(url)
    assert page.status_code == 200 and "GP (family doctor)" in page.content.decode()
    refused = client.post(url, details(date_of_birth=TOMORROW))
    assert refused.status_code == 200  # the admin redisplays its form
    assert "cannot be in the future" in refused.content.decode()
    assert not Patient.objects.filter(family_name="Marsh").exists()
    assert client.post(url, details()).status_code == 302
    saved = Patient.objects.get(family_name="Marsh")
    assert saved.clinic == clinics["home"] and saved.phone == "+4407700900555"
    assert AuditEvent.objects.filter(action=Action.CREATE, patient_id=saved.pk).exists()


def test_an_account_of_no_clinic_finds_nothing(clinics: dict[str, Any]) -> None:
    from django.contrib.auth import get_user_model

    loner = get_user_model().objects.create_user("erin", password="x")
    client = signed_in(loner)
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, details()).status_code == 404
    assert client.get(edit_url(clinics["patient"])).status_code == 404
    assert client.get("/patients/").status_code == 404
    assert not Patient.objects.filter(family_name="Marsh").exists()
