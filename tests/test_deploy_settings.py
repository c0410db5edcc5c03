"""Settings and middleware for a deployment behind a TLS proxy (issue 13).

ACUBACK_HTTPS is read when the settings load, so those checks run the real command in a
subprocess; the middleware is exercised through the test client.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from acuback.web.audit.models import AuditEvent
from acuback.web.security import LAST_SEEN
from tests.conftest import PASSWORD
from tests.portal_helpers import portal

__all__ = ["portal"]

ACUBACK = str(Path(sys.executable).parent / "acuback")
HOSTS = "records.clinic.example,.group.example"


def acuback(tmp_path: Path, *args: str, https: bool = True) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "ACUBACK_VAR_DIR": str(tmp_path),
        "ACUBACK_SECRET_KEY": secrets.token_urlsafe(50),
        "ACUBACK_ALLOWED_HOSTS": HOSTS,
        "ACUBACK_HTTPS": "1" if https else "",
    }
    # The browser tests set this for Playwright; no deployment has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [ACUBACK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_passes_with_https_on_and_fails_without(tmp_path: Path) -> None:
    done = acuback(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout
    plain = acuback(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING", https=False)
    assert plain.returncode != 0
    assert "SECURE_SSL_REDIRECT" in plain.stderr


def test_https_turns_on_secure_cookies_hsts_the_proxy_header_and_trusted_origins(
    tmp_path: Path,
) -> None:
    names = [
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS",
    ]  # fmt: skip
    script = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    done = acuback(tmp_path, "manage", "shell", "-c", script)
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CSRF_TRUSTED_ORIGINS"] == [
        "https://records.clinic.example",
        "https://*.group.example",
    ]


HTTPS_SETTINGS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "ALLOWED_HOSTS": ["records.clinic.example"],
    "CSRF_TRUSTED_ORIGINS": ["https://records.clinic.example"],
}


def test_through_the_tls_proxy_a_form_post_signs_in_and_plain_http_is_redirected(
    clinics: dict[str, Any], settings: Any
) -> None:
    for name, value in HTTPS_SETTINGS.items():
        setattr(settings, name, value)
    browser = Client(enforce_csrf_checks=True, HTTP_HOST="records.clinic.example")
    assert browser.get("/login/").status_code == 301  # no X-Forwarded-Proto: plain http
    proxied = {"HTTP_X_FORWARDED_PROTO": "https"}
    form = browser.get("/login/", **proxied)
    assert form.status_code == 200
    token = form.cookies["csrftoken"]
    assert token["secure"]
    signed = browser.post(
        "/login/",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token.value},
        HTTP_ORIGIN="https://records.clinic.example",
        **proxied,
    )
    assert signed.status_code == 302, signed.status_code
    assert signed.cookies["sessionid"]["secure"]


def test_behind_a_trusted_proxy_the_audit_trail_records_the_client_not_the_proxy(
    clinics: dict[str, Any], settings: Any
) -> None:
    settings.ACUBACK_TRUSTED_PROXIES = ["10.0.0.2"]
    patient = clinics["patient"]
    forwarded = "6.6.6.6, 203.0.113.7"  # the first entry is the client's own claim
    via_proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    via_proxy.force_login(clinics["practitioner"])
    assert via_proxy.get(f"/patients/{patient.pk}/").status_code == 200
    direct = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=forwarded)
    direct.force_login(clinics["practitioner"])
    assert direct.get(f"/patients/{patient.pk}/").status_code == 200
    addresses = list(
        AuditEvent.objects.filter(path=f"/patients/{patient.pk}/")
        .order_by("pk")
        .values_list("ip_address", flat=True)
    )
    assert addresses == ["203.0.113.7", "198.51.100.9"]


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(clinics: dict[str, Any]) -> None:
    patient = clinics["patient"]
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    client.force_login(clinics["practitioner"])
    client.get(f"/patients/{patient.pk}/")
    event = AuditEvent.objects.filter(path=f"/patients/{patient.pk}/").get()
    assert event.ip_address == "10.0.0.2"


def _routes() -> list[tuple[str, str, dict[str, Any]]]:
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                route = prefix + str(entry.pattern)
                found.append((entry.name, route, getattr(entry.pattern, "converters", {})))

    walk(get_resolver().url_patterns, "")
    return found


def _path(route: str, converters: dict[str, Any], number: int) -> str | None:
    if "(" in route or "^" in route:
        return None  # a regular expression (the admin's): its own tests cover it
    for name, converter in converters.items():
        value = number if type(converter).__name__ == "IntConverter" else "x"
        for kind in ("int", "str", "slug", "uuid", "path"):
            route = route.replace(f"<{kind}:{name}>", str(value))
        route = route.replace(f"<{name}>", str(value))
    return "/" + route


ROUTES = [r for r in _routes() if "<" not in (_path(r[1], r[2], 1) or "<")]


def test_every_answer_to_signed_in_staff_is_no_store(clinics: dict[str, Any]) -> None:
    client = Client()
    client.force_login(clinics["practitioner"])
    patient = clinics["patient"].pk
    checked = 0
    for name, route, converters in ROUTES:
        path = _path(route, converters, patient)
        if path is None or name in {"logout", "portal-logout"}:
            continue
        answer = client.get(path)
        assert "no-store" in answer.get("Cache-Control", ""), (name, path, answer.status_code)
        checked += 1
    assert checked > 60


def test_every_portal_answer_to_a_signed_in_patient_is_no_store(portal: dict[str, Any]) -> None:
    client = Client()
    client.force_login(portal["ada"])
    for name, route, converters in ROUTES:
        path = _path(route, converters, portal["patient"].pk)
        if path is None or not route.startswith("portal/") or "logout" in name:
            continue
        answer = client.get(path)
        assert "no-store" in answer.get("Cache-Control", ""), (name, path, answer.status_code)


def test_private_paths_are_no_store_without_a_session_and_public_pages_stay_cacheable(
    db: Any,
) -> None:
    visitor = Client()
    for path in ("/api/docs", "/fhir/metadata", "/portal/", "/documents/invoices/1.pdf"):
        assert "no-store" in visitor.get(path).get("Cache-Control", ""), path
    for path in ("/questions/", "/evidence/", "/static/acuback/site.css"):
        answer = visitor.get(path)
        assert answer.status_code == 200, path
        assert "no-store" not in answer.get("Cache-Control", ""), path


def test_a_session_idle_longer_than_the_limit_is_signed_out(
    clinics: dict[str, Any], settings: Any
) -> None:
    settings.ACUBACK_IDLE_MINUTES = 30
    client = Client()
    client.force_login(clinics["practitioner"])
    assert client.get("/patients/").status_code == 200
    first = client.session[LAST_SEEN]
    assert abs(first - time.time()) < 5
    # A second request within the minute does not write the session again.
    session = client.session
    session[LAST_SEEN] = first - 30
    session.save()
    assert client.get("/patients/").status_code == 200
    assert client.session[LAST_SEEN] == first - 30
    # 29 minutes idle: still signed in, and the time of activity moves on.
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/patients/").status_code == 200
    assert abs(client.session[LAST_SEEN] - time.time()) < 5
    # 31 minutes idle: signed out, sent to sign in again.
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    answer = client.get("/patients/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert client.get("/patients/").status_code == 302
