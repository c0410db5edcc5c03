"""Long lists come a page at a time: the patient list (search kept) and the timeline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from acuback.web.care.models import ScoreRecord, ScoreSource
from acuback.web.clinics.models import Patient, PatientNameWord
from acuback.web.clinics.views import PATIENTS_PER_PAGE
from tests.browser_helpers import WIDTHS, check_page, no_serious_accessibility_problem, sign_in
from tests.check_in_helpers import a_plan


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def many_patients(clinics: dict[str, Any], count: int, family: str) -> None:
    made = Patient.objects.bulk_create(
        Patient(
            clinic=clinics["home"],
            given_name=f"Pat{n:03d}",
            family_name=family,
            name_folded=f"pat{n:03d} {family.lower()}",
            date_of_birth=date(1960, 1, 1) + timedelta(days=n),
        )  # fmt: skip
        for n in range(count)
    )
    PatientNameWord.index(made)  # bulk_create skips save(), which keeps the search words


def test_the_patient_list_shows_fifty_a_page_with_the_total(clinics: dict[str, Any]) -> None:
    many_patients(clinics, 120, "Zed")  # with Ada: 121 patients, three pages
    client = signed_in(clinics["colleague"])
    first = client.get("/patients/")
    assert len(first.context["patients"]) == PATIENTS_PER_PAGE == 50
    html = first.content.decode()
    assert "Page 1 of 3 · 121 patients" in html
    assert 'href="?page=2"' in html and "Previous page" not in html
    last = client.get("/patients/", {"page": "3"})
    assert len(last.context["patients"]) == 21
    assert "Page 3 of 3" in last.content.decode()
    # A page past the end, or no number at all, still shows a page of patients.
    assert client.get("/patients/", {"page": "99"}).context["page"].number == 3
    assert client.get("/patients/", {"page": "x"}).context["page"].number == 1


def test_the_page_links_keep_the_search(clinics: dict[str, Any]) -> None:
    many_patients(clinics, 60, "Quill")
    many_patients(clinics, 60, "Zed")
    client = signed_in(clinics["colleague"])
    html = client.get("/patients/", {"q": "quill"}).content.decode()
    assert "Page 1 of 2 · 60 patients" in html
    assert 'href="?q=quill&amp;page=2"' in html
    second = client.get("/patients/", {"q": "quill", "page": "2"})
    names = {p.family_name for p in second.context["patients"]}
    assert names == {"Quill"} and len(second.context["patients"]) == 10


def test_the_timeline_pages_newest_first(clinics: dict[str, Any]) -> None:
    ada, alice = clinics["patient"], User.objects.get(username="alice")
    a_plan(ada, alice)  # an intake (with its baseline score) and a plan
    for n in range(60):
        ScoreRecord.objects.create(
            clinic=clinics["home"], patient=ada, created_by=alice, instrument="nrs",
            value=n % 10, day=date(2026, 1, 1) + timedelta(days=n), source=ScoreSource.CLINIC,
        )  # fmt: skip
    client = signed_in(alice)
    first = client.get(f"/patients/{ada.pk}/")
    page = first.context["timeline_page"]
    total = page.total
    standalone_scores = ScoreRecord.objects.filter(patient=ada, session__isnull=True).count()
    assert standalone_scores >= 60
    assert total == standalone_scores + 2  # and the intake and the plan
    assert page.number == 1 and page.pages == -(-total // 25) and len(page.entries) == 25
    days = [e.day for e in page.entries]
    assert days == sorted(days, reverse=True)
    html = first.content.decode()
    assert f"Page 1 of {page.pages} ({total} entries)" in html
    assert 'href="?timeline=2#timeline"' in html
    last = client.get(f"/patients/{ada.pk}/", {"timeline": str(page.pages)}).context
    last_page = last["timeline_page"]
    assert len(last_page.entries) == total - 25 * (page.pages - 1)
    # Every entry appears on exactly one page.
    seen = [
        (e.kind, e.pk)
        for n in range(1, page.pages + 1)
        for e in client.get(f"/patients/{ada.pk}/", {"timeline": str(n)}).context["timeline"]
    ]
    assert len(seen) == len(set(seen)) == total


def test_a_short_timeline_shows_its_only_page_for_any_page_asked(
    clinics: dict[str, Any],
) -> None:
    ada, alice = clinics["patient"], User.objects.get(username="alice")
    a_plan(ada, alice)
    for n in range(3):
        ScoreRecord.objects.create(
            clinic=clinics["home"], patient=ada, created_by=alice, instrument="nrs",
            value=n, day=date(2026, 1, 1) + timedelta(days=n), source=ScoreSource.CLINIC,
        )  # fmt: skip
    standalone_scores = ScoreRecord.objects.filter(patient=ada, session__isnull=True).count()
    client = signed_in(alice)
    for asked in ("1", "9"):  # a page past the end shows the last (here the only) one
        page = client.get(f"/patients/{ada.pk}/", {"timeline": asked}).context["timeline_page"]
        assert (page.number, page.pages, page.total) == (1, 1, standalone_scores + 2)
        assert len(page.entries) == standalone_scores + 2


@pytest.mark.browser
def test_the_page_links_read_well_at_both_widths(
    live_server: Any, browser: Any, clinics: dict[str, Any]
) -> None:
    many_patients(clinics, 70, "Quill")
    ada, alice = clinics["patient"], User.objects.get(username="alice")
    a_plan(ada, alice)
    for n in range(30):
        ScoreRecord.objects.create(
            clinic=clinics["home"], patient=ada, created_by=alice, instrument="nrs",
            value=n % 10, day=date(2026, 1, 1) + timedelta(days=n), source=ScoreSource.CLINIC,
        )  # fmt: skip
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/patients/?q=quill")
        page.get_by_role("link", name="Next page").click()
        page.wait_for_url("**page=2")
        assert "Page 2 of 2 · 70 patients" in page.inner_text("main")
        assert "page=2" in page.url and "q=quill" in page.url
        check_page(page, f"patient-list-page-2-{width_name}")
        no_serious_accessibility_problem(page)
        page.goto(f"{live_server.url}/patients/{ada.pk}/")
        page.get_by_role("link", name="Older").click()
        page.wait_for_url("**timeline=2**")
        assert "Page 2 of 2" in page.locator("#timeline ~ nav").inner_text()
        check_page(page, f"patient-timeline-page-2-{width_name}")
        no_serious_accessibility_problem(page)
        context.close()
