"""acuback's records as FHIR R4B: each mapping validated by fhir.resources, its codes from
allowed systems only, its values where a reader looks for them, and its rows scoped to the
caller's clinic and role. No server: the /fhir/ views are tested elsewhere."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from fhir.resources.R4B.resource import Resource

from acuback.clinical.base import spoken
from acuback.interop import codes
from acuback.interop.codes import code_problems
from acuback.web.apitokens.service import ApiCaller
from acuback.web.appointments.models import Appointment, Status
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord, ScoreRecord, ScoreSource
from acuback.web.clinics.models import Role
from acuback.web.fhir import clinical_resources as clinical
from acuback.web.fhir import codesystems
from acuback.web.fhir import practice_resources as practice
from acuback.web.fhir import score_resources as scores
from acuback.web.fhir import service as fhir
from acuback.web.fhir.registry import REGISTRY
from tests.appointments_helpers import a_weekday_ahead, moment, type_named
from tests.check_in_helpers import a_plan, closed_session, open_session

pytestmark = pytest.mark.django_db
EXT = clinical.EXTENSIONS


def valid(resource: Resource) -> dict[str, Any]:
    """The resource's JSON, after checking it parses back to the same and its codes pass."""
    data = resource.model_dump(mode="json")
    assert type(resource).model_validate(data).model_dump(mode="json") == data
    assert code_problems(resource) == []
    return data


def caller(user: User, role: str | None = None) -> ApiCaller:
    membership = user.membership  # type: ignore[attr-defined]
    return ApiCaller(user, membership.clinic, role or membership.role, token_id=0)


