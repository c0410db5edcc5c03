"""Shared fixtures: two clinics, an owner-style practitioner, a colleague and an outsider."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# A transactional test ends with Django's flush of every table; the audit table's triggers
# refuse it anywhere but here (acuback.web.audit.triggers).
from acuback.web.audit import triggers as _audit_triggers  # noqa: E402  (no Django import)

_audit_triggers.TEST_FLUSH_ALLOWED = True

PASSWORD = "correct-horse-battery-staple"

DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the second database (scripts/test.sh sets ACUBACK_TEST_SCOPE=database), only the
    tests that touch a database run again, and no browser test.

    The engine, the knowledge base and the command-line contract have no database, so a
    second run would repeat them exactly. The browser tests drive the same pages over the
    same views whose queries the database tests already run on both; they are the slowest
    part of the suite, and `make test` has to stay under half an hour on two cores.
    """
    if os.environ.get("ACUBACK_TEST_SCOPE") != "database":
        return
    keep, drop = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        in_browser = item.get_closest_marker("browser") is not None or "browser" in set(
            getattr(item, "fixturenames", ())
        )
        (keep if uses_database and not in_browser else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 as in production, at the smallest cost: the production parameters take a
    quarter of a second per hash, and nearly every test makes four staff accounts. The
    algorithm, the stored format and every check on it stay the same."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing() -> Iterator[None]:
    from django.test import override_settings

    with override_settings(
        PASSWORD_HASHERS=[
            "tests.conftest.QuickArgon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        yield


@pytest.fixture
def clinics(db: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from acuback.web.clinics.models import Clinic, Membership, Patient, Role

    user_model = get_user_model()
    home = Clinic.objects.create(name="Home Clinic", slug="home")
    other = Clinic.objects.create(name="Other Clinic", slug="other")

    def member(username: str, clinic: Clinic, role: Role) -> Any:
        user = user_model.objects.create_user(username=username, password=PASSWORD)
        Membership.objects.create(user=user, clinic=clinic, role=role)
        return user

    return {
        "home": home,
        "other": other,
        "practitioner": member("alice", home, Role.PRACTITIONER),
        "colleague": member("bob", home, Role.RECEPTION),
        "outsider": member("charlie", other, Role.PRACTITIONER),
        "admin": member("dora", home, Role.ADMIN),
        "patient": Patient.objects.create(
            clinic=home, given_name="Ada", family_name="Fenwick", date_of_birth=date(1968, 4, 12)
        ),
        "other_patient": Patient.objects.create(
            clinic=other, given_name="Ivo", family_name="Lindqvist", date_of_birth=date(1955, 6, 30)
        ),
    }


@pytest.fixture
def run_worker() -> Iterator[Any]:
    """Run the real `acuback worker --batch` once over the queue, in this process.

    The worker installs its own signal handlers; they are put back afterwards.
    """
    import signal

    from typer.testing import CliRunner

    from acuback.cli import app

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run() -> None:
        result = CliRunner().invoke(app, ["worker", "--batch"], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    yield run
    for number, handler in saved.items():
        signal.signal(number, handler)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: scripts/ensure-chromium.sh installs it")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # The machine has no outside network: keep Chromium from trying.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
