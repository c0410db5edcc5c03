"""The practice around the care as FHIR R4B: staff, the clinic, appointments and the audit
trail. No clinical notes here: reception may read practitioners, the clinic and the book;
the audit trail is for the clinic's admin only.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner

from acuback.interop import codes
from acuback.web.apitokens.service import ApiCaller
from acuback.web.appointments.models import Appointment, Status
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.clinics.models import Clinic, Role
from acuback.web.fhir.clinical_resources import ref
from acuback.web.fhir.registry import ResourceType, register

APPOINTMENT_STATUS: Final = {
    Status.BOOKED: "booked",
    Status.ARRIVED: "arrived",
    Status.DONE: "fulfilled",
    Status.CANCELLED: "cancelled",
    Status.NO_SHOW: "noshow",
}
# FHIR's audit-event-action: Create, Read, Update, Delete, Execute. Signing in (or being
# turned away) is an operation carried out, so Execute.
AUDIT_ACTION: Final = {
    Action.VIEW: "R",
    Action.CREATE: "C",
    Action.CHANGE: "U",
    Action.EXPORT: "E",
    Action.LOGIN: "E",
    Action.LOGIN_FAILED: "E",
    Action.LOGIN_REFUSED: "E",
}
# audit-event-outcome: 0 success, 4 minor failure (the request was refused).
AUDIT_OUTCOME: Final = {Action.LOGIN_FAILED: "4", Action.LOGIN_REFUSED: "4"}


def staff_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


# --- Practitioner ----------------------------------------------------------------------


def practitioner(user: User) -> Practitioner:
    name: dict[str, Any] = {"text": staff_name(user)}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return Practitioner.model_validate(
        {
            "resourceType": "Practitioner",
            "id": str(user.pk),
            "active": user.is_active,
            "name": [name],
        }
    )


def practitioner_rows(caller: ApiCaller) -> QuerySet[User]:
    """The clinic's staff, deactivated accounts too (older records name them)."""
    return User.objects.filter(membership__clinic=caller.clinic).order_by("pk")


# --- Organization -----------------------------------------------------------------------


def organization(clinic: Clinic) -> Organization:
    data: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(clinic.pk),
        "active": True,
        "name": clinic.name,
    }
    telecom = [
        {"system": system, "value": value}
        for system, value in (("phone", clinic.phone), ("email", clinic.email))
        if value
    ]
    if telecom:
        data["telecom"] = telecom
    if clinic.address.strip():
        lines = [line.strip() for line in clinic.address.splitlines() if line.strip()]
        data["address"] = [{"text": ", ".join(lines), "line": lines}]
    return Organization.model_validate(data)


def organization_rows(caller: ApiCaller) -> QuerySet[Clinic]:
    return Clinic.objects.filter(pk=caller.clinic.pk)


# --- Appointment ------------------------------------------------------------------------


def appointment(booked: Appointment) -> FhirAppointment:
    visit = "Home visit" if booked.type.is_home_visit else "Clinic visit"
    data: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(booked.pk),
        "status": APPOINTMENT_STATUS[Status(booked.status)],
        "serviceType": [{"text": visit}],
        "appointmentType": {"text": booked.type.name},
        "description": f"{booked.type.name} ({visit.lower()})",
        "start": booked.starts_at.isoformat(),
        "end": booked.ends_at.isoformat(),
        "minutesDuration": booked.duration_minutes,
        "created": booked.created.isoformat(),
        "participant": [
            {"actor": ref("Patient", booked.patient_id), "required": "required",
             "status": "accepted"},
            {
                "type": [
                    {
                        "coding": [
                            {"system": codes.PARTICIPATION_TYPE, "code": "PPRF",
                             "display": "primary performer"}
                        ]
                    }
                ],
                "actor": ref("Practitioner", booked.practitioner_id),
                "required": "required",
                "status": "accepted",
            },
        ],
    }  # fmt: skip
    if booked.status == Status.CANCELLED and booked.cancel_reason:
        data["cancelationReason"] = {"text": booked.cancel_reason}
    return FhirAppointment.model_validate(data)


def appointment_rows(caller: ApiCaller) -> QuerySet[Appointment]:
    return Appointment.objects.filter(clinic=caller.clinic).select_related("type")


# --- AuditEvent -------------------------------------------------------------------------


def _agent(event: AuditEvent) -> dict[str, Any]:
    agent: dict[str, Any] = {"requestor": True, "name": event.username}
    staff = False
    if event.user is not None:
        try:
            staff = event.user.membership.clinic_id == event.clinic_id
        except ObjectDoesNotExist:
            staff = False
    # A patient signing in to the portal is no Practitioner: named, not referenced.
    agent["who"] = (
        ref("Practitioner", event.user_id, event.username) if staff else {"display": event.username}
    )
    if event.ip_address:
        agent["network"] = {"address": event.ip_address, "type": "2"}
    return agent


def audit_event(event: AuditEvent) -> FhirAuditEvent:
    action = Action(event.action)
    data: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(event.pk),
        "type": {"system": codes.AUDIT_EVENT_TYPE, "code": "rest", "display": "RESTful Operation"},
        "action": AUDIT_ACTION[action],
        "recorded": event.at.isoformat(),
        "outcome": AUDIT_OUTCOME.get(action, "0"),
        "outcomeDesc": f"{action.label}: {event.what}",
        "agent": [_agent(event)],
        "source": {"observer": ref("Organization", event.clinic_id)}
        if event.clinic_id
        else {"observer": {"display": "acuback"}},
    }
    if event.patient_id is not None:
        data["entity"] = [{"what": ref("Patient", event.patient_id), "description": event.what}]
    return FhirAuditEvent.model_validate(data)


def audit_rows(caller: ApiCaller) -> QuerySet[AuditEvent]:
    """The clinic's audit trail. The registry refuses anyone but the admin (403); no rows
    for others is a second line of defence."""
    if caller.role != Role.ADMIN:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(clinic=caller.clinic).select_related("user__membership")


PRACTITIONER = register(ResourceType("Practitioner", practitioner_rows, practitioner, None, False))
ORGANIZATION = register(ResourceType("Organization", organization_rows, organization, None, False))
APPOINTMENT = register(
    ResourceType("Appointment", appointment_rows, appointment, "patient_id", False)
)
AUDIT_EVENT = register(
    ResourceType("AuditEvent", audit_rows, audit_event, "patient_id", True, admin_only=True)
)
