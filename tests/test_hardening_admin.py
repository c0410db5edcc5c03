"""The Django admin's clinic pages: a clinic admin sees and edits only their own clinic."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def admin_client(clinics: dict[str, Any]) -> Client:
    # A real clinic admin: role admin and staff, as `acuback demo` makes them.
    user = clinics["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_clinic_list_shows_the_admins_own_clinic_only(clinics: dict[str, Any]) -> None:
    response = admin_client(clinics).get("/admin/clinics/clinic/")
    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [clinics["home"].pk]
    assert b"Home Clinic" in response.content
    assert b"Other Clinic" not in response.content


def test_the_admin_opens_and_renames_their_own_clinic(clinics: dict[str, Any]) -> None:
    client = admin_client(clinics)
    url = f"/admin/clinics/clinic/{clinics['home'].pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'value="Home Clinic"' in page.content
    saved = client.post(url, {"name": "Home Back Clinic", "slug": "home", "paper_size": "A4"})
    assert saved.status_code == 302
    clinics["home"].refresh_from_db()
    assert clinics["home"].name == "Home Back Clinic"


def test_another_clinics_page_is_not_found_and_shows_nothing(clinics: dict[str, Any]) -> None:
    client = admin_client(clinics)
    url = f"/admin/clinics/clinic/{clinics['other'].pk}/change/"
    response = client.get(url, follow=True)
    # The admin sends a missing object back to its index with a message; no 500, no data.
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert response.status_code == 200
    assert b"Other Clinic" not in response.content
    assert b"doesn\xe2\x80\x99t exist" in response.content
    refused = client.post(url, {"name": "Taken over", "slug": "other"})
    assert refused.status_code == 302
    clinics["other"].refresh_from_db()
    assert clinics["other"].name == "Other Clinic"


def test_a_superuser_still_sees_every_clinic(clinics: dict[str, Any]) -> None:
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x-unused-x")
    client = Client()
    client.force_login(root)
    response = client.get("/admin/clinics/clinic/")
    assert response.status_code == 200
    assert {c.slug for c in response.context["cl"].result_list} == {"home", "other"}
