"""The clinic outcomes report: every figure of a small known cohort, on both databases."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from acuback.clinical.course_plan import draft
from acuback.clinical.intake import read_intake
from acuback.clinical.screening import screen
from acuback.knowledge.loader import knowledge_base
from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care.models import (
    AdverseEvent,
    IntakeRecord,
    PlanRecord,
    ScoreRecord,
    SessionRecord,
)
from acuback.web.clinics.models import Membership, Patient, Role
from acuback.web.reports import service
from acuback.web.reports.models import CourseOutcome
from tests.conftest import PASSWORD

KB = knowledge_base()
FROM, TO, TODAY = date(2026, 1, 1), date(2026, 3, 31), date(2026, 6, 1)
URL = "/reports/outcomes/"
PERIOD = {"start": "2026-01-01", "end": "2026-03-31"}
LOW = {f"startback-{i}": 0 for i in range(1, 10)}
HIGH = {f"startback-{i}": 1 for i in range(1, 10)}


def course(
    patient: Patient,
    by: Any,
    start: date,
    condition: str,
    startback: dict[str, int] | None = None,
    intake_day: date | None = None,
) -> PlanRecord:
    weeks = 30 if condition != "acute-low-back-pain" else 2
    raw: dict[str, Any] = {"age": 50, "pain_duration_weeks": weeks, "conditions": [condition]}
    if startback:
        raw["startback"] = startback
    intake = read_intake(raw, KB, today=start)
    screening = screen(intake, KB)
    record = IntakeRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=by, answers=raw,
        triage_level=screening.level.value, screening_json=screening.model_dump(mode="json"),
    )  # fmt: skip
    made = timezone.make_aware(datetime.combine(intake_day or start, datetime.min.time()))
    IntakeRecord.objects.filter(pk=record.pk).update(created=made)
    record.created = made
    return PlanRecord.objects.create(
        clinic=patient.clinic, patient=patient, created_by=by, intake=record, start=start,
        course_json=draft(intake, screening, KB, start).model_dump(mode="json"),
    )  # fmt: skip


def sessions(plan: PlanRecord, days: list[date], closed: bool = True) -> list[SessionRecord]:
    first = SessionRecord.objects.filter(plan=plan).count()
    return [
        SessionRecord.objects.create(
            clinic=plan.clinic,
            patient=plan.patient,
            created_by=plan.created_by,
            plan=plan,
            number=first + n + 1,
            day=day,
            closed=timezone.now() if closed else None,
        )  # fmt: skip
        for n, day in enumerate(days)
    ]


def score(plan: PlanRecord, instrument: str, value: float, day: date, **extra: Any) -> None:
    ScoreRecord.objects.create(
        clinic=plan.clinic, patient=plan.patient, created_by=plan.created_by,
        instrument=instrument, value=value, day=day, **extra,
    )  # fmt: skip


def adverse(session: SessionRecord, severity: str) -> None:
    AdverseEvent.objects.create(
        clinic=session.clinic, patient=session.patient, created_by=session.created_by,
        session=session, severity=severity, description="Bruise",
    )  # fmt: skip


def patient(clinic: Any, name: str) -> Patient:
    return Patient.objects.create(
        clinic=clinic, given_name=name, family_name="Test", date_of_birth=date(1970, 1, 1)
    )


@pytest.fixture
def cohort(clinics: dict[str, Any]) -> dict[str, Any]:
    """Four courses of the home clinic and one of the other, each figure known."""
    home, alice = clinics["home"], clinics["practitioner"]
    erin = get_user_model().objects.create_user(
        username="erin", first_name="Erin", last_name="Hale", password=PASSWORD
    )
    Membership.objects.create(user=erin, clinic=home, role=Role.PRACTITIONER)

    # A: responder on pain (NRS 7 at intake -> 3 at week 6), RMDQ 12 -> 10 not important;
    # 13 visits in 72 days: over the 12-in-90-days limit; finished (10 planned).
    a = course(clinics["patient"], alice, date(2026, 1, 5), "chronic-low-back-pain", LOW,
               intake_day=date(2026, 1, 2))  # fmt: skip
    score(a, "nrs", 7, date(2026, 1, 2))
    score(a, "nrs", 3, date(2026, 2, 16))  # start + 42 days: the window's first day
    score(a, "rmdq", 12, date(2026, 1, 5))
    score(a, "rmdq", 10, date(2026, 3, 2))  # start + 56 days: the window's last day
    # A patient's own diary never judges the course, however good.
    score(a, "nrs", 0, date(2026, 2, 20), source="patient")
    a_sessions = sessions(a, [date(2026, 1, 5) + timedelta(days=6 * k) for k in range(13)])
    adverse(a_sessions[0], "mild")
    adverse(a_sessions[1], "moderate")

    # B: no change (NRS 6 -> 6 at week 7); a later 1 falls after the window. High risk.
    # Three closed visits of four planned and an open one: not finished.
    b = course(patient(home, "Bea"), erin, date(2026, 2, 2), "acute-low-back-pain", HIGH)
    score(b, "nrs", 6, date(2026, 2, 2))
    score(b, "nrs", 6, date(2026, 3, 23))
    score(b, "nrs", 1, date(2026, 3, 31))  # start + 57 days: past the review window
    b_sessions = sessions(b, [date(2026, 2, 2), date(2026, 2, 5), date(2026, 2, 9)])
    sessions(b, [date(2026, 2, 12)], closed=False)
    adverse(b_sessions[2], "serious")

    # C: started in the period, nothing charted yet.
    course(patient(home, "Cy"), alice, date(2026, 3, 1), "chronic-low-back-pain")

    # D: started before the period, its tenth and last visit inside it: finished, not started.
    d = course(patient(home, "Dee"), alice, date(2025, 10, 6), "sciatica")
    sessions(d, [date(2025, 10, 6) + timedelta(weeks=k) for k in range(9)] + [date(2026, 1, 10)])

    # The other clinic: a responder with adverse events in the same period, never counted.
    theirs = course(clinics["other_patient"], clinics["outsider"], date(2026, 1, 5),
                    "chronic-low-back-pain", LOW)  # fmt: skip
    score(theirs, "nrs", 9, date(2026, 1, 5))
    score(theirs, "nrs", 1, date(2026, 2, 20))
    for s in sessions(theirs, [date(2026, 1, 5), date(2026, 1, 8)]):
        adverse(s, "serious")
    return {**clinics, "erin": erin}


def test_every_figure_of_the_cohort(cohort: dict[str, Any]) -> None:
    report = service.outcomes(cohort["home"], FROM, TO, TODAY)
    assert (report.started, report.finished) == (3, 2)
    assert report.review_weeks == (6, 8)
    judged = {r.label: (r.judged, r.responded) for r in report.by_instrument}
    assert judged == {
        "Pain rating scale (0-10)": (2, 1),
        "PEG (pain, enjoyment of life, general activity)": (0, 0),
        "Roland-Morris Disability Questionnaire (RMDQ)": (1, 0),
        "Oswestry Disability Index (ODI v2.1a)": (0, 0),
    }
    assert report.by_instrument[0].percent == 50.0
    assert [(r.label, r.judged, r.responded) for r in report.by_condition] == [
        ("Acute low back pain", 1, 0),
        ("Chronic low back pain", 1, 1),
    ]
    assert [(r.label, r.judged, r.responded) for r in report.by_risk] == [
        ("Low risk", 1, 1),
        ("High risk", 1, 0),
    ]
    assert [(r.label, r.judged, r.responded) for r in report.by_practitioner] == [
        ("Erin Hale", 1, 0),
        ("alice", 1, 1),
    ]
    assert report.sessions == 17  # A 13, B 3 closed, D 1 in the period
    assert [(a.label, a.events, a.per_thousand) for a in report.adverse] == [
        ("Mild", 1, 58.8),
        ("Moderate", 1, 58.8),
        ("Serious", 1, 58.8),
    ]
    assert (report.visits_mean, report.visits_median, report.visits_most) == (5.3, 3, 13)
    assert [(c.limit, c.window_days, c.over) for c in report.caps] == [(12, 90, 1), (20, 365, 0)]


def stored() -> dict[int, dict[str, Any]]:
    return {row["plan_id"]: row for row in CourseOutcome.objects.values().order_by("plan_id")}


def judged_afresh() -> dict[int, dict[str, Any]]:
    """What judging every course from scratch stores."""
    kept = stored()
    CourseOutcome.objects.all().delete()
    service.refresh_outcomes(PlanRecord.objects.values_list("pk", flat=True))
    fresh = stored()
    assert fresh.keys() == kept.keys()
    return fresh


def test_every_write_keeps_the_stored_judgements_as_judging_afresh_would(
    cohort: dict[str, Any],
) -> None:
    """Scores, sessions and plans are written by forms, the API, FHIR and the portal: the
    report's stored judgement of each course must follow every one of them."""
    plans = {p.patient.given_name: p for p in PlanRecord.objects.select_related("patient")}
    b, c = plans["Bea"], plans["Cy"]

    def close_open_visit() -> None:
        visit = SessionRecord.objects.get(plan=b, closed__isnull=True)
        visit.closed = timezone.now()
        visit.save()

    def correct_review_score() -> None:
        review = ScoreRecord.objects.get(patient=b.patient, day=date(2026, 3, 23))
        review.value = 2
        review.save()

    writes = [
        # Cy's course gets a baseline and a review score: judged, a responder.
        lambda: score(c, "odi", 40, date(2026, 3, 1)),
        lambda: score(c, "odi", 20, date(2026, 4, 15)),
        # Bea's open fourth visit is closed; her review score is corrected to a responder's.
        close_open_visit,
        correct_review_score,
        # A diary entry changes nothing; a clinic score deleted does.
        lambda: score(c, "nrs", 0, date(2026, 4, 16), source="patient"),
        lambda: ScoreRecord.objects.get(patient=c.patient, instrument="odi", value=20).delete(),
    ]
    for write in writes:
        write()
        assert stored() == judged_afresh()
    assert (stored()[b.pk]["visits"], stored()[b.pk]["responded"]) == (4, True)
    assert stored()[c.pk]["responded"] is None


