"""The check-in after a session: queued at close, sent once by the real worker, never late.

Time is moved by shifting the check-in's windows and its task's run_after back, as if the
session had closed that many hours ago, instead of sleeping.
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

from acuback.web.checkins import service
from acuback.web.checkins.models import CheckIn, NotSent
from acuback.web.checkins.tasks import send_check_in
from tests.check_in_helpers import closed_session, hours_ago
from tests.portal_helpers import portal

__all__ = ["portal"]


# The worker commits and recycles its connection like the real process does.
pytestmark = pytest.mark.django_db(transaction=True)


def tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=send_check_in.module_path).order_by("enqueued_at")
    )


def closed_hours_ago(portal: dict[str, Any], hours: float, patient: str = "patient") -> CheckIn:
    """alice closes a session for the patient; then it is as if that was `hours` ago."""
    session = closed_session(portal[patient], portal["practitioner"])
    check_in = hours_ago(CheckIn.objects.get(session=session), hours)
    DBTaskResult.objects.filter(task_path=send_check_in.module_path).update(
        run_after=check_in.due_at
    )
    return check_in


def test_closing_a_session_queues_its_check_in_24_hours_later_once(
    portal: dict[str, Any],
) -> None:
    session = closed_session(portal["patient"], portal["practitioner"])
    check_in = CheckIn.objects.get(session=session)
    assert check_in.due_at == session.closed + timedelta(hours=24)
    assert check_in.send_by == session.closed + timedelta(hours=48)
    assert check_in.expires_at == session.closed + timedelta(days=7)
    (task,) = tasks()
    assert task.status == "READY"
    assert task.run_after == session.closed + timedelta(hours=24)
    assert task.args_kwargs["args"] == [check_in.pk, 1]

    # Closing again (or the close being saved twice) makes no second check-in or task.
    from acuback.web.care import service as care

    care.close_session(session, portal["practitioner"])
    service.session_closed(session)
    assert CheckIn.objects.filter(session=session).count() == 1
    assert len(tasks()) == 1


def test_a_refused_close_queues_nothing(portal: dict[str, Any]) -> None:
    from acuback.web.care import service as care
    from tests.check_in_helpers import open_session

    session = open_session(portal["patient"], portal["practitioner"])
    session.needles_removed = 1
    session.save()
    with pytest.raises(care.SessionNotClosable):
        care.close_session(session, portal["practitioner"])
    assert not CheckIn.objects.exists() and tasks() == []


def test_the_worker_waits_for_the_day_after(portal: dict[str, Any], run_worker: Any) -> None:
    closed_session(portal["patient"], portal["practitioner"])
    run_worker()
    assert mail.outbox == []
    (task,) = tasks()
    assert task.status == "READY"


def test_the_worker_sends_one_email_with_the_link_and_nothing_clinical(
    portal: dict[str, Any], run_worker: Any
) -> None:
    check_in = closed_hours_ago(portal, 25)
    run_worker()

    (email,) = mail.outbox
    assert email.to == ["ada@example.org"]
    assert "how have you been" in email.subject
    assert f"/portal/check-ins/{check_in.pk}/" in email.body
    assert email.body.count("http") == 1
    for clinical in ("bl23", "needle", "pain", "acupuncture", "session 1"):
        assert clinical not in email.body.lower()
    check_in.refresh_from_db()
    assert check_in.sent_at is not None and check_in.not_sent == ""
    (task,) = tasks()
    assert task.status == "SUCCESSFUL" and task.return_value == service.Outcome.SENT

    # A restart, or the task run again by hand, sends nothing more.
    run_worker()
    assert service.deliver(check_in.pk, "http://x/") == service.Outcome.ALREADY_SENT
    assert len(mail.outbox) == 1


def test_after_the_48_hour_window_it_is_not_sent_late_but_marked_missed(
    portal: dict[str, Any], run_worker: Any
) -> None:
    check_in = closed_hours_ago(portal, 49)
    run_worker()

    assert mail.outbox == []
    check_in.refresh_from_db()
    assert check_in.sent_at is None and check_in.not_sent == NotSent.MISSED
    (task,) = tasks()
    assert task.return_value == service.Outcome.MISSED
    # The patient can still answer from the portal until it expires.
    assert service.pending_check_ins(portal["patient"]) == [check_in]
    # And the clinic sees that none went out.
    (unsent,) = service.not_sent(portal["home"], portal["practitioner"])
    assert unsent.check_in == check_in and "within 48 hours" in unsent.reason


def test_without_a_portal_account_nothing_is_sent_and_the_clinic_sees_why(
    portal: dict[str, Any], run_worker: Any
) -> None:
    from acuback.web.clinics.models import Patient

    eve = Patient.objects.create(
        clinic=portal["home"], given_name="Eve", family_name="Nash",
        date_of_birth=timezone.localdate() - timedelta(days=365 * 40), email="eve@example.org",
    )  # fmt: skip
    portal["eve"] = eve
    check_in = closed_hours_ago(portal, 1, patient="eve")
    # Before it is due the clinic already sees it will not go out.
    (unsent,) = service.not_sent(portal["home"])
    assert "no portal account" in unsent.reason

    hours_ago(check_in, 25)
    DBTaskResult.objects.update(run_after=timezone.now())
    run_worker()

    assert mail.outbox == []
    check_in.refresh_from_db()
    assert check_in.not_sent == NotSent.NO_ACCOUNT
    (task,) = tasks()
    assert task.return_value == service.Outcome.NO_ACCOUNT
    (unsent,) = service.not_sent(portal["home"], portal["practitioner"])
    assert unsent.reason == service.NOT_SENT_WORDS[NotSent.NO_ACCOUNT]
    # The Today page reads both lists at once, and gets the same.
    assert service.for_today(portal["home"], portal["practitioner"], timezone.now()) == (
        [],
        [unsent],
    )
    # Another clinic sees none of it.
    assert service.not_sent(portal["other"]) == []


class Refused(Exception):
    pass


def test_a_failed_send_gives_the_claim_back_and_a_retry_sends(
    portal: dict[str, Any], run_worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_in = closed_hours_ago(portal, 25)

    def refuse(self: Any, messages: Any) -> int:
        raise Refused("mail server said no")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    run_worker()

    assert mail.outbox == []
    check_in.refresh_from_db()
    assert check_in.sent_at is None and check_in.not_sent == ""
    failed, retry = tasks()
    assert failed.status == "FAILED" and "mail server said no" in failed.traceback
    assert retry.status == "READY" and retry.args_kwargs["args"] == [check_in.pk, 2]
    assert retry.run_after > timezone.now() + timedelta(minutes=9)

    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    assert len(mail.outbox) == 1
    check_in.refresh_from_db()
    assert check_in.sent_at is not None


def test_the_last_failed_try_says_the_email_could_not_be_sent(
    portal: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    check_in = closed_hours_ago(portal, 25)

    def refuse(self: Any, messages: Any) -> int:
        raise Refused("mail server said no")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(Refused):
        service.deliver(check_in.pk, "http://x/", attempt=service.MAX_ATTEMPTS)
    check_in.refresh_from_db()
    assert check_in.not_sent == NotSent.MAIL_FAILED and check_in.sent_at is None
    assert len(tasks()) == 1  # no further retry
    (unsent,) = service.not_sent(portal["home"])
    assert "could not be sent" in unsent.reason


def test_two_workers_at_once_send_one_email(portal: dict[str, Any]) -> None:
    check_in = closed_hours_ago(portal, 25)
    racers = 4
    barrier = threading.Barrier(racers, timeout=60)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def race() -> None:
        try:
            barrier.wait()
            outcomes.append(service.deliver(check_in.pk, "http://x/"))
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


def test_a_session_charted_days_later_is_asked_about_from_its_own_day(
    portal: dict[str, Any],
) -> None:
    """Closed 5 days after it took place: the 48-hour window is long gone, nothing is queued."""
    from acuback.web.care import service as care
    from tests.check_in_helpers import open_session

    session = open_session(portal["patient"], portal["practitioner"])
    session.day = timezone.localdate() - timedelta(days=5)
    session.save()
    care.close_session(session, portal["practitioner"])

    check_in = CheckIn.objects.get(session=session)
    assert check_in.not_sent == NotSent.MISSED
    assert check_in.due_at < session.closed - timedelta(days=3)
    assert tasks() == []
    (unsent,) = service.not_sent(portal["home"])
    assert "within 48 hours of the session" in unsent.reason


def test_a_check_in_whose_task_was_lost_is_queued_again_once(portal: dict[str, Any]) -> None:
    check_in = closed_hours_ago(portal, 1)
    assert service.schedule_missing() == 0
    DBTaskResult.objects.all().delete()  # as if the process stopped before the enqueue
    assert service.schedule_missing() == 1
    (task,) = tasks()
    assert task.run_after == check_in.due_at and task.args_kwargs["args"] == [check_in.pk, 1]
    assert service.schedule_missing() == 0


def test_the_worker_queues_a_check_in_whose_task_was_lost_and_sends_it(
    portal: dict[str, Any], run_worker: Any
) -> None:
    check_in = closed_hours_ago(portal, 30)
    DBTaskResult.objects.filter(task_path=send_check_in.module_path).delete()  # lost
    run_worker()
    check_in.refresh_from_db()
    assert check_in.sent_at is not None
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_the_check_in_goes_to_the_address_on_the_record_now(
    portal: dict[str, Any], run_worker: Any
) -> None:
    check_in = closed_hours_ago(portal, 30)
    patient = portal["patient"]
    patient.email = "ada.new@example.org"  # the clinic corrected it after the account began
    patient.save()
    run_worker()
    check_in.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["ada.new@example.org"]]
