"""Messages between a patient and the clinic: both ways, read marks, Today's count, notices."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care.models import Message
from acuback.web.clinics.models import Membership
from acuback.web.portal import message_service
from acuback.web.today import service as today
from tests.portal_helpers import portal
from tests.test_web_care import signed_in

__all__ = ["portal"]

pytestmark = pytest.mark.django_db
MESSAGES = "/portal/messages/"


@pytest.fixture(autouse=True)
def _memory_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def patient_client(portal: dict[str, Any], who: str = "ada") -> Client:
    client = Client()
    client.force_login(portal[who])
    return client


def unread_on_today(user: Any) -> dict[int, int]:
    membership = Membership.objects.get(user=user)
    page = today.today_for(membership, mine=True)
    return {u.patient.pk: u.count for u in page.unread_messages}


def test_a_patient_writes_to_the_clinic_and_the_practitioner_reads_it(
    portal: dict[str, Any],
) -> None:
    ada = patient_client(portal)
    response = ada.post(MESSAGES, {"body": "  The pain moved to my left leg since Tuesday.  "})
    assert response.status_code == 302 and response["Location"] == MESSAGES + "?done=sent"
    message = Message.objects.get()
    assert message.from_patient and message.created_by == portal["ada"]
    assert message.body == "The pain moved to my left leg since Tuesday."
    assert message.patient == portal["patient"] and message.clinic == portal["home"]
    assert AuditEvent.objects.filter(action=Action.CREATE, what__contains="from the patient")
    assert "Tuesday" in ada.get(MESSAGES).content.decode()

    # Today tells the clinic (also in a practitioner's own view: messages are the clinic's).
    assert unread_on_today(portal["practitioner"]) == {portal["patient"].pk: 1}
    assert unread_on_today(portal["admin"]) == {portal["patient"].pk: 1}
    staff = signed_in(portal["practitioner"])
    today_html = staff.get("/today/").content.decode()
    assert 'id="messages"' in today_html and "1 unread message" in today_html

    # Opening the patient's page shows it as new, then marks it read.
    page = staff.get(reverse("patient-detail", args=[portal["patient"].pk]))
    html = page.content.decode()
    assert "left leg since Tuesday" in html and "1 new" in html
    message.refresh_from_db()
    assert message.read_at is not None and message.read_by == portal["practitioner"]
    assert unread_on_today(portal["practitioner"]) == {}
    assert (
        "1 new"
        not in staff.get(reverse("patient-detail", args=[portal["patient"].pk])).content.decode()
    )


def test_the_clinic_writes_and_the_patient_is_emailed_a_notice_without_the_content(
    portal: dict[str, Any],
) -> None:
    staff = signed_in(portal["practitioner"])
    body = "Your MRI letter came: nothing that changes the plan."
    response = staff.post(reverse("message-create", args=[portal["patient"].pk]), {"body": body})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["ada@example.org"]
    assert "MRI" not in notice.body and "MRI" not in notice.subject
    assert "new message" in notice.body and "/portal/messages/" in notice.body
    assert "Home Clinic" in notice.subject

    ada = patient_client(portal)
    html = ada.get(MESSAGES).content.decode()
    assert body in html and ">New<" in html
    message = Message.objects.get()
    assert not message.from_patient and message.read_by == portal["ada"]
    assert ">New<" not in ada.get(MESSAGES).content.decode(), "read on the first visit"
    # The practitioner sees that the patient read it.
    staff_html = staff.get(reverse("patient-detail", args=[portal["patient"].pk])).content.decode()
    assert "(read " in staff_html


def test_no_notice_without_a_portal_account_and_the_message_is_kept(
    portal: dict[str, Any],
) -> None:
    staff = signed_in(portal["practitioner"])
    patient = portal["patient"]
    patient.account.delete()
    response = staff.post(reverse("message-create", args=[patient.pk]), {"body": "Hello"})
    assert response.status_code == 302
    assert mail.outbox == [] and Message.objects.count() == 1
    html = staff.get(reverse("patient-detail", args=[patient.pk])).content.decode()
    assert "no portal account yet" in html


def test_a_failing_mail_server_keeps_the_message(
    portal: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    staff = signed_in(portal["practitioner"])
    response = staff.post(reverse("message-create", args=[portal["patient"].pk]), {"body": "Hi"})
    assert response.status_code == 302 and Message.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [("", "Write your message"), ("   \n ", "Write your message"), ("x" * 4001, "4,000")],
)
def test_an_empty_or_too_long_message_is_refused_and_kept(
    portal: dict[str, Any], body: str, words: str
) -> None:
    response = patient_client(portal).post(MESSAGES, {"body": body})
    assert response.status_code == 400
    assert any(words in e for e in response.context["form"].errors["body"])
    assert response.context["form"]["body"].value() == body, "what was typed is kept"
    assert not Message.objects.exists()


def test_a_message_of_exactly_4000_characters_is_sent(portal: dict[str, Any]) -> None:
    assert patient_client(portal).post(MESSAGES, {"body": "y" * 4000}).status_code == 302
    assert len(Message.objects.get().body) == 4000


def test_patients_see_only_their_own_conversation(portal: dict[str, Any]) -> None:
    patient_client(portal, "bea").post(MESSAGES, {"body": "Bea's private question"})
    patient_client(portal, "ivo").post(MESSAGES, {"body": "Ivo's private question"})
    staff = signed_in(portal["practitioner"])
    staff.post(reverse("message-create", args=[portal["bea_patient"].pk]), {"body": "To Bea"})

    html = patient_client(portal).get(MESSAGES).content.decode()
    assert "Bea" not in html and "Ivo" not in html and "No messages yet" in html
    # Another clinic's Today never counts them.
    assert unread_on_today(portal["practitioner"]) == {portal["bea_patient"].pk: 1}
    assert unread_on_today(portal["outsider"]) == {portal["other_patient"].pk: 1}


def test_reception_neither_reads_nor_answers_messages(portal: dict[str, Any]) -> None:
    patient_client(portal).post(MESSAGES, {"body": "About my medicines"})
    reception = signed_in(portal["colleague"])
    page = reception.get(reverse("patient-detail", args=[portal["patient"].pk]))
    assert "About my medicines" not in page.content.decode()
    assert Message.objects.get().read_at is None, "reception's visit does not mark it read"
    answer = reception.post(
        reverse("message-create", args=[portal["patient"].pk]), {"body": "Reception here"}
    )
    assert answer.status_code == 403
    assert unread_on_today(portal["colleague"]) == {}
    assert "About my medicines" not in reception.get("/today/").content.decode()


def test_staff_and_signed_out_visitors_do_not_reach_the_patients_messages(
    portal: dict[str, Any],
) -> None:
    assert signed_in(portal["practitioner"]).get(MESSAGES).status_code == 404
    anonymous = Client().post(MESSAGES, {"body": "spam"})
    assert anonymous.status_code == 302 and "/portal/login/" in anonymous["Location"]
    assert not Message.objects.exists()
    assert "no-store" in patient_client(portal).get(MESSAGES)["Cache-Control"]


def test_another_clinics_staff_cannot_write_to_our_patient(portal: dict[str, Any]) -> None:
    outsider = signed_in(portal["outsider"])
    url = reverse("message-create", args=[portal["patient"].pk])
    assert outsider.post(url, {"body": "hi"}).status_code == 404
    assert not Message.objects.exists() and mail.outbox == []


def test_the_service_refuses_directly_too(portal: dict[str, Any]) -> None:
    with pytest.raises(message_service.MessageRefused):
        message_service.write_to_clinic(portal["patient"], portal["ada"], " ")


def test_an_old_unread_message_is_shown_before_it_counts_as_read(portal: dict[str, Any]) -> None:
    patient = portal["patient"]
    old = message_service.write_to_clinic(patient, portal["ada"], "My leg went numb.")
    for number in range(25):  # a long exchange after it, all read
        Message.objects.create(
            clinic=patient.clinic, patient=patient, created_by=portal["practitioner"],
            body=f"Reply {number}",
        )  # fmt: skip
    view = message_service.open_for_clinic(patient, portal["practitioner"])
    assert old.pk in {m.pk for m in view.thread} and old.pk in view.new
    assert len(view.thread) == 21
    bodies = [m.body for m in view.thread]
    # The old unread one, then the latest twenty replies in order: the first five are left.
    assert bodies == ["My leg went numb.", *(f"Reply {n}" for n in range(5, 25))]
    old.refresh_from_db()
    assert old.read_at is not None and old.read_by == portal["practitioner"]


def test_only_the_messages_a_page_showed_count_as_read(portal: dict[str, Any]) -> None:
    patient, practitioner = portal["patient"], portal["practitioner"]
    shown = message_service.write_to_clinic(patient, portal["ada"], "Is Tuesday possible?")
    # Written while the practitioner's page was being drawn: not on it, so still unread.
    later = message_service.write_to_clinic(patient, portal["ada"], "Or Wednesday?")
    assert message_service.mark_read_by_clinic(patient, practitioner, {shown.pk}) == 1
    shown.refresh_from_db()
    later.refresh_from_db()
    assert shown.read_at is not None and later.read_at is None
    assert [u.count for u in message_service.unread_in_clinic(patient.clinic)] == [1]
    # Opening the page shows it and reads it.
    view = message_service.open_for_clinic(patient, practitioner)
    assert view.new == {later.pk}
    assert message_service.unread_in_clinic(patient.clinic) == []


def test_a_long_conversation_comes_a_page_at_a_time_and_only_what_was_seen_is_read(
    portal: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message_service, "THREAD_PAGE", 3)
    patient = portal["patient"]
    sent = [
        Message.objects.create(
            clinic=patient.clinic, patient=patient, created_by=portal["practitioner"],
            body=f"Clinic note {n}",
        )
        for n in range(5)
    ]  # fmt: skip
    ada = patient_client(portal)
    newest = ada.get(MESSAGES)
    thread = newest.context["thread"]
    assert [m.body for m in thread.messages] == [f"Clinic note {n}" for n in (2, 3, 4)]
    html = newest.content.decode()
    assert 'href="?page=2#thread-title"' in html and "Later messages" not in html
    # Only the three on the page count as read; the two older wait for their page.
    read = {m.pk for m in Message.objects.filter(read_at__isnull=False)}
    assert read == {m.pk for m in sent[2:]}
    earlier = ada.get(MESSAGES, {"page": "2"})
    older = [m.body for m in earlier.context["thread"].messages]
    assert older == ["Clinic note 0", "Clinic note 1"]
    assert set(earlier.context["new"]) == {sent[0].pk, sent[1].pk}
    assert 'href="?page=1#thread-title"' in earlier.content.decode()
    assert Message.objects.filter(read_at__isnull=True).count() == 0
    # A page past the end is the last; one that is not a number is the first.
    assert ada.get(MESSAGES, {"page": "9"}).context["thread"].number == 2
    assert ada.get(MESSAGES, {"page": "x"}).context["thread"].number == 1
