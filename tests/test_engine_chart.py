"""The chart obeys the screening: one pure check for every save and close of a session."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings

from acuback.clinical.base import validated
from acuback.clinical.chart import Chart, check_chart
from acuback.clinical.intake import read_intake
from acuback.clinical.screening import Screening, screen
from tests.strategies import KB, charts, intakes

TODAY = date(2026, 1, 5)


def screened(**answers: Any) -> Screening:
    base: dict[str, Any] = {"age": 52, "pain_duration_weeks": 20}
    return screen(read_intake({**base, **answers}, KB, today=TODAY), KB)


def chart(**fields: Any) -> Chart:
    return validated(Chart, fields, "chart")


PACEMAKER_ON_WARFARIN = {
    "devices": ["pacemaker"],
    "medications": ["anticoagulant"],
    "physician_clearance": "2026-01-02",
}


def test_electrical_stimulation_with_a_pacemaker_is_refused_with_its_reason() -> None:
    """BMAS guidance: no electroacupuncture with a pacemaker."""
    check = check_chart(chart(electrical=True), screened(**PACEMAKER_ON_WARFARIN), KB)
    assert not check.ok
    refusal = next(p for p in check.refused if p.field == "electrical")
    assert "Pacemaker" in refusal.message and refusal.reason is not None
    assert "bmas-electro-devices" in refusal.reason.sources


def test_needling_on_warfarin_needs_the_restriction_confirmed() -> None:
    """BAcC: superficial needling with fine needles on anticoagulants."""
    result = screened(**PACEMAKER_ON_WARFARIN)
    needled = chart(points=[{"code": "bl23", "side": "both"}])
    check = check_chart(needled, result, KB)
    assert not check.refused
    keys = {r.key for r in check.to_acknowledge}
    assert any(r.method == "manual-acupuncture" for r in check.to_acknowledge)
    confirmed = check_chart(chart(points=[{"code": "bl23"}], acknowledged=keys), result, KB)
    assert confirmed.ok and {r.key for r in confirmed.applied} == keys


def test_cupping_is_refused_where_screening_excludes_it() -> None:
    result = screened(**PACEMAKER_ON_WARFARIN)
    excluded = {e.code for e in result.excluded_methods}
    check = check_chart(chart(cupping=True), result, KB)
    assert ("cupping" in excluded) == any(p.field == "cupping" for p in check.refused)


def test_a_point_is_refused_only_on_its_excluded_side() -> None:
    numb = [{"finding": "numb-skin", "region": "popliteal", "side": "left"}]
    result = screened(local_findings=numb)
    for side, refused in (("left", True), ("both", True), ("right", False)):
        check = check_chart(chart(points=[{"code": "bl40", "side": side}]), result, KB)
        assert bool(check.refused) is refused, side


def test_a_midline_point_is_charted_midline() -> None:
    check = check_chart(chart(points=[{"code": "gv3", "side": "left"}]), screened(), KB)
    assert "midline" in check.refused[0].message


def test_nothing_is_needled_while_treatment_is_on_hold() -> None:
    held = screened(red_flags=["rf-saddle-anaesthesia"])
    check = check_chart(chart(points=[{"code": "bl23"}], moxibustion=True), held, KB)
    assert {p.field for p in check.refused} == {"points", "moxibustion"}
    assert all("on hold" in p.message for p in check.refused)
    advice_only = check_chart(chart(tui_na=False), held, KB)
    assert advice_only.ok


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=intakes(), drawn=charts())
def test_no_accepted_chart_holds_what_screening_excluded(
    raw: dict[str, Any], drawn: dict[str, Any]
) -> None:
    result = screen(read_intake(raw, KB, today=TODAY), KB)
    first = check_chart(chart(**drawn), result, KB)
    # The practitioner confirms every restriction; what is still refused stays refused.
    confirmed = chart(**drawn, acknowledged={r.key for r in first.to_acknowledge})
    check = check_chart(confirmed, result, KB)
    assert not check.to_acknowledge
    if check.refused:
        return
    used = confirmed.methods(KB)
    assert not used & {e.code for e in result.excluded_methods}
    regions = {e.code: e for e in result.excluded_regions}
    for point in confirmed.points:
        for exclusion in (
            result.excluded_point(point.code),
            regions.get(KB.points[point.code].region),
        ):
            assert exclusion is None or not exclusion.covers(point.side), (point, exclusion)
    if not result.plan_allowed:
        assert not confirmed.points and not used & {"moxibustion", "cupping", "electroacupuncture"}
