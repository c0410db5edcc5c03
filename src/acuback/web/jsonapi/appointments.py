"""The appointment book: days, one appointment, booking with the clash rules, status.

Every staff role uses the book, reception included, as on the pages.
"""

from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from acuback.clinical.base import InputError
from acuback.web.appointments import forms, service
from acuback.web.appointments.models import Appointment
from acuback.web.audit.models import Action
from acuback.web.jsonapi.common import (
    BODY_ERRORS,
    LIST_ERRORS,
    MAX_ID,
    OPEN_ERRORS,
    Id,
    Pages,
    Refused,
    RefusedError,
    StrictIn,
    audit,
    caller,
    checked,
    form_data,
    input_error,
    not_found,
)

router = Router(tags=["appointments"])

# A longer range is a report, not a look at the book.
MAX_DAYS = 92
RefId = Field(ge=1, le=MAX_ID, strict=True)


def _not_found(exc: service.NotFound) -> HttpError:
    # The service says "no patient 12"; the answer names the kind of record only.
    what = str(exc).removeprefix("no ").rstrip("0123456789 ") or "record"
    return not_found(what)


class AppointmentOut(Schema):
    id: int
    patient_id: int
    practitioner_id: int
    practitioner: str
    type_id: int
    type: str
    starts_at: datetime
    ends_at: datetime
    status: Literal["booked", "arrived", "done", "cancelled", "no_show"]
    address: str
    travel_before_minutes: int
    travel_after_minutes: int
    plan_id: int | None
    planned_number: int | None
    session_id: int | None
    cancel_reason: str
    cancelled_late: bool
    next_actions: list[str] = Field(description="Status changes the appointment allows now")


def _out(appointment: Appointment) -> dict[str, Any]:
    return {
        **{
            name: getattr(appointment, name)
            for name in AppointmentOut.model_fields
            if name not in {"practitioner", "type", "next_actions"}
        },  # fmt: skip
        "practitioner": service.practitioner_name(appointment.practitioner),
        "type": appointment.type.name,
        "next_actions": service.allowed_actions(appointment),
    }


class AppointmentTypeOut(Schema):
    id: int
    name: str
    kind: str
    duration_minutes: int
    home_visit: bool


class BookQuery(Schema):
    start: date | None = Field(None, description="First day (default today)")
    end: date | None = Field(None, description="Last day, included (default the first day)")
    practitioner_id: int | None = Field(None, ge=1, le=MAX_ID)


class BookingIn(StrictIn):
    patient_id: int = RefId
    practitioner_id: int = RefId
    type_id: int = RefId
    day: date
    time: clock_time = Field(description="Local start time on the clinic's grid, e.g. 09:30")
    address: str = Field("", max_length=500, description="Home visits: defaults to the patient's")
    travel_before: int = Field(0, ge=0, le=service.MAX_TRAVEL_MINUTES, strict=True)
    travel_after: int = Field(0, ge=0, le=service.MAX_TRAVEL_MINUTES, strict=True)


class StatusIn(StrictIn):
    action: Literal["arrive", "done", "no_show", "cancel"]
    reason: str = Field("", max_length=500, description="Needed to cancel")


@router.get(
    "/appointment-types",
    response={200: list[AppointmentTypeOut], **LIST_ERRORS},
    summary="The clinic's appointment types",
)
@paginate(Pages)
def type_list(request: HttpRequest) -> list[dict[str, Any]]:
    audit(request, Action.VIEW, "appointment types")
    return [
        {
            "id": t.pk,
            "name": t.name,
            "kind": t.kind,
            "duration_minutes": t.duration_minutes,
            "home_visit": t.is_home_visit,
        }  # fmt: skip
        for t in service.types_for(caller(request).clinic).order_by("name")
    ]


