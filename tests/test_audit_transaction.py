"""The audit row commits in the same transaction as the change it records."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from acuback.web.audit.models import Action, AuditEvent
from tests.conftest import PASSWORD


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


class AuditWriteFailed(Exception):
    pass


def test_a_change_whose_audit_row_fails_is_not_saved(
    clinics: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = clinics["patient"]
    client = signed_in(clinics["colleague"])
    url = reverse("patient-edit", args=[patient.pk])
    data = {
        key: value
        for key, value in client.get(url).context["form"].initial.items()
        if value is not None
    }
    data.update(given_name="Ada", family_name="Fenwick", date_of_birth="1968-04-12",
                phone="0113 496 0999")  # fmt: skip

    def refuse(self: AuditEvent, *args: Any, **kwargs: Any) -> None:
        raise AuditWriteFailed("the audit table is full")

    monkeypatch.setattr(AuditEvent, "save", refuse)
    with pytest.raises(AuditWriteFailed):
        client.post(url, data)
    patient.refresh_from_db()
    assert patient.phone == ""
    monkeypatch.undo()
    # The same edit goes through once the audit row can be written.
    assert client.post(url, data).status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "01134960999"
    assert AuditEvent.objects.filter(action=Action.CHANGE, patient_id=patient.pk).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "method, atomic",
    [("GET", False), ("HEAD", False), ("POST", True), ("PUT", True), ("DELETE", True)],
)
def test_changes_run_in_one_transaction_and_reads_take_no_write_lock(
    method: str, atomic: bool
) -> None:
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory

    from acuback.web.transactions import AtomicChangesMiddleware

    seen: list[bool] = []

    def view(request: Any) -> HttpResponse:
        seen.append(connection.in_atomic_block)
        return HttpResponse("ok")

    middleware = AtomicChangesMiddleware(lambda request: HttpResponse())
    request = RequestFactory().generic(method, "/")
    found = middleware.process_view(request, view, (), {})
    if found is None:  # a read: Django calls the view itself, in autocommit
        found = view(request)
    assert found.status_code == 200 and seen == [atomic]
