"""`|spoken` writes a date exactly as Django's `date:"j M Y"` did, in the clinic's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template import engines
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from acuback.clinical.base import spoken


def render(source: str, value: object) -> str:
    return str(engines["django"].from_string(source).render({"value": value}))


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_a_date_reads_as_djangos_date_filter_wrote_it(day: date) -> None:
    assert render("{{ value|spoken }}", day) == render('{{ value|date:"j M Y" }}', day)
    assert render("{{ value|spoken }}", day) == spoken(day)


@settings(max_examples=100, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    zone=st.sampled_from(["UTC", "Pacific/Auckland", "America/Los_Angeles", "Europe/London"]),
)
def test_a_moment_is_dated_in_the_clinics_time_zone(moment: datetime, zone: str) -> None:
    aware = moment.replace(tzinfo=ZoneInfo("UTC"))
    with override_settings(TIME_ZONE=zone):
        assert render("{{ value|spoken }}", aware) == render('{{ value|date:"j M Y" }}', aware)
        assert render("{{ value|spoken }}", aware) == spoken(aware.astimezone(ZoneInfo(zone)))


def test_late_evening_utc_is_the_next_day_in_auckland() -> None:
    moment = datetime(2026, 3, 1, 22, 0, tzinfo=ZoneInfo("UTC"))
    with override_settings(TIME_ZONE="Pacific/Auckland"):
        assert render("{{ value|spoken }}", moment) == "2 Mar 2026"
    assert render("{{ value|spoken }}", moment + timedelta(hours=3)) == "2 Mar 2026"


def test_nothing_to_date_reads_as_nothing() -> None:
    assert render("[{{ value|spoken }}]", None) == "[]"
    assert render("[{{ value|spoken }}]", "") == "[]"


@settings(max_examples=100, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    zone=st.sampled_from(["UTC", "Pacific/Auckland", "America/Los_Angeles", "Europe/London"]),
)
def test_a_time_of_day_reads_as_djangos_time_filter_wrote_it(moment: datetime, zone: str) -> None:
    aware = moment.replace(tzinfo=ZoneInfo("UTC"))
    with override_settings(TIME_ZONE=zone):
        assert render("{{ value|clock }}", aware) == render('{{ value|time:"H:i" }}', aware)
    assert render("{{ value|clock }}", moment.time()) == moment.strftime("%H:%M")


def test_nothing_to_clock_reads_as_nothing() -> None:
    assert render("[{{ value|clock }}]", None) == "[]"
    assert render("[{{ value|clock }}]", "") == "[]"