def extensions(data: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for ext in data.get("extension", []):
        name = ext["url"].removeprefix(codes.EXTENSION + "/")
        found[name] = next(v for k, v in ext.items() if k.startswith("value"))
    return found


def a_charted_session(clinics: dict[str, Any]) -> Any:
    alice = clinics["practitioner"]
    session = open_session(clinics["patient"], alice)
    session.points = [{"code": "bl23", "side": "left"}, {"code": "bl25", "side": "both"}]
    session.needle_type = "Seirin J-type, stainless steel"
    session.needle_diameter_mm = Decimal("0.25")
    session.needle_length_mm = 40
    session.depth_mm = "15-25"
    session.response_sought = "de_qi"
    session.stimulation = "manual"
    session.retention_minutes = 20
    session.moxibustion = True
    session.nrs_after = Decimal("3.5")
    session.advice = "Walk daily."
    session.save()
    care.close_session(session, alice)
    return session


def test_a_closed_session_is_a_completed_procedure_with_points_sides_and_stricta(
    clinics: dict[str, Any],
) -> None:
    session = a_charted_session(clinics)
    event = care.record_adverse_event(
        session, clinics["practitioner"], {"severity": "mild", "description": "Small bruise"}
    )
    data = valid(clinical.procedure(session))
    assert data["id"] == str(session.pk)
    assert data["status"] == "completed"
    assert data["code"]["text"] == "Acupuncture"
    assert data["performedDateTime"] == session.day.isoformat()
    assert data["subject"]["reference"] == f"Patient/{clinics['patient'].pk}"
    assert (
        data["performer"][0]["actor"]["reference"] == f"Practitioner/{clinics['practitioner'].pk}"
    )
    assert data["basedOn"] == [{"reference": f"CarePlan/{session.plan_id}"}]
    sites = [(s["coding"][0]["code"], extensions(s)["point-side"]) for s in data["bodySite"]]
    assert sites == [("BL23", "left"), ("BL25", "both")]
    assert {s["coding"][0]["system"] for s in data["bodySite"]} == {codes.ACUPUNCTURE_POINT}
    assert data["bodySite"][0]["text"] == "BL23 Shenshu, left side"
    found = extensions(data)
    assert found["needles-inserted"] == 2 and found["needles-removed"] == 2
    assert found["needle-type"] == "Seirin J-type, stainless steel"
    assert found["needle-diameter"] == {
        "value": 0.25, "unit": "mm", "system": codes.UCUM, "code": "mm"
    }  # fmt: skip
    assert found["needle-length"]["value"] == 40
    assert found["needle-depth"] == "15-25 mm"
    assert found["response-sought"] == "de_qi" and found["stimulation"] == "manual"
    assert found["retention"] == {"value": 20, "unit": "min", "system": codes.UCUM, "code": "min"}
    assert found["moxibustion"] is True and found["cupping"] is False
    assert found["pain-before"] == 6 and found["pain-after"] == 3.5
    assert "electrical-settings" not in found  # nothing charted, nothing sent
    assert data["complication"][0]["text"] == "Mild adverse event: Small bruise"
    assert extensions(data["complication"][0])["adverse-event"] == {
        "reference": f"AdverseEvent/{event.pk}"
    }
    assert data["followUp"] == [{"text": "Walk daily."}]


def test_an_open_session_is_in_progress(clinics: dict[str, Any]) -> None:
    session = open_session(clinics["patient"], clinics["practitioner"])
    data = valid(clinical.procedure(session))
    assert data["status"] == "in-progress"
    assert "complication" not in data


def test_adverse_event_severity_and_seriousness(clinics: dict[str, Any]) -> None:
    session = closed_session(clinics["patient"], clinics["practitioner"])
    for ours, severity, seriousness in [
        ("mild", "mild", "non-serious"),
        ("moderate", "moderate", "non-serious"),
        ("serious", "severe", "serious"),
    ]:
        event = care.record_adverse_event(
            session,
            clinics["practitioner"],
            {"severity": ours, "description": "Felt faint", "follow_up": "Lay down; fine soon"},
        )
        data = valid(clinical.adverse_event(event))
        assert data["actuality"] == "actual"
        assert data["event"]["text"] == "Felt faint"
        assert data["severity"]["coding"][0]["code"] == severity
        assert data["seriousness"]["coding"][0]["code"] == seriousness
        assert data["suspectEntity"] == [{"instance": {"reference": f"Procedure/{session.pk}"}}]
        assert data["date"] == session.day.isoformat()
        assert extensions(data)["follow-up"] == "Lay down; fine soon"


def codings(data: dict[str, Any]) -> dict[str, str]:
    return {c["system"]: c["code"] for c in data["code"]["coding"]}


def test_the_session_nrs_is_an_nrs_observation_with_loinc_part_of_the_procedure(
    clinics: dict[str, Any],
) -> None:
    session = closed_session(clinics["patient"], clinics["practitioner"])
    score = ScoreRecord.objects.get(session=session, instrument="nrs")
    data = valid(scores.observation(score))
    assert codings(data) == {codes.LOINC: "72514-3", codes.INSTRUMENT: "nrs"}
    assert data["code"]["text"] == "Pain rating scale (0-10)"
    assert data["category"][0]["coding"][0]["code"] == "survey"
    assert data["valueQuantity"] == {
        "value": 6, "unit": "score", "system": codes.UCUM, "code": "{score}"
    }  # fmt: skip
    assert data["effectiveDateTime"] == session.day.isoformat()
    assert data["partOf"] == [{"reference": f"Procedure/{session.pk}"}]
    assert data["performer"] == [{"reference": f"Practitioner/{clinics['practitioner'].pk}"}]
    assert data["note"] == [{"text": "Recorded at the clinic"}]
    assert data["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{score.pk}"}]
    answers = valid(scores.questionnaire_response(score))
    assert answers["item"] == [
        {"linkId": "nrs-1", "text": "Item 1", "answer": [{"valueInteger": 6}]}
    ]


def a_score(clinics: dict[str, Any], instrument: str, value: str, **more: Any) -> ScoreRecord:
    return ScoreRecord.objects.create(
        clinic=clinics["home"], patient=clinics["patient"], created_by=clinics["practitioner"],
        instrument=instrument, value=Decimal(value),
        day=timezone.localdate() - timedelta(days=1), **more,
    )  # fmt: skip


