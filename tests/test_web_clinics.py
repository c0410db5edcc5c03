"""The clinic web layer: sign-in, clinic scoping, and the JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_login_page_is_served_and_anonymous_users_are_sent_to_it() -> None:
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    assert b"csrfmiddlewaretoken" in page.content
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_wrong_password_keeps_the_username_and_says_why(clinics: dict[str, Any]) -> None:
    response = Client().post("/login/", {"username": "alice", "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert b"do not match" in response.content
    assert b'value="alice"' in response.content


def test_passwords_are_hashed_with_argon2(clinics: dict[str, Any]) -> None:
    assert clinics["practitioner"].password.startswith("argon2")


def test_patient_list_shows_only_the_users_clinic(clinics: dict[str, Any]) -> None:
    response = signed_in(clinics["practitioner"]).get("/patients/")
    assert response.status_code == 200
    assert b"Fenwick" in response.content
    assert b"Lindqvist" not in response.content


def test_search_returns_matching_rows_only_for_htmx(clinics: dict[str, Any]) -> None:
    client = signed_in(clinics["colleague"])
    rows = client.get("/patients/", {"q": "fen"}, headers={"HX-Request": "true"})
    assert b"Fenwick" in rows.content
    assert b"<html" not in rows.content
    none = client.get("/patients/", {"q": "zzz"}, headers={"HX-Request": "true"})
    assert b"No patients match" in none.content


def test_colleague_in_the_same_clinic_sees_the_patient(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    response = signed_in(clinics["colleague"]).get(f"/patients/{patient.pk}/")
    assert response.status_code == 200
    assert b"Fenwick" in response.content


def test_another_clinics_patient_answers_404_not_403(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    response = signed_in(clinics["outsider"]).get(f"/patients/{patient.pk}/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_api_health_and_openapi() -> None:
    client = Client()
    health = client.get("/api/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/health" in schema.json()["paths"]


@pytest.mark.django_db
def test_the_database_is_the_one_the_environment_names() -> None:
    import os

    from django.db import connection

    url = os.environ.get("ACUBACK_DATABASE_URL", "sqlite:")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
def test_stylesheet_and_htmx_are_served_without_debug() -> None:
    client = Client()
    page = client.get("/login/").content.decode()
    assert "/static/acuback/site.css" in page
    assert client.get("/static/acuback/site.css").status_code == 200
    htmx = page.split('<script src="')[1].split('"')[0]
    assert client.get(htmx).status_code == 200
