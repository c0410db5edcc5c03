"""Calling the JSON API as a token holder: a client that sends the bearer header and JSON."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from acuback.web.apitokens.service import create_token
from acuback.web.audit.models import AuditEvent


class ApiClient:
    """Django's test client with `Authorization: Bearer …` on every request."""

    def __init__(self, secret: str | None) -> None:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        self.client = Client(**headers)

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"/api{path}", query)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api{path}", json.dumps(body or {}), content_type="application/json"
        )

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(f"/api{path}", json.dumps(body), content_type="application/json")


def api_as(user: Any) -> ApiClient:
    """A client holding a fresh token of the user (a staff member of one clinic)."""
    _, secret = create_token(user, "tests")
    return ApiClient(secret)


def audit_rows() -> int:
    return AuditEvent.objects.count()


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()  # type: ignore[return-value]