def test_a_peg_diary_entry_has_items_as_components_and_answers_and_no_loinc(
    clinics: dict[str, Any],
) -> None:
    score = a_score(
        clinics, "peg", "5.3", source=ScoreSource.PATIENT,
        items={"peg-1": 6, "peg-2": 5, "peg-3": 5},
    )  # fmt: skip
    data = valid(scores.observation(score))
    assert codings(data) == {codes.INSTRUMENT: "peg"}
    assert data["valueQuantity"]["value"] == 5.3
    assert data["performer"] == [{"reference": f"Patient/{clinics['patient'].pk}"}]
    assert data["note"] == [{"text": "Reported by the patient at home"}]
    assert [(c["code"]["coding"][0]["code"], c["valueInteger"]) for c in data["component"]] == [
        ("peg-1", 6), ("peg-2", 5), ("peg-3", 5)
    ]  # fmt: skip
    assert data["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{score.pk}"}]
    assert "partOf" not in data
    answers = valid(scores.questionnaire_response(score))
    assert answers["status"] == "completed"
    assert answers["questionnaire"] == f"{codes.CANONICAL}/Questionnaire/peg"
    assert answers["author"] == {"reference": f"Patient/{clinics['patient'].pk}"}
    assert [(i["linkId"], i["answer"][0]["valueInteger"]) for i in answers["item"]] == [
        ("peg-1", 6), ("peg-2", 5), ("peg-3", 5)
    ]  # fmt: skip


def test_loinc_only_where_confirmed(clinics: dict[str, Any]) -> None:
    assert codings(valid(scores.observation(a_score(clinics, "odi", "34")))) == {
        codes.LOINC: "97909-6", codes.INSTRUMENT: "odi"
    }  # fmt: skip
    assert codings(valid(scores.observation(a_score(clinics, "rmdq", "11")))) == {
        codes.INSTRUMENT: "rmdq"
    }
    startback = valid(scores.observation(a_score(clinics, "start-back", "4")))
    assert codings(startback) == {codes.INSTRUMENT: "start-back"}


def test_only_scores_with_answers_become_questionnaire_responses(clinics: dict[str, Any]) -> None:
    total_only = a_score(clinics, "rmdq", "11")
    nrs = a_score(clinics, "nrs", "4")
    peg = a_score(clinics, "peg", "5", items={"peg-1": 5, "peg-2": 5, "peg-3": 5})
    rows = set(scores.answered_rows(caller(clinics["practitioner"])))
    assert rows == {nrs, peg}
    assert total_only not in rows


def test_a_course_is_a_care_plan_with_its_schedule_reviews_and_points(
    clinics: dict[str, Any],
) -> None:
    session = closed_session(clinics["patient"], clinics["practitioner"])
    plan = PlanRecord.objects.get(pk=session.plan_id)
    course = plan.course
    row = clinical.plan_rows(caller(clinics["practitioner"])).get(pk=plan.pk)
    data = valid(clinical.care_plan(row))
    assert data["status"] == "active" and data["intent"] == "plan"
    assert data["subject"] == {"reference": f"Patient/{clinics['patient'].pk}"}
    assert data["period"]["start"] == plan.start.isoformat()
    assert data["description"].startswith(
        f"{len(course.sessions)} acupuncture sessions from {spoken(course.start)} to "
    )
    activities = [a["detail"] for a in data["activity"]]
    assert len(activities) == len(course.sessions) + len(course.reviews)
    first = data["activity"][0]
    assert first["detail"]["status"] == "completed"
    assert first["detail"]["scheduledPeriod"]["start"] == course.sessions[0].date.isoformat()
    assert first["outcomeReference"] == [{"reference": f"Procedure/{session.pk}"}]
    assert data["activity"][1]["detail"]["status"] == "scheduled"
    reviews = [a for a in activities if a["code"]["text"] == "Review"]
    assert [r["scheduledPeriod"]["start"] for r in reviews] == [
        r.date.isoformat() for r in course.reviews
    ]
    planned = [e["valueCodeableConcept"] for e in data["extension"]]
    assert [p["coding"][0]["code"] for p in planned] == [
        codes.point_code(p.code) for p in course.points
    ]
    assert all(extensions(p)["point-side"] in {"both", "left", "right", "midline"} for p in planned)
    for method in course.methods:
        assert method.label in data["note"][0]["text"]


def test_a_replaced_course_is_revoked_and_a_finished_one_completed(
    clinics: dict[str, Any],
) -> None:
    alice = clinics["practitioner"]
    first = a_plan(clinics["patient"], alice)
    second = care.draft_plan(first.intake, alice, timezone.localdate())
    rows = clinical.plan_rows(caller(alice))
    assert clinical.plan_status(rows.get(pk=first.pk)) == "revoked"
    assert clinical.plan_status(rows.get(pk=second.pk)) == "active"
    # Without the annotations (a row read another way) the answer is the same.
    assert clinical.plan_status(PlanRecord.objects.get(pk=first.pk)) == "revoked"
    planned = len(second.course.sessions)
    second.sessions.model.objects.bulk_create(
        second.sessions.model(
            clinic=second.clinic, patient=second.patient, created_by=alice, plan=second,
            number=n, day=second.start, closed=timezone.now(),
        )
        for n in range(1, planned + 1)
    )  # fmt: skip
    assert clinical.plan_status(rows.get(pk=second.pk)) == "completed"
    assert valid(clinical.care_plan(rows.get(pk=second.pk)))["status"] == "completed"


