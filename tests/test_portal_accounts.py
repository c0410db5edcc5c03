"""Patient accounts: the clinic invites, the patient chooses a password, the doors stay apart."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.portal import service
from acuback.web.portal.models import Invitation, PatientAccount
from tests.conftest import PASSWORD
from tests.portal_helpers import portal

__all__ = ["portal"]

NEW_PASSWORD = "lilac-harbour-teapot-42"


@pytest.fixture(autouse=True)
def _memory_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _invite(client: Client, clinics: dict[str, Any], email: str = "ada@example.org") -> str:
    patient = clinics["patient"]
    patient.email = email
    patient.save()
    client.force_login(clinics["colleague"])  # reception invites
    response = client.post(f"/patients/{patient.pk}/portal-invite/", {"next": "edit"})
    assert response.status_code == 302
    link = re.search(r"https?://\S+/portal/welcome/(\S+)/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    client.logout()
    return link.group(1)


def test_invitation_email_link_sets_a_password_and_signs_the_patient_in(
    client: Client, clinics: dict[str, Any]
) -> None:
    token = _invite(client, clinics)
    assert mail.outbox[-1].to == ["ada@example.org"]
    assert token not in Invitation.objects.get().token_hash  # only a hash is kept

    page = client.get(f"/portal/welcome/{token}/")
    assert page.status_code == 200
    assert b"ada@example.org" in page.content

    done = client.post(
        f"/portal/welcome/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200 and b"Hello, Ada" in home.content
    account = PatientAccount.objects.get()
    assert account.patient == clinics["patient"] and account.user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(
        action=Action.CREATE, patient_id=clinics["patient"].pk, clinic=clinics["home"]
    ).exists()

    # The link works once.
    again = client.get(f"/portal/welcome/{token}/")
    assert again.status_code == 410 and b"already been used" in again.content


def test_expired_link_is_refused_and_a_new_invitation_replaces_the_old(
    client: Client, clinics: dict[str, Any]
) -> None:
    first = _invite(client, clinics)
    second = _invite(client, clinics)
    assert client.get(f"/portal/welcome/{first}/").status_code == 410

    now = timezone.now()
    Invitation.objects.filter(used_at__isnull=True).update(
        created=now - timedelta(hours=73), expires_at=now - timedelta(minutes=1)
    )
    expired = client.post(
        f"/portal/welcome/{second}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert expired.status_code == 410 and b"expired" in expired.content
    assert not PatientAccount.objects.exists()
    assert client.get("/portal/welcome/not-a-token/").status_code == 410


def test_expiry_follows_the_setting(clinics: dict[str, Any], settings: Any) -> None:
    settings.ACUBACK_INVITATION_HOURS = 2
    patient = clinics["patient"]
    patient.email = "ada@example.org"
    now = timezone.now()
    invitation, _ = service.invite(clinics["home"], patient, clinics["colleague"], now)
    assert invitation.expires_at - invitation.created == timedelta(hours=2)


def test_weak_or_mismatched_passwords_are_refused_with_a_message(
    client: Client, clinics: dict[str, Any]
) -> None:
    token = _invite(client, clinics)
    for first, second, message in [
        ("short", "short", b"too short"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", b"not the same"),
        ("ada@example.org1", "ada@example.org1", b"too similar"),
        ("12345678901234", "12345678901234", b"entirely numeric"),
    ]:
        response = client.post(
            f"/portal/welcome/{token}/", {"password1": first, "password2": second}
        )
        assert response.status_code == 400 and message in response.content, message
    assert not PatientAccount.objects.exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_email", "Add the patient's email address"),
        ("staff_email", "Another account already uses this email address"),
    ],
)
def test_invitation_refused_with_a_reason(
    clinics: dict[str, Any], setup: str, message: str
) -> None:
    patient = clinics["patient"]
    if setup == "staff_email":
        patient.email = "ALICE"  # a staff username, in another case
        clinics["practitioner"].email = "alice@example.org"
    with pytest.raises(service.InvitationRefused, match=message):
        service.invite(clinics["home"], patient, clinics["colleague"])


def test_another_clinics_patient_cannot_be_invited(client: Client, clinics: dict[str, Any]) -> None:
    other = clinics["other_patient"]
    other.email = "ivo@example.org"
    other.save()
    client.force_login(clinics["practitioner"])
    assert client.post(f"/patients/{other.pk}/portal-invite/").status_code == 404
    assert not Invitation.objects.exists() and not mail.outbox


def test_patients_and_staff_use_separate_doors(portal: dict[str, Any]) -> None:
    patient_at_staff_door = Client().post(
        "/login/", {"username": "ada@example.org", "password": PASSWORD}
    )
    assert patient_at_staff_door.status_code == 200
    assert b"patient portal" in patient_at_staff_door.content
    staff_at_patient_door = Client().post(
        "/portal/login/", {"username": "alice", "password": PASSWORD}
    )
    assert staff_at_patient_door.status_code == 200
    assert b"This sign-in is for patients" in staff_at_patient_door.content

    patient = Client()
    signed_in = patient.post(
        "/portal/login/", {"username": "ada@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/"
    assert AuditEvent.objects.filter(
        action=Action.LOGIN, username="ada@example.org", clinic=portal["home"]
    ).exists()
    # A patient never sees a staff page, and staff never see the portal.
    for url in ["/patients/", f"/patients/{portal['patient'].pk}/", "/today/", "/audit/"]:
        assert patient.get(url).status_code == 404, url
    assert patient.get("/").url == "/portal/"
    staff = Client()
    staff.force_login(portal["practitioner"])
    assert staff.get("/portal/").status_code == 404
    assert Client().get("/portal/").url.startswith("/portal/login/")


def test_portal_pages_are_never_cached(client: Client, portal: dict[str, Any]) -> None:
    client.force_login(portal["ada"])
    response = client.get("/portal/")
    assert "no-store" in response["Cache-Control"]


def test_staff_see_portal_access_on_the_patient_pages(
    client: Client, portal: dict[str, Any]
) -> None:
    client.force_login(portal["practitioner"])
    shown = client.get(f"/patients/{portal['patient'].pk}/").content.decode()
    assert "has a portal account" in shown
    client.force_login(portal["colleague"])
    edit = client.get(f"/patients/{portal['other_patient'].pk}/edit/")
    assert edit.status_code == 404
    patient = portal["patient"]
    patient.pk = None  # a new patient without an account
    patient.email = ""
    patient.given_name = "Cleo"
    patient.save()
    assert (
        "Add an email address to invite"
        in client.get(f"/patients/{patient.pk}/edit/").content.decode()
    )


def test_invitation_email_is_written_to_the_mail_folder_by_default(
    client: Client, clinics: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    patient = clinics["patient"]
    patient.email = "ada@example.org"
    patient.save()
    client.force_login(clinics["colleague"])
    client.post(f"/patients/{patient.pk}/portal-invite/")
    written = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "/portal/welcome/" in written and "ada@example.org" in written


def test_a_forgotten_password_is_replaced_through_the_clinic(
    client: Client, portal: dict[str, Any]
) -> None:
    patient = portal["patient"]
    patient.email = "ada.new@example.org"  # the address changed since the account began
    patient.save()
    client.force_login(portal["colleague"])
    shown = client.get(f"/patients/{patient.pk}/edit/").content.decode()
    assert "Send a link to choose a new password" in shown
    client.post(f"/patients/{patient.pk}/portal-invite/", {"next": "edit"})
    assert "choose a new password" in mail.outbox[-1].body
    token = re.search(r"/portal/welcome/(\S+)/", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    client.logout()
    assert b"Save my new password" in client.get(f"/portal/welcome/{token}/").content
    client.post(f"/portal/welcome/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert PatientAccount.objects.filter(patient=patient).count() == 1
    user = User.objects.get(pk=portal["ada"].pk)
    assert user.username == "ada.new@example.org" and user.check_password(NEW_PASSWORD)
    assert Client().login(username="ada.new@example.org", password=NEW_PASSWORD)
    assert not Client().login(username="ada@example.org", password=PASSWORD)


def test_home_shows_what_is_next_for_the_patient(client: Client, portal: dict[str, Any]) -> None:
    from acuback.web.care.models import Message

    client.force_login(portal["ada"])
    assert b"Next for you" not in client.get("/portal/").content
    Message.objects.create(
        clinic=portal["home"], patient=portal["patient"], created_by=portal["practitioner"],
        body="See you on Friday",
    )  # fmt: skip
    Message.objects.create(
        clinic=portal["home"], patient=portal["bea_patient"], created_by=portal["practitioner"],
        body="Not for Ada",
    )  # fmt: skip
    shown = client.get("/portal/").content.decode()
    assert "A new message from the clinic" in shown
    client.get("/portal/messages/")  # read
    assert "new message" not in client.get("/portal/").content.decode()


def test_an_account_that_is_both_staff_and_patient_opens_neither_side(
    portal: dict[str, Any],
) -> None:
    from acuback.web.clinics.models import Membership, Role

    Membership.objects.create(user=portal["ada"], clinic=portal["home"], role=Role.PRACTITIONER)
    client = Client()
    client.force_login(portal["ada"])
    assert client.get("/patients/").status_code == 404
    assert client.get(f"/patients/{portal['bea_patient'].pk}/").status_code == 404
    assert client.get("/portal/").status_code == 404


def test_a_mixed_case_address_signs_in_as_typed(client: Client, clinics: dict[str, Any]) -> None:
    token = _invite(client, clinics, email="Ada.Fenwick@Example.org")
    client.post(f"/portal/welcome/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    signed_in = client.post(
        "/portal/login/", {"username": " Ada.Fenwick@Example.org", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/"


def test_correcting_the_address_withdraws_the_link_sent_to_the_old_one(
    client: Client, clinics: dict[str, Any]
) -> None:
    token = _invite(client, clinics, email="ada@exmaple.org")  # mistyped
    patient = clinics["patient"]
    patient.email = "ada@example.org"
    patient.save()
    assert client.get(f"/portal/welcome/{token}/").status_code == 410
    patient.given_name = "Adaline"  # other changes leave a link alone
    patient.save()
    fresh = _invite(client, clinics, email="ada@example.org")
    patient.phone = "+447700900999"
    patient.save()
    assert client.get(f"/portal/welcome/{fresh}/").status_code == 200


def test_an_invitation_that_cannot_be_sent_is_withdrawn_with_a_message(
    client: Client, clinics: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Any, messages: Any) -> int:
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    patient = clinics["patient"]
    patient.email = "ada@example.org"
    patient.save()
    client.force_login(clinics["colleague"])
    response = client.post(f"/patients/{patient.pk}/portal-invite/", {"next": "edit"}, follow=True)
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.filter(used_at__isnull=True).exists()
