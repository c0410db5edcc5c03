"""The /fhir/ endpoints: plain Django views speaking application/fhir+json.

Bearer tokens only (a browser session opens nothing here, so no CSRF either); every answer
that is not a resource is an OperationOutcome. Each call that reads or writes patient data
writes one audit row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

from acuback.web.apitokens.service import ApiCaller, authenticate
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.fhir import service
from acuback.web.fhir.capability import capability_statement
from acuback.web.fhir.patient_resources import ResourceNotValid

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
BODY_TYPES = {FHIR_JSON, "application/json"}
# A transaction of one patient is small; anything much larger is not one.
MAX_BODY = 1_000_000

View = Callable[..., HttpResponse]


def fhir_response(resource: Resource, status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        resource.model_dump_json(exclude_none=True), status=status, content_type=FHIR_JSON
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    # Patient data: never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store, private"
    return response


def outcome(status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": message}
    if field:
        issue["expression"] = [field]
    response = fhir_response(OperationOutcome.model_validate({"issue": [issue]}), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="acuback FHIR"'
    return response


def fhir_endpoint(*methods: str) -> Callable[[View], View]:
    """Bearer check, allowed methods, and the domain errors as OperationOutcomes."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            caller = authenticate(request)
            if caller is None:
                return outcome(401, "login", "Send a valid acuback API token: Bearer <token>.")
            if request.method not in methods:
                response = outcome(405, "not-supported", f"{request.method} is not supported here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, caller, *args, **kwargs)
            except service.UnknownType as exc:
                return outcome(404, "not-supported", str(exc))
            except service.NotFound as exc:
                return outcome(404, "not-found", str(exc))
            except service.NotAllowed as exc:
                return outcome(403, "forbidden", str(exc))
            except service.SearchNotValid as exc:
                return outcome(400, "invalid", str(exc))
            except BodyNotValid as exc:
                return outcome(
                    exc.status, "invalid" if exc.status == 400 else "not-supported", str(exc)
                )
            except ResourceNotValid as exc:
                return outcome(422, "invalid", f"{exc.field}: {exc.message}", exc.field)
            except service.Duplicate as exc:
                return outcome(
                    409,
                    "duplicate",
                    f"{exc} (same name and date of birth); nothing was created.",
                )
            except Exception:
                # A FHIR client reads OperationOutcomes, not Django's HTML error page.
                log.exception("FHIR %s %s failed", request.method, request.path)
                return outcome(
                    500, "exception", "The server could not answer; the error is logged."
                )

        return wrapped

    return decorate


class BodyNotValid(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def body_of(request: HttpRequest) -> Any:
    if request.content_type not in BODY_TYPES:
        raise BodyNotValid(415, f"Send the resource as {FHIR_JSON} or application/json.")
    if len(request.body) > MAX_BODY:
        raise BodyNotValid(413, "The request is too large.")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BodyNotValid(400, "The body is not valid JSON.") from None


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/").rstrip("/")


def patient_id_of(resource: Resource) -> int | None:
    """The patient a resource is about, for the audit trail."""
    if resource.get_resource_type() == "Patient":
        return int(str(resource.id)) if str(resource.id).isdigit() else None
    for field in ("subject", "patient"):
        target = getattr(resource, field, None)
        value = getattr(target, "reference", None) or ""
        if value.startswith("Patient/") and value[8:].isdigit():
            return int(value[8:])
    return None


def metadata(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return outcome(405, "not-supported", f"{request.method} is not supported here.")
    return fhir_response(capability_statement(base_url(request), timezone.now()))


@fhir_endpoint("GET")
def read(request: HttpRequest, caller: ApiCaller, type_name: str, resource_id: str) -> HttpResponse:
    resource = service.read(caller, type_name, resource_id)
    record(
        request,
        Action.VIEW,
        f"FHIR {type_name}/{resource_id}",
        clinic=caller.clinic,
        patient_id=patient_id_of(resource),
    )
    return fhir_response(resource)


SEARCH_PARAMS = {"patient", "subject", "_count", "_page", "_format"}


def _whole(request: HttpRequest, name: str, default: int, low: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 9 or int(raw) < low:
        raise service.SearchNotValid(f"{name} is a whole number of at least {low}")
    return int(raw)


def _bundle(kind: str, entries: list[Resource], base: str, **fields: Any) -> Bundle:
    return Bundle.model_validate(
        {
            "type": kind,
            "entry": [
                {
                    "fullUrl": f"{base}/{resource.get_resource_type()}/{resource.id}",
                    "resource": resource.model_dump(mode="json", exclude_none=True),
                    "search": {"mode": "match"},
                }
                for resource in entries
            ],
            **fields,
        }
    )


@fhir_endpoint("GET", "POST")
def type_root(request: HttpRequest, caller: ApiCaller, type_name: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, caller, type_name)
    service.resource_type(caller, type_name)
    unknown = sorted(set(request.GET) - SEARCH_PARAMS)
    if unknown:
        raise service.SearchNotValid(
            f"acuback does not search by {', '.join(unknown)}; it searches by patient "
            "(or subject), with _count and _page"
        )
    wanted = request.GET.get("patient") or request.GET.get("subject")
    patient_id = service.patient_of_search(caller, wanted) if wanted else None
    count = min(_whole(request, "_count", service.DEFAULT_COUNT, 0), service.MAX_COUNT)
    page = _whole(request, "_page", 1, 1)
    found = service.search(caller, type_name, patient_id, (page - 1) * count, count)
    base = base_url(request)

    def link(relation: str, number: int) -> dict[str, str]:
        query = {k: v for k, v in request.GET.items() if k not in ("_page", "_count")}
        query |= {"_count": str(count), "_page": str(number)}
        return {"relation": relation, "url": f"{base}/{type_name}?{urlencode(query)}"}

    links = [link("self", page)]
    if count and found.offset + count < found.total:
        links.append(link("next", page + 1))
    if page > 1:
        links.append(link("previous", page - 1))
    bundle = _bundle("searchset", found.resources, base, total=found.total, link=links)
    record(
        request,
        Action.VIEW,
        f"FHIR search {type_name}",
        clinic=caller.clinic,
        patient_id=patient_id,
    )
    return fhir_response(service.checked_bundle(bundle))


def _create(request: HttpRequest, caller: ApiCaller, type_name: str) -> HttpResponse:
    if type_name != "Patient":
        service.resource_type(caller, type_name)
        return outcome(
            405,
            "not-supported",
            f"{type_name} records are not created one by one: send a transaction Bundle "
            "to /fhir/ with the Patient",
        )
    patient = service.create_patient(caller, body_of(request))
    record(
        request,
        Action.CREATE,
        f"FHIR import Patient/{patient.id}",
        clinic=caller.clinic,
        patient_id=patient_id_of(patient),
    )
    return fhir_response(patient, 201, Location=f"{base_url(request)}/Patient/{patient.id}")


@fhir_endpoint("GET")
def everything(request: HttpRequest, caller: ApiCaller, patient_id: str) -> HttpResponse:
    if not patient_id.isdigit() or len(patient_id) > 18:
        raise service.NotFound(f"no Patient with id '{patient_id}'")
    found = service.everything(caller, int(patient_id))
    bundle = _bundle("searchset", found, base_url(request), total=len(found))
    record(
        request,
        Action.EXPORT,
        f"FHIR Patient/{patient_id}/$everything",
        clinic=caller.clinic,
        patient_id=int(patient_id),
    )
    return fhir_response(service.checked_bundle(bundle))


@fhir_endpoint("POST")
def transaction(request: HttpRequest, caller: ApiCaller) -> HttpResponse:
    created = service.transaction_import(caller, body_of(request))
    base = base_url(request)
    bundle = Bundle.model_validate(
        {
            "type": "transaction-response",
            "entry": [
                {
                    "response": {
                        "status": "201 Created",
                        "location": f"{item.resource_type}/{item.resource_id}",
                    },
                    "fullUrl": f"{base}/{item.resource_type}/{item.resource_id}",
                }
                for item in created
            ],
        }
    )
    record(
        request,
        Action.CREATE,
        f"FHIR import transaction Patient/{created[0].patient_id}",
        clinic=caller.clinic,
        patient_id=created[0].patient_id,
    )
    return fhir_response(service.checked_bundle(bundle))


@fhir_endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def unknown(request: HttpRequest, caller: ApiCaller, rest: str = "") -> HttpResponse:
    raise service.NotFound(f"acuback serves nothing at /fhir/{rest}")
