"""Sign-in throttling: an attempt is counted before its password is checked, atomically."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db.models import F
from django.test import Client
from django.urls import reverse

from acuback.web.audit.models import Action, AuditEvent, SignInThrottle
from acuback.web.audit.service import LOGIN_ATTEMPTS, LOGIN_LOCKOUT
from tests.concurrency import all_at_once, simultaneous
from tests.conftest import PASSWORD

WRONG = "not-the-password"
LOCKED = "Too many failed sign-ins"


class HashCounter:
    """Counts Argon2 work: passwords verified, and the hash an unknown account name costs."""

    def __init__(self) -> None:
        self.verified = 0
        self.hashed = 0
        self._lock = threading.Lock()

    def wrap(self, method: Callable[..., Any], counter: str) -> Callable[..., Any]:
        def counted(hasher: Any, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                setattr(self, counter, getattr(self, counter) + 1)
            return method(hasher, *args, **kwargs)

        return counted


@pytest.fixture
def argon2(monkeypatch: pytest.MonkeyPatch) -> HashCounter:
    counter = HashCounter()
    monkeypatch.setattr(
        Argon2PasswordHasher, "verify", counter.wrap(Argon2PasswordHasher.verify, "verified")
    )
    monkeypatch.setattr(
        Argon2PasswordHasher, "encode", counter.wrap(Argon2PasswordHasher.encode, "hashed")
    )
    return counter


def sign_in(username: str, password: str, address: str = "127.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("home")


# Simultaneous attempts -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_wrong_passwords_check_only_five(
    clinics: dict[str, Any], argon2: HashCounter
) -> None:
    # Forty addresses, so that only the account's own limit can hold them back.
    def attempt(i: int) -> Callable[[Client], Any]:
        return lambda client: client.post(
            "/login/", {"username": "alice", "password": WRONG}, REMOTE_ADDR=f"10.1.0.{i}"
        )

    responses = all_at_once([attempt(i) for i in range(40)])

    assert argon2.verified == LOGIN_ATTEMPTS
    assert {r.status_code for r in responses} == {200}
    pages = [r.content.decode() for r in responses]
    assert sum("do not match" in p for p in pages) == LOGIN_ATTEMPTS
    assert sum(LOCKED in p for p in pages) == 40 - LOGIN_ATTEMPTS

    right = sign_in("alice", PASSWORD, address="10.2.0.1")
    assert not signed_in(right)
    assert LOCKED in right.content.decode()
    assert argon2.verified == LOGIN_ATTEMPTS  # refused without a look at the password

    home = clinics["home"]
    failed = AuditEvent.objects.filter(action=Action.LOGIN_FAILED, username="alice")
    assert failed.count() == LOGIN_ATTEMPTS and {e.clinic for e in failed} == {home}
    refused = AuditEvent.objects.filter(action=Action.LOGIN_REFUSED, username="alice")
    assert refused.count() == 40 - LOGIN_ATTEMPTS + 1
    assert {(e.what, e.clinic) for e in refused} == {("sign-in refused: locked", home)}


@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_names_from_one_address_cost_five_hashes(
    clinics: dict[str, Any], argon2: HashCounter
) -> None:
    # Unknown names cost one Argon2 hash each (Django's guard against timing probes):
    # the address's limit keeps a guesser to five of them as well.
    def attempt(i: int) -> Callable[[Client], Any]:
        return lambda client: client.post(
            "/login/", {"username": f"guess-{i}", "password": WRONG}, REMOTE_ADDR="10.3.0.1"
        )

    responses = all_at_once([attempt(i) for i in range(40)])

    assert argon2.hashed + argon2.verified == LOGIN_ATTEMPTS
    assert sum(LOCKED in r.content.decode() for r in responses) == 40 - LOGIN_ATTEMPTS
    assert not signed_in(sign_in("alice", PASSWORD, address="10.3.0.1"))
    assert signed_in(sign_in("alice", PASSWORD, address="10.3.0.2"))


@pytest.mark.django_db(transaction=True)
def test_simultaneous_right_passwords_each_give_their_attempt_back(
    clinics: dict[str, Any],
) -> None:
    # As many as the limit, at once: all get in, and no give-back is lost to another.
    responses = simultaneous(
        LOGIN_ATTEMPTS,
        lambda client: client.post("/login/", {"username": "alice", "password": PASSWORD}),
    )
    assert all(signed_in(r) for r in responses)
    counts = dict(SignInThrottle.objects.values_list("key", "attempts"))
    assert counts == {"user:alice": 0, "ip:127.0.0.1": 0}


# One attempt after another ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_right_password_gives_its_attempt_back(clinics: dict[str, Any]) -> None:
    for _ in range(LOGIN_ATTEMPTS - 1):
        assert not signed_in(sign_in("alice", WRONG))
    assert signed_in(sign_in("alice", PASSWORD))
    # Had the right password kept its attempt, this one would already be refused.
    last = sign_in("alice", WRONG)
    assert "do not match" in last.content.decode()
    assert LOCKED in sign_in("alice", PASSWORD).content.decode()


@pytest.mark.django_db
def test_the_lock_lifts_when_the_window_has_passed(
    clinics: dict[str, Any], argon2: HashCounter
) -> None:
    for _ in range(LOGIN_ATTEMPTS):
        sign_in("alice", WRONG)
    locked = sign_in("alice", PASSWORD).content.decode()
    assert f"{LOCKED}. Try again in 15 minutes" in locked
    assert argon2.verified == LOGIN_ATTEMPTS

    SignInThrottle.objects.update(window_start=F("window_start") - LOGIN_LOCKOUT / 3)
    assert "Try again in 10 minutes" in sign_in("alice", PASSWORD).content.decode()
    SignInThrottle.objects.update(window_start=F("window_start") - LOGIN_LOCKOUT)
    assert signed_in(sign_in("alice", PASSWORD))


@pytest.mark.django_db
def test_failed_and_refused_sign_ins_go_to_the_named_accounts_clinic(
    clinics: dict[str, Any],
) -> None:
    for _ in range(LOGIN_ATTEMPTS):
        sign_in("charlie", WRONG)  # charlie works at the other clinic
    sign_in("charlie", PASSWORD)
    sign_in("nobody-by-this-name", WRONG, address="10.4.0.1")

    other = clinics["other"]
    charlie = AuditEvent.objects.filter(username="charlie")
    assert {(e.action, e.clinic) for e in charlie} == {
        (Action.LOGIN_FAILED, other),
        (Action.LOGIN_REFUSED, other),
    }
    unknown = AuditEvent.objects.get(username="nobody-by-this-name")
    assert unknown.action == Action.LOGIN_FAILED and unknown.clinic is None

    # The other clinic's admin sees them; the home clinic's admin does not.
    from acuback.web.clinics.models import Membership, Role

    Membership.objects.filter(user=clinics["outsider"]).update(role=Role.ADMIN)
    their_admin = Client()
    their_admin.force_login(clinics["outsider"])
    trail = their_admin.get("/audit/").content.decode()
    assert "sign-in refused: locked" in trail and "failed sign-in" in trail
    home_admin = Client()
    home_admin.force_login(clinics["admin"])
    assert "charlie" not in home_admin.get("/audit/").content.decode()


@pytest.mark.django_db
def test_an_address_is_locked_for_every_account_but_not_other_addresses(
    clinics: dict[str, Any],
) -> None:
    for i in range(LOGIN_ATTEMPTS):
        sign_in(f"guess-{i}", WRONG, address="10.5.0.1")
    refused = sign_in("bob", PASSWORD, address="10.5.0.1")
    assert LOCKED in refused.content.decode()
    assert signed_in(sign_in("bob", PASSWORD, address="10.5.0.2"))


@pytest.mark.django_db
def test_a_form_with_a_field_missing_counts_nothing(clinics: dict[str, Any]) -> None:
    for _ in range(2 * LOGIN_ATTEMPTS):
        response = Client().post("/login/", {"username": "alice", "password": ""})
        assert response.status_code == 200
    assert not SignInThrottle.objects.exists()
    assert signed_in(sign_in("alice", PASSWORD))
