"""Errors answer with a styled page and a way back, never a bare server message."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.test_web_care import signed_in


@pytest.mark.django_db
def test_not_found_and_not_allowed_pages_offer_a_way_back(clinics: dict[str, Any]) -> None:
    missing = signed_in(clinics["practitioner"]).get("/patients/999999/")
    assert missing.status_code == 404
    assert b"Not found" in missing.content and b"Back to patients" in missing.content
    other = signed_in(clinics["practitioner"]).get(f"/patients/{clinics['other_patient'].pk}/")
    # Another clinic's patient looks exactly like one that does not exist.
    assert other.status_code == 404 and b"Not found" in other.content
    assert b"Lindqvist" not in other.content
    refused = signed_in(clinics["colleague"]).get(f"/patients/{clinics['patient'].pk}/intake/")
    assert refused.status_code == 403
    assert b"Not for your role" in refused.content and b"practitioners" in refused.content


@pytest.mark.django_db
def test_the_server_error_page_stands_on_its_own() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and b'href="/"' in response.content


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in() -> None:
    response = Client().get("/patients/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_a_citation_links_to_its_knowledge_page(clinics: dict[str, Any]) -> None:
    from django.urls import reverse

    client = signed_in(clinics["colleague"])  # reception may read the knowledge base
    page = client.get(reverse("knowledge-entry", args=["cherkin-2009"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cherkin" in text and "checked against the source" in text
    assert "Where acuback relies on it" in text
    seed = client.get(reverse("knowledge-entry", args=["004_6a26f83fca00681b.txt"]))
    assert seed.status_code == 200
    assert client.get(reverse("knowledge-entry", args=["no-such-entry"])).status_code == 404
    practitioner = signed_in(clinics["practitioner"])
    intake = practitioner.post(
        reverse("intake-new", args=[clinics["patient"].pk]),
        {"pain_duration_weeks": "20", "history": ["cancer"]},
    )
    detail = practitioner.get(intake["Location"]).content.decode()
    link = reverse("knowledge-entry", args=["henschke-2013"])
    assert f'href="{link}">Henschke 2013</a>' in detail
