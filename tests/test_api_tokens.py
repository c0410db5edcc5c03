"""API tokens: stored hashed, shown once, scoped to the user's clinic and current role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from typer.testing import CliRunner

from acuback.cli import app
from acuback.web.apitokens import service
from acuback.web.apitokens.models import ApiToken
from acuback.web.audit.models import AuditEvent
from acuback.web.clinics.models import Membership, Role
from tests.conftest import PASSWORD


def _signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_only_the_hash_is_stored_and_the_secret_opens_the_api(clinics: dict[str, Any]) -> None:
    token, secret = service.create_token(clinics["practitioner"], "  research   export ")
    stored = ApiToken.objects.get(pk=token.pk)
    assert token.name == "research export"
    assert secret not in {stored.token_hash, stored.prefix}
    assert stored.token_hash == service.hash_token(secret)
    assert secret.startswith(stored.prefix)
    caller = service.caller_for(secret)
    assert caller is not None
    assert (caller.user, caller.clinic, caller.role) == (
        clinics["practitioner"],
        clinics["home"],
        Role.PRACTITIONER,
    )
    assert caller.is_clinical
    assert service.caller_for(secret + "x") is None
    assert service.caller_for(stored.token_hash) is None


def test_a_token_follows_the_users_current_place(clinics: dict[str, Any]) -> None:
    user = clinics["colleague"]
    _, secret = service.create_token(user, "front desk")
    caller = service.caller_for(secret)
    assert caller is not None and caller.role == Role.RECEPTION and not caller.is_clinical

    Membership.objects.filter(user=user).update(role=Role.ADMIN)
    caller = service.caller_for(secret)
    assert caller is not None and caller.role == Role.ADMIN

    # Moved to another clinic: the token was issued for the first one and opens nothing.
    Membership.objects.filter(user=user).update(clinic=clinics["other"])
    assert service.caller_for(secret) is None

    Membership.objects.filter(user=user).update(clinic=clinics["home"])
    user.is_active = False
    user.save()
    assert service.caller_for(secret) is None


def test_a_revoked_token_opens_nothing(clinics: dict[str, Any]) -> None:
    token, secret = service.create_token(clinics["practitioner"], "script")
    service.revoke_token(clinics["practitioner"], token.pk)
    assert service.caller_for(secret) is None


def test_only_the_owner_or_the_clinics_admin_may_revoke(clinics: dict[str, Any]) -> None:
    token, _ = service.create_token(clinics["practitioner"], "script")
    for stranger in (clinics["colleague"], clinics["outsider"]):
        with pytest.raises(service.TokenNotFound):
            service.revoke_token(stranger, token.pk)
    assert service.revoke_token(clinics["admin"], token.pk).revoked_by == clinics["admin"]
    assert list(service.tokens_for(clinics["admin"])) == [token]
    assert list(service.tokens_for(clinics["colleague"])) == []


def test_a_token_needs_a_name(clinics: dict[str, Any]) -> None:
    for name in ("", "   ", "x" * 101):
        with pytest.raises(service.TokenNameNotValid):
            service.create_token(clinics["practitioner"], name)
    assert not ApiToken.objects.exists()


def test_the_bearer_header_makes_the_request_act_as_the_tokens_user(
    clinics: dict[str, Any],
) -> None:
    _, secret = service.create_token(clinics["practitioner"], "script")
    factory = RequestFactory()
    for header in ("", "Basic abc", f"Token {secret}", "Bearer ", f"Bearer {secret}x"):
        assert service.authenticate(factory.get("/api/", HTTP_AUTHORIZATION=header)) is None
    request = factory.get("/api/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    caller = service.authenticate(request)
    assert caller is not None and request.user == clinics["practitioner"]
    assert ApiToken.objects.get().last_used is not None


def test_the_page_shows_a_new_secret_once_and_revokes(clinics: dict[str, Any]) -> None:
    client = _signed_in(clinics["practitioner"])
    page = client.get("/api-tokens/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    created = client.post("/api-tokens/new/", {"name": "practice system"})
    token = ApiToken.objects.get()
    secret = created.context["secret"]
    assert service.hash_token(secret) == token.token_hash
    assert secret in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    assert secret not in client.get("/api-tokens/").content.decode()

    refused = client.post("/api-tokens/new/", {"name": " "})
    assert refused.status_code == 400 and ApiToken.objects.count() == 1

    # Reception of the same clinic and a practitioner of another see it as missing.
    assert (
        _signed_in(clinics["colleague"]).post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    )
    assert (
        _signed_in(clinics["outsider"]).post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    )
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 302
    assert service.caller_for(secret) is None
    assert AuditEvent.objects.filter(what=f"API token {token.pk} revoked").exists()


def test_the_command_line_prints_the_token_as_its_last_word(clinics: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["token", "create", "dora", "--name", "nightly backup"])
    assert result.exit_code == 0, result.output
    secret = result.output.split()[-1]
    caller = service.caller_for(secret)
    assert caller is not None and caller.user == clinics["admin"]

    for args, message in (
        (["token", "create", "nobody"], "no user"),
        (["token", "create", "dora", "--name", " "], "--name"),
    ):
        failed = CliRunner().invoke(app, args)
        assert failed.exit_code == 2 and message in failed.output

    revoked = CliRunner().invoke(app, ["token", "revoke", str(caller.token_id)])
    assert revoked.exit_code == 0 and service.caller_for(secret) is None
    trail = AuditEvent.objects.filter(clinic=clinics["home"], username__startswith="command line")
    assert sorted(trail.values_list("what", flat=True)) == [
        f"API token {caller.token_id} for dora",
        f"API token {caller.token_id} revoked",
    ]