def test_courses_never_judged_or_judged_by_other_rules_are_judged_by_the_report(
    cohort: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = service.outcomes(cohort["home"], FROM, TO, TODAY)
    CourseOutcome.objects.filter(plan__patient__given_name="Bea").delete()
    CourseOutcome.objects.filter(plan__patient__given_name="Cy").update(rules="older rules")
    assert service.outcomes(cohort["home"], FROM, TO, TODAY) == expected
    assert set(CourseOutcome.objects.values_list("rules", flat=True)) == {
        service.rules_fingerprint()
    }
    # Another knowledge base's rules: every course is judged again, once.
    monkeypatch.setattr(service, "rules_fingerprint", lambda: "other rules")
    assert service.refresh_stale(cohort["home"]) == 4
    assert service.refresh_stale(cohort["home"]) == 0


def test_the_other_clinic_counts_only_its_own(cohort: dict[str, Any]) -> None:
    report = service.outcomes(cohort["other"], FROM, TO, TODAY)
    assert (report.started, report.finished, report.sessions) == (1, 0, 2)
    assert [(a.events, a.per_thousand) for a in report.adverse] == [(0, 0), (0, 0), (2, 1000)]
    assert [(r.label, r.judged, r.responded) for r in report.by_practitioner] == [("charlie", 1, 1)]


def test_an_empty_period_has_no_rates(clinics: dict[str, Any]) -> None:
    report = service.outcomes(clinics["home"], FROM, TO, TODAY)
    assert (report.started, report.finished, report.sessions) == (0, 0, 0)
    assert all(a.per_thousand is None for a in report.adverse)
    assert report.visits_mean is None and all(r.percent is None for r in report.by_instrument)


@pytest.mark.parametrize(
    ("start", "end", "why"),
    [
        (date(2026, 3, 1), date(2026, 2, 1), "ends"),
        (date(2026, 7, 1), date(2026, 8, 1), "after today"),
        (date(2019, 1, 1), date(2026, 1, 1), "five years"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused(start: date, end: date, why: str) -> None:
    with pytest.raises(service.PeriodNotValid, match=why):
        service.check_period(start, end, TODAY)


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_page_shows_the_figures_to_the_clinic_admin(cohort: dict[str, Any]) -> None:
    response = signed_in(cohort["admin"]).get(URL, PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("1 Jan 2026", "31 Mar 2026", "Erin Hale", "58.8", "Low risk", "<svg"):
        assert text in page
    assert "charlie" not in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(clinic=cohort["home"]).latest("id")
    assert event.action == Action.VIEW and "outcomes" in event.what.lower()


def test_the_csv_holds_the_same_figures_and_is_audited_as_an_export(
    cohort: dict[str, Any],
) -> None:
    response = signed_in(cohort["admin"]).get(URL + "csv/", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Section", "Group", "Figure", "Value"]
    assert ["Courses", "", "Started", "3"] in rows
    assert ["Adverse events", "Serious", "Per 1,000 sessions", "58.8"] in rows
    assert ["Responders by practitioner", "Erin Hale", "Responders", "0"] in rows
    assert not any("charlie" in cell for row in rows for cell in row)
    event = AuditEvent.objects.filter(clinic=cohort["home"]).latest("id")
    assert event.action == Action.EXPORT


@pytest.mark.parametrize("who", ["practitioner", "colleague"])
def test_only_the_clinic_admin_sees_the_report(cohort: dict[str, Any], who: str) -> None:
    client = signed_in(cohort[who])
    assert client.get(URL, PERIOD).status_code == 403
    assert client.get(URL + "csv/", PERIOD).status_code == 403


def test_signed_out_goes_to_sign_in(cohort: dict[str, Any]) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_bad_dates_answer_400_with_the_reason(cohort: dict[str, Any]) -> None:
    client = signed_in(cohort["admin"])
    response = client.get(URL, {"start": "2026-03-01", "end": "2026-02-01"})
    assert response.status_code == 400
    assert "before it starts" in response.content.decode()
    assert client.get(URL + "csv/", {"start": "yesterday"}).status_code == 400


def test_the_query_count_does_not_grow_with_the_cohort(
    cohort: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = signed_in(cohort["admin"])
    with django_assert_max_num_queries(16) as small:
        client.get(URL, PERIOD)
    for n in range(6):
        extra = course(patient(cohort["home"], f"P{n}"), cohort["erin"], date(2026, 1, 12),
                       "sciatica", HIGH)  # fmt: skip
        score(extra, "odi", 40, date(2026, 1, 12))
        score(extra, "odi", 20, date(2026, 2, 25))
        adverse(sessions(extra, [date(2026, 1, 12), date(2026, 1, 19)])[0], "mild")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL, PERIOD)
    assert response.status_code == 200
