"""The pain diary in the portal: strict ratings, the practitioner's charts, the engine untouched."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acuback.web.audit.models import Action, AuditEvent
from acuback.web.care import service as care
from acuback.web.care.models import IntakeRecord, PlanRecord, ScoreRecord, ScoreSource
from acuback.web.portal import diary_service
from tests.portal_helpers import portal
from tests.test_web_care import make_intake, make_plan, signed_in

__all__ = ["portal"]

pytestmark = pytest.mark.django_db
DIARY = "/portal/diary/"


def patient_client(portal: dict[str, Any], who: str = "ada") -> Client:
    client = Client()
    client.force_login(portal[who])
    return client


def entry(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"day": timezone.localdate().isoformat(), "nrs": "6"}
    data.update(changes)
    return data


def errors_of(response: Any) -> dict[str, list[str]]:
    return {name: list(errs) for name, errs in response.context["form"].errors.items()}


def backdate_care(patient: Any, days: int) -> None:
    """The patient's intakes as if taken `days` ago (the diary may go back to then)."""
    when = timezone.now() - timedelta(days=days)
    IntakeRecord.objects.filter(patient=patient).update(created=when)


# Validation -----------------------------------------------------------------------------


def test_a_pain_rating_for_today_is_stored_as_a_patient_reported_score(
    portal: dict[str, Any],
) -> None:
    client = patient_client(portal)
    response = client.post(DIARY, entry(nrs="6"))
    assert response.status_code == 302 and response["Location"] == DIARY + "?done=saved"
    score = ScoreRecord.objects.get()
    assert (score.instrument, score.value, score.day) == ("nrs", Decimal("6"), date.today())
    assert score.source == ScoreSource.PATIENT
    assert score.created_by == portal["ada"]
    assert score.patient == portal["patient"] and score.clinic == portal["home"]
    page = client.get(response["Location"])
    assert "Saved to your diary." in page.content.decode()
    assert AuditEvent.objects.filter(action=Action.CREATE, patient_id=portal["patient"].pk).exists()


def test_the_peg_score_is_the_mean_of_its_three_items_with_the_items_kept(
    portal: dict[str, Any],
) -> None:
    client = patient_client(portal)
    response = client.post(DIARY, entry(nrs="", peg_1="7", peg_2="5", peg_3="6"))
    assert response.status_code == 302
    score = ScoreRecord.objects.get()
    assert score.instrument == "peg" and score.value == Decimal("6.0")
    assert score.items == {"peg-1": 7, "peg-2": 5, "peg-3": 6}

    client.post(DIARY, entry(day=(date.today() - timedelta(days=1)).isoformat(), nrs="",
                             peg_1="4", peg_2="4", peg_3="5"))  # fmt: skip
    assert ScoreRecord.objects.order_by("id").last().value == Decimal("4.3"), "rounded to 0.1"


def test_pain_and_peg_together_make_two_scores(portal: dict[str, Any]) -> None:
    client = patient_client(portal)
    assert client.post(DIARY, entry(nrs="3", peg_1="3", peg_2="2", peg_3="1")).status_code == 302
    assert sorted(ScoreRecord.objects.values_list("instrument", "value")) == [
        ("nrs", Decimal("3")),
        ("peg", Decimal("2")),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"nrs": "-1"}, "nrs", "lowest rating is 0"),
        ({"nrs": "11"}, "nrs", "highest rating is 10"),
        ({"nrs": "5.5"}, "nrs", "whole number"),
        ({"nrs": "5.0"}, "nrs", "whole number"),
        ({"nrs": "five"}, "nrs", "whole number"),
        ({"nrs": "9" * 5000}, "nrs", "whole number"),  # past int()'s digit limit
        ({"nrs": "", "peg_1": "5", "peg_2": "", "peg_3": "4"}, "peg_2", "all three"),
        ({"nrs": "", "peg_1": "5", "peg_2": "12", "peg_3": "4"}, "peg_2", "highest"),
        ({"nrs": ""}, "nrs", "Give a rating"),
        ({"day": ""}, "day", "Choose the day"),
        ({"day": "yesterday"}, "day", "calendar"),
    ],
)
def test_bad_ratings_are_refused_beside_their_field_and_nothing_is_stored(
    portal: dict[str, Any], changes: dict[str, str], field: str, words: str
) -> None:
    client = patient_client(portal)
    response = client.post(DIARY, entry(**changes))
    assert response.status_code == 400
    errors = errors_of(response)
    assert field in errors and any(words in e for e in errors[field]), errors
    assert not ScoreRecord.objects.exists()
    html = response.content.decode()
    # Beside the field, and tied to it for screen readers.
    assert re.search(rf'id="id_{field}_error"', html)
    assert re.search(rf'<input[^>]*aria-describedby="[^"]*id_{field}_error[^"]*"', html)