@router.get(
    "/appointments",
    response={200: list[AppointmentOut], **OPEN_ERRORS},
    summary="The appointment book for a range of days",
)
@paginate(Pages)
def appointment_list(request: HttpRequest, query: Query[BookQuery]) -> list[dict[str, Any]]:
    clinic = caller(request).clinic
    first = query.start or timezone.localdate()
    last = query.end or first
    if last < first:
        raise input_error(InputError("end", "The last day is before the first."))
    if last - first > timedelta(days=MAX_DAYS):
        raise input_error(InputError("end", f"Ask for at most {MAX_DAYS} days at a time."))
    try:
        practitioner = (
            service.practitioner_in(clinic, query.practitioner_id)
            if query.practitioner_id
            else None
        )
    except service.NotFound as exc:
        raise _not_found(exc) from None
    audit(request, Action.VIEW, f"appointment book {first.isoformat()} to {last.isoformat()}")
    found = service.appointments_between(clinic, first, last, practitioner)
    return [_out(a) for a in found.order_by("starts_at", "id")]


def _find(request: HttpRequest, appointment_id: int) -> Appointment:
    try:
        return service.appointment_in(caller(request).clinic, appointment_id)
    except service.NotFound:
        raise not_found("appointment") from None


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **OPEN_ERRORS},
    summary="An appointment",
)
def appointment_detail(request: HttpRequest, appointment_id: Id) -> dict[str, Any]:
    appointment = _find(request, appointment_id)
    audit(request, Action.VIEW, f"appointment {appointment.pk}", appointment.patient_id)
    return _out(appointment)


@router.post(
    "/appointments",
    response={201: AppointmentOut, **OPEN_ERRORS, **BODY_ERRORS, 409: Refused},
    summary="Book an appointment",
    description="With the book's rules: opening hours and grid, no time in the past, and "
    "no clash with the practitioner's other appointments and travel (409 names the clash "
    "and the nearest free slot).",
)
def appointment_create(request: HttpRequest, body: BookingIn) -> Status[Any]:
    clinic = caller(request).clinic
    names = {"patient": "patient_id", "practitioner": "practitioner_id", "type": "type_id"}
    values = {short: getattr(body, long) for short, long in names.items()}
    values.update(body.model_dump(exclude=set(names.values())))
    form = forms.BookingForm(form_data(values), clinic=clinic)
    data = checked(form, names)
    try:
        booking = service.Booking(
            patient=service.patient_in(clinic, data["patient"]),
            practitioner=service.practitioner_in(clinic, data["practitioner"]),
            type=service.type_in(clinic, data["type"]),
            starts_at=service.at(data["day"], data["time"]),
            address=data["address"],
            travel_before=data["travel_before"],
            travel_after=data["travel_after"],
        )
        appointment = service.book(clinic, caller(request).user, booking)
    except service.NotFound as exc:
        raise _not_found(exc) from None
    except InputError as exc:
        raise input_error(exc, names) from None
    except service.Clash as exc:
        raise RefusedError(
            "The practitioner's time is taken.",
            [str(exc)],
            shown=f"appointment {exc.existing.pk} (shown as a clash)",
            patient_id=exc.existing.patient_id,
        ) from None
    audit(request, Action.CREATE, f"appointment {appointment.pk}", appointment.patient_id)
    return Status(201, _out(appointment))


@router.post(
    "/appointments/{appointment_id}/status",
    response={200: AppointmentOut, **OPEN_ERRORS, **BODY_ERRORS, 409: Refused},
    summary="Arrive, done, did not attend or cancel",
    description="As on the appointment page: a final status stays final (409), a patient is "
    "marked as not attending once the time has come, and cancelling needs a reason.",
)
def appointment_status(request: HttpRequest, appointment_id: Id, body: StatusIn) -> dict[str, Any]:
    appointment = _find(request, appointment_id)
    data = checked(forms.StatusForm(form_data(body.model_dump())))
    before = appointment.get_status_display()
    try:
        appointment = service.change_status(appointment, data["action"], data["reason"])
    except InputError as exc:
        raise input_error(exc) from None
    except service.TransitionRefused as exc:
        shown = f"appointment {appointment.pk} (status change refused)"
        raise RefusedError(str(exc), shown=shown, patient_id=appointment.patient_id) from None
    changes: dict[str, list[str | None]] = {"Status": [before, appointment.get_status_display()]}
    audit(request, Action.CHANGE, f"appointment {appointment.pk} {data['action']}",
          appointment.patient_id, changes)  # fmt: skip
    return _out(service.appointment_in(caller(request).clinic, appointment.pk))
