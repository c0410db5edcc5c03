"""What every JSON API route shares: the caller, error bodies, role checks and pages.

The routes are thin like the pages' views: they read strict input, run it through the
same Django form and service the page uses (so every rule of the page applies), audit
the call, and turn the service's domain errors into 403, 404, 409 or 422 with a
`{"detail": ...}` body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Path, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination
from pydantic import ConfigDict

from acuback.clinical.base import InputError
from acuback.web.apitokens.service import ApiCaller
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics.models import Patient

# Database ids are 32-bit on PostgreSQL; a larger number names nothing and must not
# reach the database (where it would fail as an overflow, not as "not found").
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# How many pages a list may be asked for: far beyond any clinic, small enough that the
# offset stays a number every database accepts.
MAX_PAGE = 100_000


class Error(Schema):
    detail: str = Field(description="What went wrong, in plain words")


class FieldProblem(Schema):
    field: str = Field(description="The input field, or '' for the input as a whole")
    message: str


class InputErrors(Schema):
    detail: str
    errors: list[FieldProblem]


class Refused(Schema):
    """A request the clinic's rules refuse (409): the reasons are the ones the page shows."""

    detail: str
    reasons: list[str]


class StrictIn(Schema):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# The answers each kind of route can give besides success.
OPEN_ERRORS: dict[int, Any] = {401: Error, 404: Error, 422: InputErrors}
CLINICAL_ERRORS: dict[int, Any] = {**OPEN_ERRORS, 403: Error}
LIST_ERRORS: dict[int, Any] = {401: Error, 422: InputErrors}
# A body that is not JSON at all.
BODY_ERRORS: dict[int, Any] = {400: Error}


class RefusedError(Exception):
    """A 409: the record's state or the engine's screening does not allow this."""

    def __init__(
        self,
        detail: str,
        reasons: list[str] | tuple[str, ...] = (),
        *,
        shown: str = "",
        patient_id: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reasons = list(reasons) or [detail]
        # The reasons tell about a patient (a screening, another booking): the refusal is
        # on the trail as what it showed, like the page shown again with its problem.
        self.shown = shown
        self.patient_id = patient_id


class InvalidInput(Exception):
    """A 422 naming each field that is wrong, in the form's or the engine's words."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        shown = "; ".join(f"{f}: {m}" if f else m for f, m in problems)
        super().__init__(shown)
        self.detail = f"Some input is not valid: {shown}"


class Pages(PageNumberPagination):
    """Page-number pages (`?page=2&page_size=100`) of the settings' size, capped."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=200)


def caller(request: HttpRequest) -> ApiCaller:
    auth = getattr(request, "auth", None)
    # BearerToken turns away every request without a caller before a route runs.
    assert isinstance(auth, ApiCaller)
    return auth


def user_of(request: HttpRequest) -> User:
    return caller(request).user


def require_clinical(request: HttpRequest) -> ApiCaller:
    """The pages' rule: reception books and greets but reads no clinical notes.

    Call it after the record is found in the caller's clinic, so another clinic's id is
    a 404 for everyone and nobody learns anything about another clinic.
    """
    who = caller(request)
    if not who.is_clinical:
        raise HttpError(403, "Clinical records are for practitioners and clinic admins.")
    return who


def not_found(what: str) -> HttpError:
    return HttpError(404, f"No such {what}.")


def audit(
    request: HttpRequest,
    action: Action,
    what: str,
    patient_id: int | None = None,
    changes: dict[str, list[str | None]] | None = None,
) -> None:
    record(
        request, action, what, clinic=caller(request).clinic, patient_id=patient_id,
        changes=changes,
    )  # fmt: skip


def form_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """API values as a bound form reads them (what a browser would post)."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            data[name] = ""
        elif isinstance(value, bool | list):
            data[name] = value
        elif isinstance(value, date | datetime):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def checked(form: forms.BaseForm, renamed: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The form's cleaned data, or InvalidInput naming the API's fields."""
    if form.is_valid():
        return form.cleaned_data
    names = renamed or {}
    problems = [
        (names.get(field, "" if field == "__all__" else field), str(message))
        for field, messages in form.errors.items()
        for message in messages
    ]
    raise InvalidInput(problems)


def input_error(exc: InputError, renamed: Mapping[str, str] | None = None) -> InvalidInput:
    return InvalidInput([((renamed or {}).get(exc.field, exc.field), exc.sentence)])


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def patient_brief(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.pk,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth,
    }