def test_practitioners_and_the_organization_are_the_callers_clinic_only(
    clinics: dict[str, Any],
) -> None:
    home = clinics["home"]
    home.phone, home.email, home.address = "+441234567890", "desk@home.example", "1 High St\nLeeds"
    home.save()
    alice = clinics["practitioner"]
    alice.first_name, alice.last_name = "Alice", "Moreau"
    alice.save()
    reception = caller(clinics["colleague"])
    staff = {u.username for u in practice.practitioner_rows(reception)}
    assert staff == {"alice", "bob", "dora"}
    data = valid(practice.practitioner(alice))
    assert data["name"] == [{"text": "Alice Moreau", "family": "Moreau", "given": ["Alice"]}]
    assert data["active"] is True
    assert list(practice.organization_rows(reception)) == [home]
    org = valid(practice.organization(home))
    assert org["name"] == "Home Clinic"
    assert org["address"][0]["line"] == ["1 High St", "Leeds"]
    assert {t["system"] for t in org["telecom"]} == {"phone", "email"}


def an_appointment(clinics: dict[str, Any], type_name: str, status: str) -> Appointment:
    day = a_weekday_ahead()
    kind = type_named(clinics["home"], type_name)
    return Appointment.objects.create(
        clinic=clinics["home"], patient=clinics["patient"], practitioner=clinics["practitioner"],
        type=kind, starts_at=moment(day, 10), ends_at=moment(day, 10, kind.duration_minutes),
        status=status, created_by=clinics["colleague"],
        cancel_reason="Ill" if status == Status.CANCELLED else "",
    )  # fmt: skip


def test_appointment_statuses(clinics: dict[str, Any]) -> None:
    for ours, theirs in [
        (Status.BOOKED, "booked"), (Status.ARRIVED, "arrived"), (Status.DONE, "fulfilled"),
        (Status.CANCELLED, "cancelled"), (Status.NO_SHOW, "noshow"),
    ]:  # fmt: skip
        booked = an_appointment(clinics, "Treatment", ours)
        data = valid(practice.appointment(booked))
        assert data["status"] == theirs
        assert data["serviceType"] == [{"text": "Clinic visit"}]
        assert data["appointmentType"] == {"text": "Treatment"}
        actors = [p["actor"]["reference"] for p in data["participant"]]
        assert actors == [
            f"Patient/{clinics['patient'].pk}", f"Practitioner/{clinics['practitioner'].pk}"
        ]  # fmt: skip
        assert data["participant"][1]["type"][0]["coding"][0]["code"] == "PPRF"
        assert data["start"].startswith(booked.starts_at.date().isoformat())
        assert data["minutesDuration"] == booked.duration_minutes
        assert ("cancelationReason" in data) == (ours == Status.CANCELLED)
        booked.delete()


def test_a_home_visit_says_so(clinics: dict[str, Any]) -> None:
    data = valid(practice.appointment(an_appointment(clinics, "Home visit", Status.BOOKED)))
    assert data["serviceType"] == [{"text": "Home visit"}]


def an_audit_row(clinics: dict[str, Any], clinic: str, action: str, user: str) -> AuditEvent:
    who = clinics[user]
    patient = clinics["patient" if clinic == "home" else "other_patient"]
    return AuditEvent.objects.create(
        clinic=clinics[clinic], user=who, username=who.username, action=action,
        what=f"patient {patient.pk}", patient_id=patient.pk, path="/x", ip_address="192.0.2.1",
    )  # fmt: skip


