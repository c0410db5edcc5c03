"""acuback's clinical records as FHIR R4B: the course, its sessions and their adverse events
(scores are in score_resources).

Each mapping takes one row and returns a validated fhir.resources model whose id is the
row's id. Codes come only from the systems in acuback.interop.codes (our own acupuncture
point and instrument CodeSystems, and LOINC where a code is confirmed); STRICTA items we
have no standard home for are extensions under codes.EXTENSION, listed in EXTENSIONS and
documented in the README.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from fhir.resources.R4B.adverseevent import AdverseEvent as FhirAdverseEvent
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.procedure import Procedure

from acuback.clinical.base import spoken
from acuback.interop import codes
from acuback.knowledge.loader import knowledge_base
from acuback.web.apitokens.service import ApiCaller
from acuback.web.care.models import (
    AdverseEvent,
    PlanRecord,
    SessionRecord,
    Severity,
)
from acuback.web.fhir.registry import ResourceType, register

# Our extensions, by the row field they carry. Each URL is codes.EXTENSION + "/" + name.
EXTENSIONS: Final[dict[str, str]] = {
    name: f"{codes.EXTENSION}/{name}"
    for name in (
        "point-side",
        "needles-inserted",
        "needles-removed",
        "needle-type",
        "needle-diameter",
        "needle-length",
        "needle-depth",
        "response-sought",
        "stimulation",
        "electrical-settings",
        "retention",
        "moxibustion",
        "cupping",
        "tui-na",
        "ear-seeds",
        "pain-before",
        "pain-after",
        "adverse-event",
        "planned-point",
        "follow-up",
    )
}
# The chart says "both"; FHIR readers get the same word, and "midline" for a single point.
SIDES: Final = {"both": "both sides", "left": "left side", "right": "right side", "midline": ""}
# Ours mild/moderate/serious. A serious event is also serious in the regulatory sense; the
# other two are not (see the issue 12 research notes).
ADVERSE_SEVERITY: Final = {
    Severity.MILD: ("mild", "non-serious"),
    Severity.MODERATE: ("moderate", "non-serious"),
    Severity.SERIOUS: ("severe", "serious"),
}


def ref(kind: str, pk: object, display: str | None = None) -> dict[str, str]:
    found = {"reference": f"{kind}/{pk}"}
    if display:
        found["display"] = display
    return found


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def number(value: Decimal | int | float | str) -> int | Decimal:
    """A whole number as an integer (FHIR JSON shows 6, not 6.0)."""
    exact = Decimal(str(value))
    return int(exact) if exact == exact.to_integral_value() else exact


# --- CarePlan: the course ----------------------------------------------------------------


def _point_concept(code: str, side: str, extension: str = "point-side") -> dict[str, Any]:
    point = knowledge_base().points[code]
    name = f"{point.who_code} {point.pinyin}" if point.who_code else point.label
    where = SIDES.get(side, "")
    return {
        "extension": [{"url": EXTENSIONS[extension], "valueCode": side}],
        "coding": [coding(codes.ACUPUNCTURE_POINT, codes.point_code(code), name)],
        "text": f"{name}, {where}" if where else name,
    }


def plan_status(plan: PlanRecord) -> str:
    """Completed once every planned session is closed; revoked when a later course replaced
    it first; otherwise active."""
    closed = getattr(plan, "closed_sessions", None)
    if closed is None:
        closed = plan.sessions.filter(closed__isnull=False).count()
    if closed >= len(plan.course.sessions):
        return "completed"
    replaced = getattr(plan, "replaced", None)
    if replaced is None:
        replaced = PlanRecord.objects.filter(patient_id=plan.patient_id, pk__gt=plan.pk).exists()
    return "revoked" if replaced else "active"


def care_plan(plan: PlanRecord) -> CarePlan:
    course = plan.course
    done = {s.number: s for s in plan.sessions.all()}
    today = timezone.localdate()
    activities: list[dict[str, Any]] = []
    for planned in course.sessions:
        session = done.get(planned.number)
        if session is None:
            status = "scheduled"
        else:
            status = "completed" if session.closed else "in-progress"
        phase = "opening phase" if planned.phase == "initial" else "weekly"
        activity: dict[str, Any] = {
            "detail": {
                "kind": "Appointment",
                "code": {"text": "Acupuncture"},
                "status": status,
                "description": f"Session {planned.number} ({phase})",
                "scheduledPeriod": {
                    "start": planned.date.isoformat(),
                    "end": planned.date.isoformat(),
                },
                "performer": [ref("Practitioner", plan.created_by_id)],
            }
        }
        if session is not None:
            activity["outcomeReference"] = [ref("Procedure", session.pk)]
        activities.append(activity)
    for review in course.reviews:
        activities.append(
            {
                "detail": {
                    "code": {"text": "Review"},
                    # Whether a review took place is not recorded: a past one is unknown.
                    "status": "scheduled" if review.date > today else "unknown",
                    "description": f"Review: {review.label}",
                    "scheduledPeriod": {
                        "start": review.date.isoformat(),
                        "end": review.date.isoformat(),
                    },
                }
            }
        )
    methods = ", ".join(m.label for m in course.methods)
    conditions = ", ".join(c.label for c in course.conditions)
    last = max([s.date for s in course.sessions] + [r.date for r in course.reviews])
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "status": plan_status(plan),
        "intent": "plan",
        "title": f"Acupuncture course for {conditions}" if conditions else "Acupuncture course",
        "description": (
            f"{len(course.sessions)} acupuncture sessions from {spoken(course.start)} to "
            f"{spoken(course.sessions[-1].date)} ({course.schedule.label}), with "
            f"{len(course.reviews)} review{'s' if len(course.reviews) != 1 else ''}."
        ),
        "subject": ref("Patient", plan.patient_id),
        "period": {"start": plan.start.isoformat(), "end": last.isoformat()},
        "created": plan.created.isoformat(),
        "author": ref("Practitioner", plan.created_by_id),
        "activity": activities,
        "extension": [
            {
                "url": EXTENSIONS["planned-point"],
                "valueCodeableConcept": _point_concept(
                    point.code, _chart_side(point.side), "point-side"
                ),
            }
            for point in course.points
        ],
        "note": [{"text": f"Methods planned: {methods}."}],
    }
    return CarePlan.model_validate(data)


def _chart_side(planned: str) -> str:
    """A plan says bilateral; a chart says both."""
    return "both" if planned == "bilateral" else planned


def plan_rows(caller: ApiCaller) -> QuerySet[PlanRecord]:
    later = PlanRecord.objects.filter(patient_id=OuterRef("patient_id"), pk__gt=OuterRef("pk"))
    return (
        PlanRecord.objects.filter(clinic=caller.clinic)
        .annotate(
            closed_sessions=Count("sessions", filter=Q(sessions__closed__isnull=False)),
            replaced=Exists(later),
        )
        .prefetch_related("sessions")
    )


# --- Procedure: one per session (STRICTA) ------------------------------------------------


def _extension(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"url": EXTENSIONS[name], f"value{kind}": value}


def _mm(value: Decimal | int) -> dict[str, Any]:
    return {"value": value, "unit": "mm", "system": codes.UCUM, "code": "mm"}


def stricta_extensions(session: SessionRecord) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(name: str, kind: str, value: Any) -> None:
        if value is not None and value != "":
            found.append(_extension(name, kind, value))

    add("needles-inserted", "Integer", session.needles_inserted)
    add("needles-removed", "Integer", session.needles_removed)
    add("needle-type", "String", session.needle_type)
    if session.needle_diameter_mm is not None:
        add("needle-diameter", "Quantity", _mm(session.needle_diameter_mm))
    if session.needle_length_mm is not None:
        add("needle-length", "Quantity", _mm(session.needle_length_mm))
    add("needle-depth", "String", f"{session.depth_mm} mm" if session.depth_mm else "")
    add("response-sought", "Code", session.response_sought)
    add("stimulation", "Code", session.stimulation)
    add("electrical-settings", "String", session.electrical_settings)
    if session.retention_minutes is not None:
        add(
            "retention",
            "Quantity",
            {
                "value": session.retention_minutes,
                "unit": "min",
                "system": codes.UCUM,
                "code": "min",
            },
        )
    for name, done in (
        ("moxibustion", session.moxibustion),
        ("cupping", session.cupping),
        ("tui-na", session.tui_na),
        ("ear-seeds", session.ear_seeds),
    ):
        add(name, "Boolean", done)
    if session.nrs_before is not None:
        add("pain-before", "Decimal", number(session.nrs_before))
    if session.nrs_after is not None:
        add("pain-after", "Decimal", number(session.nrs_after))
    return found


def procedure(session: SessionRecord) -> Procedure:
    # Sorted here, not in the query, so a prefetched list keeps its order too.
    events = sorted(session.adverse_events.all(), key=lambda event: event.pk)
    data: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": str(session.pk),
        "status": "completed" if session.closed else "in-progress",
        "code": {"text": "Acupuncture"},
        "subject": ref("Patient", session.patient_id),
        "performedDateTime": session.day.isoformat(),
        "recorder": ref("Practitioner", session.created_by_id),
        "performer": [{"actor": ref("Practitioner", session.created_by_id)}],
        "basedOn": [ref("CarePlan", session.plan_id)],
        "bodySite": [
            _point_concept(p["code"], p.get("side", "both"))
            for p in session.points
            if p.get("code") in knowledge_base().points
        ],
        "extension": stricta_extensions(session),
    }
    if events:
        data["complication"] = [
            {
                "extension": [
                    {
                        "url": EXTENSIONS["adverse-event"],
                        "valueReference": ref("AdverseEvent", event.pk),
                    }
                ],
                "text": f"{event.get_severity_display()} adverse event: {event.description}",
            }
            for event in events
        ]
    if session.advice:
        data["followUp"] = [{"text": session.advice}]
    if not data["bodySite"]:
        del data["bodySite"]
    return Procedure.model_validate(data)


def session_rows(caller: ApiCaller) -> QuerySet[SessionRecord]:
    return SessionRecord.objects.filter(clinic=caller.clinic).prefetch_related("adverse_events")


# --- AdverseEvent --------------------------------------------------------------------------


def adverse_event(event: AdverseEvent) -> FhirAdverseEvent:
    severity, seriousness = ADVERSE_SEVERITY[Severity(event.severity)]
    data: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "actuality": "actual",
        "event": {"text": event.description},
        "subject": ref("Patient", event.patient_id),
        "date": event.session.day.isoformat(),
        "recordedDate": event.created.isoformat(),
        "recorder": ref("Practitioner", event.created_by_id),
        "severity": {
            "coding": [coding(codes.ADVERSE_EVENT_SEVERITY, severity, severity.capitalize())],
            "text": event.get_severity_display(),
        },
        "seriousness": {
            "coding": [
                coding(
                    codes.ADVERSE_EVENT_SERIOUSNESS,
                    seriousness,
                    "Serious" if seriousness == "serious" else "Non-serious",
                )
            ]
        },
        "suspectEntity": [{"instance": ref("Procedure", event.session_id)}],
    }
    if event.follow_up:
        data["extension"] = [_extension("follow-up", "String", event.follow_up)]
    return FhirAdverseEvent.model_validate(data)


def adverse_event_rows(caller: ApiCaller) -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.filter(clinic=caller.clinic).select_related("session")


CARE_PLAN = register(ResourceType("CarePlan", plan_rows, care_plan, "patient_id", True))
PROCEDURE = register(ResourceType("Procedure", session_rows, procedure, "patient_id", True))
ADVERSE_EVENT = register(
    ResourceType("AdverseEvent", adverse_event_rows, adverse_event, "patient_id", True)
)
