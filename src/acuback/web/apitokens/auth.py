"""The bearer check shared by the JSON API (django-ninja) and the FHIR endpoints."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from acuback.web.apitokens.service import ApiCaller, authenticate


class BearerToken(HttpBearer):
    """ninja's bearer scheme; `request.auth` is the ApiCaller."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller | None:
        return authenticate(request)
