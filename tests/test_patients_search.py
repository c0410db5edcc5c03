"""One search box finds patients by name words, date of birth or phone digits."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.clinics.models import Patient
from acuback.web.clinics.service import (
    PatientQuery,
    PhoneNotValid,
    SearchNotUnderstood,
    fold,
    normalise_phone,
    read_search,
)


@pytest.fixture
def people(clinics: dict[str, Any]) -> dict[str, Any]:
    ada = clinics["patient"]  # Ada Fenwick, 12 Apr 1968
    ada.phone = "+447700900112"
    ada.save()
    # Born 4 Dec 1968: 12/04/1968 read month-first would find her instead of Ada.
    december = Patient.objects.create(
        clinic=clinics["home"], given_name="Bea", family_name="Decker",
        date_of_birth=date(1968, 12, 4), phone="01134960777",
    )  # fmt: skip
    other = clinics["other_patient"]  # Ivo Lindqvist of the other clinic
    other.phone = "+447700900112"  # the same number, in another clinic
    other.save()
    return {"ada": ada, "december": december, "other": other}


def search(clinics: dict[str, Any], query: str, who: str = "colleague") -> Any:
    client = Client()
    client.force_login(clinics[who])
    return client.get("/patients/", {"q": query}, headers={"HX-Request": "true"})


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("fenwick", "Fenwick", "Decker"),
        ("ADA fen", "Fenwick", "Decker"),
        ("1968-04-12", "Fenwick", "Decker"),
        ("12/04/1968", "Fenwick", "Decker"),  # day first
        ("12.04.1968", "Fenwick", "Decker"),
        ("4/12/1968", "Decker", "Fenwick"),
        ("Fenwick 12.04.1968", "Fenwick", "Decker"),
        ("07700 900112", "Fenwick", "Decker"),  # national form of +44 7700 900112
        ("+44 7700 900112", "Fenwick", "Decker"),
        ("900-112", "Fenwick", "Decker"),
        ("0112", "Fenwick", "Decker"),  # four digits are enough
        ("(0113) 496 0777", "Decker", "Fenwick"),
        ("4960777", "Decker", "Fenwick"),
    ],
)
def test_one_box_finds_by_name_date_of_birth_or_phone(
    people: dict[str, Any], clinics: dict[str, Any], query: str, found: str, not_found: str
) -> None:
    response = search(clinics, query)
    assert response.status_code == 200
    rows = response.content.decode()
    assert found in rows and not_found not in rows
    assert "Lindqvist" not in rows  # the other clinic's patient shares Ada's number


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("112", "at least 4 digits"),
        ("31/02/1968", "is not a date"),
        ("Fenwick 1968-13-01", "is not a date"),
    ],
)
def test_a_search_that_cannot_be_read_says_what_to_type(
    people: dict[str, Any], clinics: dict[str, Any], query: str, message: str
) -> None:
    response = search(clinics, query)
    assert response.status_code == 400
    rows = response.content.decode()
    assert message in rows and 'role="alert"' in rows
    assert "Fenwick</a>" not in rows


def test_an_empty_result_and_a_miss_by_date(
    people: dict[str, Any], clinics: dict[str, Any]
) -> None:
    assert b"No patients match" in search(clinics, "01/01/2000").content
    assert b"No patients match" in search(clinics, "5550000").content


def test_the_list_shows_phones_and_the_register_button(
    people: dict[str, Any], clinics: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(clinics["colleague"])
    page = client.get("/patients/").content.decode()
    assert "<th>Phone</th>" in page
    assert "+447700900112" in page and "01134960777" in page
    assert 'href="/patients/new/"' in page and "Register a patient" in page


def test_search_words_and_numbers_stay_out_of_the_trail(
    people: dict[str, Any], clinics: dict[str, Any]
) -> None:
    for query in ("07700 900112", "12/04/1968", "fenwick"):
        assert search(clinics, query).status_code == 200
    events = AuditEvent.objects.filter(action=Action.VIEW, username="bob")
    assert [e.what for e in events] == ["patient list (search)"] * 3
    for event in events:
        assert "900112" not in event.path and "1968" not in event.path
        assert "fenwick" not in event.path.lower()
        assert event.clinic == clinics["home"]


def test_reading_the_search_box() -> None:
    assert read_search("") == PatientQuery()
    assert read_search(" Ada  12.04.1968 ") == PatientQuery(("Ada",), (date(1968, 4, 12),), ())
    assert read_search("+44 (0) 7700-900112") == PatientQuery(phones=("4407700900112",))
    assert read_search("O'Brien 07700") == PatientQuery(names=("O'Brien",), phones=("07700",))
    with pytest.raises(SearchNotUnderstood):
        read_search("29/02/1967")
    assert read_search("29/02/1968").births == (date(1968, 2, 29),)


def test_phones_are_normalised_and_names_folded() -> None:
    assert normalise_phone(" +44 (0)7700 900-123 ") == "+4407700900123"
    assert normalise_phone("0113.496.0000") == "01134960000"
    assert normalise_phone("") == ""
    with pytest.raises(PhoneNotValid):
        normalise_phone("+12 345")
    assert fold("  Zoë   ÅNGSTRÖM ") == "zoe angstrom"


def test_names_are_found_without_their_accents_or_case(clinics: dict[str, Any]) -> None:
    Patient.objects.create(
        clinic=clinics["home"], given_name="Zoë", family_name="Ångström",
        date_of_birth=date(1990, 5, 1),
    )  # fmt: skip
    for query in ("zoe", "ZOË", "ångström", "ANGST", "zoe ang"):
        rows = search(clinics, query).content.decode()
        assert "Ångström, Zoë" in rows, query
        assert "Fenwick" not in rows
