"""Reminders by email, sent by the real worker command (`acuback worker --batch`).

Time is controlled through the clinic's rule instead of sleeping: with a reminder due
30 days before, a booking a week ahead is due at once; with the default 24 hours it waits.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from acuback.web.appointments import service as book
from acuback.web.appointments.models import Appointment, Status
from acuback.web.reminders import service
from tests.appointments_helpers import a_weekday_ahead, moment, type_named

# The worker commits and recycles its connection like the real process does: the tests
# run outside a wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clinic(clinics: dict[str, Any]) -> dict[str, Any]:
    """Ada has an email; reminders go 30 days ahead, so any booking below is due now."""
    clinics["patient"].email = "ada@example.org"
    clinics["patient"].save()
    rules = book.rules_for(clinics["home"])
    rules.reminder_hours_before = 30 * 24
    rules.save()
    return clinics


def booked(clinics: dict[str, Any], hh: int = 10, type_name: str = "Treatment") -> Appointment:
    home = clinics["home"]
    return book.book(
        home,
        clinics["practitioner"],
        book.Booking(
            clinics["patient"],
            clinics["practitioner"],
            type_named(home, type_name),
            moment(a_weekday_ahead(), hh),
            address="4 Mill Lane" if type_name == "Home visit" else "",
        ),
    )


def results() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.order_by("enqueued_at"))


def test_the_worker_sends_one_reminder_with_the_right_date_and_never_again(
    clinic: dict[str, Any], run_worker: Any
) -> None:
    appointment = booked(clinic, 10)
    assert len(results()) == 1

    run_worker()

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    day = timezone.localtime(appointment.starts_at)
    assert email.to == ["ada@example.org"]
    assert f"{day.day} {day:%b %Y} at 10:00" in email.subject
    assert "Home Clinic" in email.subject
    assert f"{day:%A} {day.day} {day:%B %Y} at 10:00" in email.body
    assert "Treatment with alice" in email.body
    assert "call Home Clinic" in email.body
    assert "at least 24 hours before" in email.body
    assert "home visit" not in email.body
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None
    (task,) = results()
    assert task.status == "SUCCESSFUL" and task.return_value == service.Outcome.SENT

    # Running again (a restart) sends nothing: the task is done and the claim stands.
    run_worker()
    assert len(mail.outbox) == 1


def test_a_home_visit_says_so(clinic: dict[str, Any], run_worker: Any) -> None:
    booked(clinic, 10, "Home visit")
    run_worker()
    (email,) = mail.outbox
    assert "This is a home visit" in email.body
    assert "Mill Lane" not in email.body


def test_a_reminder_waits_for_its_time(clinic: dict[str, Any], run_worker: Any) -> None:
    rules = book.rules_for(clinic["home"])
    rules.reminder_hours_before = 24
    rules.save()
    appointment = booked(clinic, 10)

    run_worker()

    assert mail.outbox == []
    (task,) = results()
    assert task.status == "READY"
    assert task.run_after == appointment.starts_at - timedelta(hours=24)


def test_a_cancelled_appointment_gets_no_reminder(clinic: dict[str, Any], run_worker: Any) -> None:
    appointment = booked(clinic, 10)
    book.change_status(appointment, "cancel", "Patient phoned: away that week.")

    run_worker()

    assert mail.outbox == []
    (task,) = results()
    assert task.return_value == service.Outcome.NOT_BOOKED
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None


def test_a_moved_appointment_is_reminded_of_the_new_time_only(
    clinic: dict[str, Any], run_worker: Any
) -> None:
    appointment = booked(clinic, 10)
    book.move(appointment, moment(a_weekday_ahead(), 11))

    run_worker()

    (email,) = mail.outbox
    assert "at 11:00" in email.subject and "10:00" not in email.body
    outcomes = sorted(str(t.return_value) for t in results())
    assert outcomes == sorted([service.Outcome.MOVED, service.Outcome.SENT])


def test_moved_after_its_reminder_it_gets_one_for_the_new_time(
    clinic: dict[str, Any], run_worker: Any
) -> None:
    appointment = booked(clinic, 10)
    run_worker()
    book.move(appointment, moment(a_weekday_ahead(), 14))
    run_worker()

    assert [e.subject[-5:] for e in mail.outbox] == ["10:00", "14:00"]


def test_any_other_save_queues_nothing(clinic: dict[str, Any]) -> None:
    appointment = booked(clinic, 10)
    appointment.address = "The back door"
    appointment.save()
    book.change_status(appointment, "arrive", now=appointment.starts_at)
    assert len(results()) == 1


def test_the_worker_catches_up_appointments_booked_without_a_reminder(
    clinic: dict[str, Any], run_worker: Any
) -> None:
    """Booked before reminders existed (or saved without signals): queued at start, once."""
    made = booked(clinic, 10)
    DBTaskResult.objects.all().delete()
    later = Appointment.objects.get(pk=made.pk)
    later.pk = None
    later.starts_at += timedelta(hours=2)
    later.ends_at += timedelta(hours=2)
    Appointment.objects.bulk_create([later])  # no signal: nothing queued
    assert results() == []

    run_worker()

    assert len(mail.outbox) == 2
    assert sorted(str(t.return_value) for t in results()) == [service.Outcome.SENT] * 2
    run_worker()
    assert len(mail.outbox) == 2 and len(results()) == 2


def test_catching_up_leaves_queued_reminders_alone(clinic: dict[str, Any]) -> None:
    rules = book.rules_for(clinic["home"])
    rules.reminder_hours_before = 24
    rules.save()
    booked(clinic, 10)
    assert service.schedule_missing() == 0
    assert len(results()) == 1


def test_a_patient_without_email_gets_none(clinics: dict[str, Any], run_worker: Any) -> None:
    rules = book.rules_for(clinics["home"])
    rules.reminder_hours_before = 30 * 24
    rules.save()
    appointment = booked(clinics, 10)

    run_worker()

    assert mail.outbox == []
    (task,) = results()
    assert task.return_value == service.Outcome.NO_EMAIL
    assert [u.appointment for u in service.without_email(clinics["home"])] == [appointment]


class Refused(Exception):
    pass


def test_a_failed_send_gives_the_claim_back_and_a_retry_sends(
    clinic: dict[str, Any], run_worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    appointment = booked(clinic, 10)

    def refuse(self: Any, messages: Any) -> int:
        raise Refused("mail server said no")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    run_worker()

    assert mail.outbox == []
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None
    failed, retry = results()
    assert failed.status == "FAILED" and "mail server said no" in failed.traceback
    assert retry.status == "READY" and retry.args_kwargs["args"][2] == 2
    assert retry.run_after > timezone.now() + timedelta(minutes=9)

    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()

    assert len(mail.outbox) == 1
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None


def test_a_claim_is_won_once(clinic: dict[str, Any]) -> None:
    appointment = booked(clinic, 10)
    now = timezone.now()
    assert service.claim(appointment.pk, appointment.starts_at, now)
    assert not service.claim(appointment.pk, appointment.starts_at, now)
    assert service.release(appointment.pk, now)
    assert service.claim(appointment.pk, appointment.starts_at, now)
    # A claim for a time the appointment no longer has, or once cancelled, is refused.
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
    assert not service.claim(appointment.pk, appointment.starts_at + timedelta(hours=1), now)
    Appointment.objects.filter(pk=appointment.pk).update(status=Status.CANCELLED)
    assert not service.claim(appointment.pk, appointment.starts_at, now)


def test_workers_racing_for_one_reminder_send_it_once(clinic: dict[str, Any]) -> None:
    appointment = booked(clinic, 10)
    racers = 4
    barrier = threading.Barrier(racers, timeout=60)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def race() -> None:
        try:
            barrier.wait()
            outcomes.append(service.deliver(appointment.pk, appointment.starts_at))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(outcomes) == sorted(
        [service.Outcome.SENT] + [service.Outcome.ALREADY_SENT] * (racers - 1)
    )
    assert len(mail.outbox) == 1
