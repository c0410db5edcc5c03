"""The patient search refuses what no name contains, with a message, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from acuback.web.audit.models import Action, AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def practitioner(clinics: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(clinics["practitioner"])
    return client


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fen\x00", "cannot contain control characters"),  # PostgreSQL: "cannot contain NUL"
        ("\x00", "cannot contain control characters"),
        ("fen\x07wick", "cannot contain control characters"),
        ("ada\nfenwick", "cannot contain control characters"),
        ("fen\x9b", "cannot contain control characters"),  # a C1 control
        ("f" * 101, "at most 100 characters"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_search_no_name_can_match_is_refused_with_a_message(
    clinics: dict[str, Any], query: str, message: str, htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    response = practitioner(clinics).get("/patients/", {"q": query}, headers=headers)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'role="alert"' in page
    assert "Fenwick" not in page
    assert ("<html" in page) is not htmx
    # The attempt is on the trail; the refused words are not.
    event = AuditEvent.objects.get(action=Action.VIEW, username="alice")
    assert event.what == "patient list (search refused)"
    assert "fen" not in event.path


def test_the_message_names_each_problem_once(clinics: dict[str, Any]) -> None:
    response = practitioner(clinics).get("/patients/", {"q": "fen\x00"})
    assert response.content.decode().count("cannot contain control characters") == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fen", b"Fenwick"),
        ("  Fenwick  ", b"Fenwick"),
        ("Ada Fen", b"Fenwick"),
        ("Fenwick\t", b"Fenwick"),  # whitespace at the ends is trimmed, not refused
        ("f" * 100, b"No patients match"),
    ],
)
def test_searches_within_the_limits_are_answered(
    clinics: dict[str, Any], query: str, expected: bytes
) -> None:
    response = practitioner(clinics).get("/patients/", {"q": query})
    assert response.status_code == 200
    assert expected in response.content
    assert AuditEvent.objects.filter(
        action=Action.VIEW, username="alice", what="patient list (search)"
    ).exists()


def test_the_plain_list_is_still_recorded_as_before(clinics: dict[str, Any]) -> None:
    response = practitioner(clinics).get("/patients/")
    assert response.status_code == 200 and b"Fenwick" in response.content
    assert AuditEvent.objects.filter(username="alice", what="patient list").count() == 1


@pytest.mark.browser
def test_the_browser_shows_why_a_search_was_refused(
    live_server: Any, page: Any, clinics: dict[str, Any]
) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/patients/")
    # A control character pasted into the box: htmx gets a 400 and still shows its message.
    page.fill("input[type=search]", "fen\x07wick")
    page.wait_for_selector("#patient-rows [role=alert]")
    assert "cannot contain control characters" in page.locator("#patient-rows").inner_text()
    page.fill("input[type=search]", "fen")
    page.wait_for_selector("#patient-rows >> text=Fenwick")
    assert page.locator("#patient-rows [role=alert]").count() == 0