def test_a_day_in_the_future_is_refused(portal: dict[str, Any]) -> None:
    client = patient_client(portal)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(DIARY, entry(day=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "not come yet" in errors_of(response)["day"][0]
    assert not ScoreRecord.objects.exists()


def test_a_day_before_the_first_intake_or_over_60_days_back_is_refused(
    portal: dict[str, Any],
) -> None:
    client = patient_client(portal)
    today = timezone.localdate()
    far = client.post(DIARY, entry(day=(today - timedelta(days=61)).isoformat()))
    assert far.status_code == 400 and "60 days" in errors_of(far)["day"][0]
    assert (
        client.post(DIARY, entry(day=(today - timedelta(days=60)).isoformat())).status_code == 302
    )

    staff = signed_in(portal["practitioner"])
    make_intake(staff, portal["patient"], nrs="")
    backdate_care(portal["patient"], days=10)
    before = client.post(DIARY, entry(day=(today - timedelta(days=11)).isoformat()))
    assert before.status_code == 400
    assert "care at the clinic began" in errors_of(before)["day"][0]
    assert (
        client.post(DIARY, entry(day=(today - timedelta(days=10)).isoformat())).status_code == 302
    )


def test_a_second_rating_for_the_same_day_points_to_correcting_the_first(
    portal: dict[str, Any],
) -> None:
    client = patient_client(portal)
    client.post(DIARY, entry(nrs="4"))
    again = client.post(DIARY, entry(nrs="5"))
    assert again.status_code == 400
    assert "already noted" in errors_of(again)["nrs"][0]
    assert ScoreRecord.objects.count() == 1


# Correcting and deleting -----------------------------------------------------------------


def test_an_entry_is_corrected_or_deleted_on_the_day_it_was_written_only(
    portal: dict[str, Any],
) -> None:
    client = patient_client(portal)
    client.post(DIARY, entry(nrs="4"))
    score = ScoreRecord.objects.get()
    url = reverse("portal-diary-entry", args=[score.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"day": score.day.isoformat(), "nrs": "12"})
    assert bad.status_code == 400 and "highest" in errors_of(bad)["nrs"][0]
    assert client.post(url, {"day": score.day.isoformat(), "nrs": "3"}).status_code == 302
    score.refresh_from_db()
    assert score.value == Decimal("3") and score.items == {"nrs-1": 3}

    # Written yesterday: it now stays as written.
    ScoreRecord.objects.filter(pk=score.pk).update(created=timezone.now() - timedelta(days=1))
    locked = client.post(url, {"day": score.day.isoformat(), "nrs": "8"})
    assert locked.status_code == 409
    assert "only on the day they were written" in locked.content.decode()
    client.post(reverse("portal-diary-delete", args=[score.pk]))
    score.refresh_from_db()
    assert score.value == Decimal("3")

    client.post(DIARY, entry(nrs="2", day=(date.today() - timedelta(days=2)).isoformat()))
    fresh = ScoreRecord.objects.latest("id")
    assert client.post(reverse("portal-diary-delete", args=[fresh.pk])).status_code == 302
    assert not ScoreRecord.objects.filter(pk=fresh.pk).exists()
    deleted = AuditEvent.objects.filter(action=Action.CHANGE, what__contains="deleted")
    assert deleted.count() == 1


def test_a_peg_entry_is_corrected_with_its_three_items(portal: dict[str, Any]) -> None:
    client = patient_client(portal)
    client.post(DIARY, entry(nrs="", peg_1="7", peg_2="5", peg_3="6"))
    score = ScoreRecord.objects.get()
    url = reverse("portal-diary-entry", args=[score.pk])
    form = client.get(url).context["form"]
    assert "nrs" not in form.fields and form.initial["peg_1"] == 7
    client.post(url, {"day": score.day.isoformat(), "peg_1": "1", "peg_2": "2", "peg_3": "3"})
    score.refresh_from_db()
    assert score.value == Decimal("2.0")


def test_clinic_scores_and_other_patients_entries_answer_404(portal: dict[str, Any]) -> None:
    staff = signed_in(portal["practitioner"])
    staff.post(reverse("score-create", args=[portal["patient"].pk]),
               {"instrument": "nrs", "value": "5", "day": date.today()})  # fmt: skip
    clinic_score = ScoreRecord.objects.get()
    patient_client(portal, "bea").post(DIARY, entry(nrs="2"))
    bea_entry = ScoreRecord.objects.get(patient=portal["bea_patient"])
    patient_client(portal, "ivo").post(DIARY, entry(nrs="9"))
    ivo_entry = ScoreRecord.objects.get(patient=portal["other_patient"])

    ada = patient_client(portal)
    for score in (clinic_score, bea_entry, ivo_entry):
        entry_url = reverse("portal-diary-entry", args=[score.pk])
        assert ada.get(entry_url).status_code == 404
        assert ada.post(entry_url, {"day": date.today().isoformat(), "nrs": "0"}).status_code == 404
        assert ada.post(reverse("portal-diary-delete", args=[score.pk])).status_code == 404
    assert sorted(ScoreRecord.objects.values_list("value", flat=True)) == [2, 5, 9]


def test_staff_and_signed_out_visitors_do_not_reach_the_diary(portal: dict[str, Any]) -> None:
    assert signed_in(portal["practitioner"]).get(DIARY).status_code == 404
    anonymous = Client().get(DIARY)
    assert anonymous.status_code == 302 and "/portal/login/" in anonymous["Location"]
    page = patient_client(portal).get(DIARY)
    assert "no-store" in page["Cache-Control"]


# The practitioner's view and the engine ---------------------------------------------------


def _course(portal: dict[str, Any]) -> PlanRecord:
    """A course started 7 weeks ago with the clinic's NRS 7 -> 5 -> 3 (a responder)."""
    staff = signed_in(portal["practitioner"])
    start = date.today() - timedelta(weeks=7)
    plan = make_plan(staff, make_intake(staff, portal["patient"], nrs=""), start=start)
    backdate_care(portal["patient"], days=50)
    for weeks, value in ((0, "7"), (3, "5"), (7, "3")):
        day = start + timedelta(weeks=weeks)
        staff.post(reverse("score-create", args=[portal["patient"].pk]),
                   {"instrument": "nrs", "value": value, "day": day})  # fmt: skip
    return plan


def test_diary_entries_show_on_the_practitioners_charts_marked_as_the_patients(
    portal: dict[str, Any],
) -> None:
    plan = _course(portal)
    client = patient_client(portal)
    client.post(DIARY, entry(nrs="8", day=(date.today() - timedelta(days=2)).isoformat()))
    client.post(DIARY, entry(nrs="", peg_1="6", peg_2="5", peg_3="4"))

    staff = signed_in(portal["practitioner"])
    for url in (reverse("patient-detail", args=[portal["patient"].pk]),
                reverse("plan-detail", args=[plan.pk])):  # fmt: skip
        html = staff.get(url).content.decode()
        nrs_chart = re.search(r'<svg [^>]*data-instrument="nrs".*?</svg>', html, re.DOTALL)
        assert nrs_chart and "Reported by the patient" in nrs_chart.group(0)
        assert "Recorded at the clinic" in nrs_chart.group(0)
        peg_chart = re.search(r'<svg [^>]*data-instrument="peg".*?</svg>', html, re.DOTALL)
        assert peg_chart, "an instrument only the diary has is charted too"
        assert "Recorded at the clinic" not in peg_chart.group(0)
        assert "Reported by the patient" in peg_chart.group(0)
    timeline = staff.get(reverse("patient-detail", args=[portal["patient"].pk])).context["timeline"]
    titles = [e.title for e in timeline if e.kind == "score"]
    assert "Pain rating scale (0-10) (reported by the patient)" in titles

    # The patient sees the same charts.
    mine = client.get(DIARY).content.decode()
    assert re.search(r'<svg [^>]*data-instrument="nrs"', mine) and "Your diary" in mine


def test_the_engines_decision_reads_the_clinics_scores_only(portal: dict[str, Any]) -> None:
    plan = _course(portal)
    staff = signed_in(portal["practitioner"])
    before = staff.get(reverse("plan-detail", args=[plan.pk])).context["outcome"]
    assert before.decision == "continue" and before.measures[0].latest == 3

    # A worse diary rating at home after the last clinic score does not turn the course.
    patient_client(portal).post(DIARY, entry(nrs="9"))
    after = staff.get(reverse("plan-detail", args=[plan.pk])).context["outcome"]
    assert after == before
    assert care.course_scores(portal["patient"], plan)["nrs"][-1][1] == 3.0
    assert care.course_scores(portal["patient"], plan, source=ScoreSource.PATIENT)["nrs"] == [
        (date.today(), 9.0)
    ]


def test_a_diary_entry_does_not_clear_a_review_due_on_today(portal: dict[str, Any]) -> None:
    from acuback.web.clinics.models import Membership
    from acuback.web.today import service as today

    staff = signed_in(portal["practitioner"])
    start = date.today() - timedelta(weeks=7)
    make_plan(staff, make_intake(staff, portal["patient"], nrs=""), start=start)
    backdate_care(portal["patient"], days=50)
    membership = Membership.objects.get(user=portal["practitioner"])
    assert today.today_for(membership, mine=False).reviews_due
    patient_client(portal).post(DIARY, entry(nrs="4"))
    assert today.today_for(membership, mine=False).reviews_due, "the clinic's review still due"


def test_the_earliest_day_follows_the_first_intake(portal: dict[str, Any]) -> None:
    patient = portal["patient"]
    today = date(2026, 3, 1)
    assert diary_service.earliest_day(patient, today) == today - timedelta(days=60)
    staff = signed_in(portal["practitioner"])
    make_intake(staff, patient, nrs="")
    first = timezone.make_aware(datetime(2026, 2, 20, 9, 0))
    IntakeRecord.objects.filter(patient=patient).update(created=first)
    assert diary_service.earliest_day(patient, today) == date(2026, 2, 20)