def test_audit_events(clinics: dict[str, Any]) -> None:
    for action, code in [
        (Action.VIEW, "R"), (Action.CREATE, "C"), (Action.CHANGE, "U"), (Action.EXPORT, "E")
    ]:  # fmt: skip
        row = an_audit_row(clinics, "home", action, "practitioner")
        data = valid(practice.audit_event(row))
        assert data["action"] == code
        assert data["type"]["code"] == "rest"
        assert data["agent"][0]["who"] == {
            "reference": f"Practitioner/{clinics['practitioner'].pk}", "display": "alice"
        }  # fmt: skip
        assert data["agent"][0]["requestor"] is True
        assert data["source"]["observer"] == {"reference": f"Organization/{clinics['home'].pk}"}
        assert data["entity"][0]["what"] == {"reference": f"Patient/{clinics['patient'].pk}"}


def test_a_failed_sign_in_names_the_account_without_a_practitioner(
    clinics: dict[str, Any],
) -> None:
    row = AuditEvent.objects.create(
        clinic=clinics["home"], user=None, username="ada@example.org",
        action=Action.LOGIN_FAILED, what="sign-in", path="/accounts/login/",
    )  # fmt: skip
    data = valid(practice.audit_event(row))
    assert (data["action"], data["outcome"]) == ("E", "4")
    assert data["agent"][0]["who"] == {"display": "ada@example.org"}
    assert "entity" not in data


def test_the_audit_trail_is_the_admins_and_their_clinics_only(clinics: dict[str, Any]) -> None:
    mine = an_audit_row(clinics, "home", Action.VIEW, "practitioner")
    an_audit_row(clinics, "other", Action.VIEW, "outsider")
    assert list(practice.audit_rows(caller(clinics["admin"]))) == [mine]
    assert not practice.audit_rows(caller(clinics["practitioner"])).exists()
    assert not practice.audit_rows(caller(clinics["colleague"])).exists()
    assert REGISTRY["AuditEvent"].clinical


def test_every_row_type_leaves_out_the_other_clinic(clinics: dict[str, Any]) -> None:
    """Records in both clinics: each type's rows for a home caller hold only home's."""
    for side, (patient, user) in {
        "home": (clinics["patient"], clinics["practitioner"]),
        "other": (clinics["other_patient"], clinics["outsider"]),
    }.items():
        session = closed_session(patient, user)
        care.record_adverse_event(session, user, {"severity": "mild", "description": "Bruise"})
        an_audit_row(clinics, side, Action.VIEW, "admin" if side == "home" else "outsider")
    home_caller = caller(clinics["admin"])
    other_caller = caller(clinics["outsider"], Role.ADMIN)
    for name in ("Observation", "QuestionnaireResponse", "CarePlan", "Procedure",
                 "AdverseEvent", "Practitioner", "Organization", "AuditEvent"):  # fmt: skip
        entry = REGISTRY[name]
        assert entry.rows is not None and entry.to_fhir is not None
        home_rows, other_rows = list(entry.rows(home_caller)), list(entry.rows(other_caller))
        assert home_rows and other_rows, name
        assert not {r.pk for r in home_rows} & {r.pk for r in other_rows}, name
        for row in home_rows:
            valid(entry.to_fhir(row))
        if entry.patient_lookup:
            assert all(getattr(r, entry.patient_lookup) == clinics["patient"].pk for r in home_rows)


def test_reception_reads_the_book_and_staff_but_no_clinical_record() -> None:
    clinical_types = {name for name, entry in REGISTRY.items() if entry.clinical}
    assert {"Observation", "QuestionnaireResponse", "CarePlan", "Procedure", "AdverseEvent",
            "AuditEvent"} <= clinical_types  # fmt: skip
    for name in ("Appointment", "Practitioner", "Organization", "Questionnaire", "CodeSystem"):
        assert not REGISTRY[name].clinical, name
    assert REGISTRY["Practitioner"].patient_lookup is None
    assert REGISTRY["Questionnaire"].patient_lookup is None


def test_appointments_leave_out_the_other_clinic(clinics: dict[str, Any]) -> None:
    mine = an_appointment(clinics, "Treatment", Status.BOOKED)
    assert list(practice.appointment_rows(caller(clinics["colleague"]))) == [mine]
    assert not practice.appointment_rows(caller(clinics["outsider"])).exists()


