"""Issue, revoke and check API tokens.

A token acts for one staff user in the clinic it was issued in, with that user's role as it
is at the moment of the call: a user who leaves the clinic, changes clinic, is deactivated
or is made a patient account loses the API with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from acuback.web.apitokens.models import ApiToken
from acuback.web.clinics.models import Clinic, Membership, Role
from acuback.web.clinics.service import staff_membership

# The secret starts with this, so a leaked one is recognisable in logs and secret scanners.
TOKEN_PREFIX = "acb_"  # noqa: S105 (a public marker, not a secret)
# Writing last_used on every call would turn every read into a write; a minute is precise
# enough to see which tokens are in use.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenNotFound(LookupError):
    """No such token, or not one this user may see."""


class TokenNameNotValid(ValueError):
    pass


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling the API, for scoping and the audit trail."""

    user: User
    clinic: Clinic
    role: str
    token_id: int

    @property
    def is_clinical(self) -> bool:
        return self.role in (Role.PRACTITIONER, Role.ADMIN)


def hash_token(secret: str) -> str:
    # 256 random bits: a plain SHA-256 cannot be reversed or guessed.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: AbstractBaseUser | AnonymousUser, name: str) -> tuple[ApiToken, str]:
    """A new token for a staff user; the secret is returned once and never stored."""
    membership = staff_membership(user)
    name = " ".join(name.split())
    if not name:
        raise TokenNameNotValid("Say what the token is for, e.g. 'practice research export'.")
    if len(name) > 100:
        raise TokenNameNotValid("Keep the name under 100 characters.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=membership.user,
        clinic=membership.clinic,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
    )
    return token, secret


def tokens_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ApiToken]:
    """A user's own tokens; a clinic admin sees every token of the clinic."""
    membership = staff_membership(user)
    tokens = ApiToken.objects.filter(clinic=membership.clinic).select_related("user")
    if membership.role != Role.ADMIN:
        tokens = tokens.filter(user_id=membership.user_id)
    return tokens


def revoke_token(by: AbstractBaseUser | AnonymousUser, token_id: int) -> ApiToken:
    token = tokens_for(by).filter(pk=token_id).first()
    if token is None:
        raise TokenNotFound(f"no token {token_id}")
    if token.revoked is None:
        token.revoked = timezone.now()
        token.revoked_by_id = by.pk
        token.save(update_fields=["revoked", "revoked_by"])
    return token


def caller_for(secret: str) -> ApiCaller | None:
    """The caller a bearer secret stands for, or None when it opens nothing."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "clinic")
        .filter(token_hash=hash_token(secret), revoked__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    membership = (
        Membership.objects.filter(
            user_id=token.user_id,
            clinic_id=token.clinic_id,
            user__patient_account__isnull=True,
        )
        .only("role")
        .first()
    )
    if membership is None:
        return None
    now = timezone.now()
    if token.last_used is None or token.last_used < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return ApiCaller(user=token.user, clinic=token.clinic, role=membership.role, token_id=token.pk)


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret of an `Authorization: Bearer …` header, if there is one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate(request: HttpRequest) -> ApiCaller | None:
    """Check the request's bearer token; on success the request acts as the token's user."""
    secret = bearer_secret(request)
    caller = caller_for(secret) if secret else None
    if caller is not None:
        # The audit trail and any user-based check read request.user.
        request.user = caller.user
    return caller
