"""The JSON API. OpenAPI is served at /api/openapi.json and docs at /api/docs.

Every route but /api/health needs a bearer token (see acuback.web.apitokens); the routes
live in acuback.web.jsonapi. Every error answers JSON with a `detail` message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils.cache import patch_cache_control
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestNotValid

import acuback
from acuback.web.apitokens.auth import BearerToken
from acuback.web.audit.models import Action
from acuback.web.jsonapi import appointments, care, patients
from acuback.web.jsonapi.common import InvalidInput, RefusedError, audit

# The schema and its docs read no records: never in a per-request transaction (transactions.py), so
# they answer without touching the database (schemathesis loads the schema at collection).
NO_DATABASE = {"openapi-json", "openapi-view"}


class AcubackApi(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _api_view(url.callback)
                if url.name in NO_DATABASE:
                    url.callback = transaction.non_atomic_requests(url.callback)
        return urls


def _api_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Every answer is kept out of caches (it may hold patient data), and a method a path
    does not take is answered in JSON, not ninja's plain text."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            patch_cache_control(response, no_store=True, private=True)
            return response
        allowed = response.get("Allow", "")
        answer = JsonResponse(
            {"detail": f"{request.method} is not allowed here; use {allowed or 'another path'}."},
            status=405,
        )
        answer["Allow"] = allowed
        patch_cache_control(answer, no_store=True, private=True)
        return answer

    return wrapper


api = AcubackApi(
    title="acuback",
    version=acuback.__version__,
    urls_namespace="api",
    auth=BearerToken(),
    description="The clinic's records for scripts and integrations. Send "
    "`Authorization: Bearer <token>` with a token from the API tokens page or "
    "`acuback token create USERNAME`. Every call is on the clinic's audit trail.",
)
api.add_router("/", patients.router)
api.add_router("/", care.router)
api.add_router("/", appointments.router)


@api.exception_handler(AuthenticationError)
def no_token(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "A valid API token is needed: send the header Authorization: Bearer <token>."},
        status=401,
    )


@api.exception_handler(RequestNotValid)
def request_not_valid(request: HttpRequest, exc: RequestNotValid) -> HttpResponse:
    # pydantic's locations start with where the value came from (body, query, path).
    problems = [
        (
            ".".join(str(part) for part in error.get("loc", ())[1:] if part != "body"),
            str(error.get("msg", "Not valid.")),
        )  # fmt: skip
        for error in exc.errors
    ]
    return _invalid(request, InvalidInput(problems))


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    errors = [{"field": field, "message": message} for field, message in exc.problems]
    return api.create_response(request, {"detail": exc.detail, "errors": errors}, status=422)


@api.exception_handler(RefusedError)
def refused(request: HttpRequest, exc: RefusedError) -> HttpResponse:
    if exc.shown:
        audit(request, Action.VIEW, exc.shown, exc.patient_id)
    return api.create_response(request, {"detail": exc.detail, "reasons": exc.reasons}, status=409)


class Health(Schema):
    status: str
    version: str


@api.get("/health", response=Health, auth=None, summary="Liveness check", tags=["service"])
def health(request: object) -> dict[str, str]:
    return {"status": "ok", "version": acuback.__version__}
