"""The public /self-check/ page: no sign-in, POST only for answers, nothing stored.

Source: issue 11 (self-check stored nowhere: no model, no session, no audit row, no log
line; `Cache-Control: no-store`; links to nothing inside the staff app).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from acuback.clinical import self_check

pytestmark = pytest.mark.django_db

URL = "/self-check/"
PUBLIC_PAGES = ("/ask/", "/questions/", "/evidence/", "/practitioners/", "/home-visits/", "/costs/")


def answers(**override: str) -> dict[str, str]:
    data = {key: "no" for key in self_check.QUESTIONS}
    data.update(age="18_49", duration="over_3_months")
    data.update(override)
    return data


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_the_questions_need_no_account_and_are_not_cached() -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Is acupuncture suitable for my back pain?" in body
    assert 'method="post"' in body
    for question in self_check.QUESTIONS.values():
        assert f'name="{question.key}"' in body
    # Red flags are asked before pregnancy, medicines and implants.
    assert body.index('name="saddle_numbness"') < body.index('name="pregnant"')


def test_answers_are_stored_nowhere(caplog: pytest.LogCaptureFixture, clinics: Any) -> None:
    client = Client()
    before = row_counts()
    assert sum(before.values()) > 0  # the clinics fixture wrote rows, so counting works
    with caplog.at_level(logging.DEBUG):
        emergency = client.post(URL, answers(saddle_numbness="yes", pregnant="yes"))
        plain = client.post(URL, answers())
        incomplete = {**answers(bowel="yes"), "fever": ""}
        assert client.post(URL, incomplete).status_code == 400
    assert emergency.status_code == plain.status_code == 200
    assert row_counts() == before
    assert "no-store" in emergency["Cache-Control"] and "no-store" in plain["Cache-Control"]
    assert "sessionid" not in client.cookies
    logged = " ".join(record.getMessage() for record in caplog.records)
    for answer in ("saddle", "pregnant", "bowel", "yes"):
        assert answer not in logged


@pytest.mark.parametrize(
    ("override", "heading"),
    [
        ({"bladder": "yes"}, "Get help now"),
        ({"blood_thinners": "yes"}, "Talk to your doctor first"),
        ({}, "It may suit you: discuss it with a practitioner"),
    ],
)
def test_each_outcome_in_plain_words_with_sources(override: dict[str, str], heading: str) -> None:
    response = Client().post(URL, answers(**override))
    body = response.content.decode()
    assert f'<h1 id="result-heading">{heading}</h1>' in body
    assert "does not tell you what is causing your pain" in body
    assert "Source: seed article 002" in body
    # No knowledge-base codes or triage levels on screen.
    text = re.sub(r"<[^>]+>", " ", body)
    for code in ("rf-", "ci-", "urgent_referral", "physician_clearance", ".txt"):
        assert code not in text


def test_red_flag_result_puts_the_emergency_first() -> None:
    body = (
        Client().post(URL, answers(fever="yes", legs_weak="yes", pacemaker="yes")).content.decode()
    )
    assert body.index("Get help now") < body.index("Call emergency services")
    assert body.index("Call emergency services") < body.index("nerves at the bottom")
    # Only the emergency is explained: the pacemaker would only distract now.
    assert "pacemaker" not in body


def test_a_missing_answer_is_marked_and_the_others_kept() -> None:
    data = answers(pacemaker="yes")
    del data["fever"]
    response = Client().post(URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "One question has no answer yet" in body
    assert 'href="#q-fever"' in body
    assert 'name="pacemaker" value="yes" checked' in body


def test_links_to_nothing_in_the_staff_app_even_when_signed_in(clinics: Any) -> None:
    client = Client()
    client.force_login(clinics["practitioner"])
    pages = [client.get(URL), client.post(URL, answers()), client.post(URL, answers(bowel="yes"))]
    for response in pages:
        body = response.content.decode()
        for href in re.findall(r'href="([^"]*)"', body):
            # The public pages' shared navigation, and nothing else.
            assert href.startswith(("/static/", URL, "#", *PUBLIC_PAGES)), href
        for staff in ("Patients", "Appointments", "Sign out", "Today"):
            assert f">{staff}<" not in body


def test_other_methods_are_refused() -> None:
    assert Client().put(URL).status_code == 405


def test_answers_in_the_address_are_ignored() -> None:
    # Answers never travel in a URL, where browser history and server logs would keep them.
    response = Client().get(URL, answers(bladder="yes"))
    body = response.content.decode()
    assert "Get help now" not in body
    assert 'name="bladder" value="yes" checked' not in body