def test_questionnaires_carry_ids_and_ranges_never_wording() -> None:
    found = codesystems.questionnaires()
    assert {q.id for q in found} >= {"nrs", "peg", "rmdq", "odi", "start-back"}
    for resource in found:
        data = valid(resource)
        assert data["url"] == f"{codes.CANONICAL}/Questionnaire/{data['id']}"
        assert data["status"] == "active"
        assert all(re.fullmatch(r"Item \d+", item["text"]) for item in data["item"])
    rmdq = valid(codesystems.questionnaire("rmdq"))  # type: ignore[arg-type]
    assert len(rmdq["item"]) == 24 and rmdq["item"][23]["linkId"] == "rmdq-24"
    assert "Scored 0 to 24" in rmdq["description"]
    odi = valid(codesystems.questionnaire("odi"))  # type: ignore[arg-type]
    assert {c["code"] for c in odi["code"]} == {"97909-6", "odi"}
    assert codesystems.questionnaire("nope") is None
    assert REGISTRY["Questionnaire"].find is not None


def test_the_code_systems_hold_every_code_we_emit() -> None:
    points = valid(codesystems.point_code_system())
    assert points["url"] == codes.ACUPUNCTURE_POINT
    by_code = {c["code"]: c for c in points["concept"]}
    assert set(by_code) == codes.allowed_codes()[codes.ACUPUNCTURE_POINT]
    assert by_code["BL23"]["display"] == "BL23 Shenshu"
    assert {p["code"]: next(iter(v for k, v in p.items() if k.startswith("value")))
            for p in by_code["BL23"]["property"]}["channel"] == "Bladder"  # fmt: skip
    assert "ear-shenmen" in by_code
    instruments = valid(codesystems.instrument_code_system())
    every = {c["code"] for c in instruments["concept"]} | {
        item["code"] for c in instruments["concept"] for item in c["concept"]
    }
    assert every == codes.allowed_codes()[codes.INSTRUMENT]
    assert codesystems.code_system("instrument") is not None
    assert codesystems.code_system("nope") is None


def test_a_code_system_with_a_code_we_do_not_allow_is_caught() -> None:
    data = codesystems.point_code_system().model_dump(mode="json")
    data["concept"].append({"code": "BL99", "display": "made up"})
    resource = type(codesystems.point_code_system()).model_validate(data)
    assert code_problems(resource) == [
        f"concept: 'BL99' is not a code of {codes.ACUPUNCTURE_POINT}"
    ]


def test_everything_and_reads_through_the_fhir_service(
    clinics: dict[str, Any], settings: Any
) -> None:
    """The server's service layer over these mappings, with emitted codes checked strictly."""
    settings.FHIR_STRICT_CODES = True
    session = a_charted_session(clinics)
    care.record_adverse_event(
        session, clinics["practitioner"], {"severity": "mild", "description": "Bruise"}
    )
    a_score(clinics, "peg", "5", items={"peg-1": 5, "peg-2": 5, "peg-3": 5})
    an_appointment(clinics, "Treatment", Status.BOOKED)
    an_audit_row(clinics, "home", Action.VIEW, "practitioner")
    theirs = closed_session(clinics["other_patient"], clinics["outsider"])
    patient = clinics["patient"].pk

    def kinds(user: str) -> set[str]:
        found = fhir.everything(caller(clinics[user]), patient)
        return {r.get_resource_type() for r in found}

    clinical_types = {"Observation", "QuestionnaireResponse", "CarePlan", "Procedure",
                      "AdverseEvent"}  # fmt: skip
    assert kinds("practitioner") >= clinical_types | {"Patient", "Appointment"}
    # Who looked at the record is in the audit trail, not in the record: not even the
    # admin, who may search AuditEvent?patient=, gets it in $everything.
    assert "AuditEvent" not in kinds("practitioner") | kinds("admin")
    assert not kinds("colleague") & (clinical_types | {"AuditEvent"})
    assert "Appointment" in kinds("colleague")
    home = caller(clinics["practitioner"])
    assert fhir.read(home, "Procedure", str(session.pk)).id == str(session.pk)
    with pytest.raises(fhir.NotFound):
        fhir.read(home, "Procedure", str(theirs.pk))
    with pytest.raises(fhir.NotAllowed):
        fhir.read(caller(clinics["colleague"]), "Procedure", str(session.pk))
    reception = caller(clinics["colleague"])
    assert fhir.read(reception, "Questionnaire", "peg").id == "peg"
    assert fhir.read(reception, "CodeSystem", "acupuncture-point").id == "acupuncture-point"
    with pytest.raises(fhir.NotFound):
        fhir.read(reception, "Questionnaire", "nope")
