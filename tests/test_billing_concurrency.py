"""Receptionists click "Issue invoice" at the same moment. One visit gets one invoice; many
visits get numbers 1..n with none repeated or skipped. Runs on SQLite (IMMEDIATE) and
PostgreSQL (row lock on the clinic's counter)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from acuback.web.billing.models import Invoice
from tests.billing_helpers import priced, visit
from tests.concurrency import all_at_once, simultaneous


@pytest.mark.django_db(transaction=True)
def test_simultaneous_issues_for_one_visit_make_one_invoice(clinics: dict[str, Any]) -> None:
    priced(clinics["home"])
    done = visit(clinics)
    url = reverse("invoice-issue", args=[done.pk])
    responses = simultaneous(8, lambda client: client.post(url), user=clinics["colleague"])
    assert [r.status_code for r in responses] == [302] * 8
    invoice = Invoice.objects.get()
    assert invoice.number == 1
    # Every click lands on the one invoice: seven of them are told it already existed.
    assert {r.url for r in responses} == {reverse("invoice-detail", args=[invoice.pk])}


@pytest.mark.django_db(transaction=True)
def test_simultaneous_issues_for_many_visits_number_them_without_gaps_or_repeats(
    clinics: dict[str, Any],
) -> None:
    priced(clinics["home"])
    visits = [visit(clinics, hour=8 + i) for i in range(8)]
    urls = [reverse("invoice-issue", args=[v.pk]) for v in visits]
    responses = all_at_once(
        [lambda client, url=url: client.post(url) for url in urls], user=clinics["colleague"]
    )
    assert [r.status_code for r in responses] == [302] * 8
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 9))
    assert set(Invoice.objects.values_list("appointment_id", flat=True)) == {v.pk for v in visits}
