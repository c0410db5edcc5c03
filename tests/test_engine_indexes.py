"""The knowledge-base indexes change nothing: screening and plans equal the linear walks'.

Nor does what the engine remembers between intakes: a warm store answers as an empty one.

The walks the engine made before the indexes are kept here, as they were, and swapped in
for the indexed look-ups; every drawn intake must screen and plan identically both ways.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acuback.clinical import codes, course_plan, screening
from acuback.clinical.base import DERIVED_LIMIT, derived
from acuback.clinical.intake import read_intake
from acuback.clinical.prepared import prepare
from acuback.knowledge.loader import Remembered, build_index, knowledge_base
from acuback.knowledge.schema import Contraindication, Point, PointRole, TriageLevel
from tests.strategies import intakes

KB = knowledge_base()
START = date(2026, 1, 5)


def linear_raised(
    age: int, asked: Iterable[str], findings: Iterable[str], kb: Any
) -> tuple[frozenset[str], frozenset[str]]:
    findings = set(findings)
    present = set(asked)
    for flag in kb.red_flags.values():
        if flag.age_over is not None and age > flag.age_over:
            present.add(flag.code)
        if flag.age_under is not None and age < flag.age_under:
            present.add(flag.code)
        if flag.history is not None and flag.history in findings:
            present.add(flag.code)
    if not present:
        return frozenset(), frozenset()
    return frozenset(present), frozenset(findings & kb.index.redirecting_history)


def linear_triggered(findings: Iterable[str], kb: Any) -> list[Contraindication]:
    findings = set(findings)
    return [
        ci for ci in kb.contraindications.values() if any(f in findings for f in ci.triggered_by)
    ]


def linear_ranked(
    role: PointRole, conditions: list[str], leg_pain: bool, kb: Any
) -> list[tuple[Point, list[str]]]:
    candidates = []
    for order, point in enumerate(kb.points.values()):
        if role not in point.roles:
            continue
        matched = [c for c in conditions if c in point.indications]
        leg_bonus = 1 if leg_pain and codes.SCIATICA in point.indications else 0
        if matched:
            candidates.append((-(len(matched) + leg_bonus), order, point, matched))
    return [(p, m) for _, _, p, m in sorted(candidates, key=lambda c: (c[0], c[1]))]


class LinearPoints(dict[str, tuple[Point, ...]]):
    """points_by_region answered by walking every point, as the engine did."""

    def get(self, region: str, default: Any = None) -> Any:  # type: ignore[override]
        return tuple(p for p in KB.points.values() if p.region == region)


def engine(raw: dict[str, Any]) -> tuple[str, str | None]:
    intake = read_intake(raw, KB, today=START)
    result = screening.screen(intake, KB)
    plan = course_plan.draft(intake, result, KB, START)
    return result.model_dump_json(), plan.model_dump_json() if plan else None


@settings(max_examples=300, deadline=None)
@given(raw=intakes())
def test_indexed_engine_screens_and_plans_as_the_linear_walks_did(raw: dict[str, Any]) -> None:
    indexed = engine(raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screening, "_raised", linear_raised)
        patch.setattr(screening, "triggered", linear_triggered)
        patch.setattr(course_plan, "ranked", linear_ranked)
        patch.setitem(KB.__dict__, "index", _with_linear_regions())
        walked = engine(raw)
    assert indexed == walked


@settings(max_examples=200, deadline=None)
@given(raw=intakes(), others=st.lists(intakes(), min_size=1, max_size=4))
def test_what_the_engine_remembers_changes_no_answer(
    raw: dict[str, Any], others: list[dict[str, Any]]
) -> None:
    # Screen other patients first, so this one may meet answers worked out for them;
    # then start from an empty store: both must read the same.
    for other in others:
        engine(other)
    remembered = engine(raw)
    with pytest.MonkeyPatch.context() as patch:
        fresh_index = build_index(KB)
        patch.setitem(KB.__dict__, "index", fresh_index)
        fresh = engine(raw)
        assert fresh_index.derived, "the engine should have remembered something"
    assert remembered == fresh


@settings(max_examples=300, deadline=None)
@given(raw=intakes())
def test_exclusions_set_side_by_side_read_as_the_full_join(raw: dict[str, Any]) -> None:
    # Most intakes exclude no entry for two reasons and take each reason's own exclusions
    # as they are; joining every reason's entries afresh must give the same screening.
    side_by_side = engine(raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screening, "_merged", lambda owns, kind, kb: None)
        patch.setitem(KB.__dict__, "index", build_index(KB))
        joined = engine(raw)
    assert side_by_side == joined


def test_the_remembered_answers_are_bounded() -> None:
    store = Remembered()
    for key in range(DERIVED_LIMIT + 5):
        assert derived(store, key, lambda key=key: key * 2) == key * 2
    assert 0 < len(store) <= DERIVED_LIMIT
    assert derived(store, DERIVED_LIMIT + 4, lambda: -1) == (DERIVED_LIMIT + 4) * 2


def test_what_was_prepared_outlives_the_store_starting_afresh() -> None:
    store = Remembered()
    for key in range(3):
        derived(store, ("prepared", key), lambda key=key: key)
    store.kept = len(store)
    for key in range(2 * DERIVED_LIMIT):
        derived(store, key, lambda key=key: key)
    assert len(store) <= store.kept + DERIVED_LIMIT
    # Found again without being worked out: the work would now answer -1.
    assert [derived(store, ("prepared", key), lambda: -1) for key in range(3)] == [0, 1, 2]
    assert derived(store, 0, lambda: -1) == -1  # an ordinary entry was forgotten


def test_preparing_makes_the_knowledge_base_parts_once() -> None:
    index = build_index(KB)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(KB.__dict__, "index", index)
        prepare(KB)
        made = dict(index.derived)
        assert index.derived.kept == len(made)
        assert ("ranked", PointRole.LOCAL, (codes.CHRONIC_LOW_BACK_PAIN,), True) in made
        pair = (codes.SCIATICA, codes.CHRONIC_LOW_BACK_PAIN)
        assert ("ranked", PointRole.DISTAL, pair, False) in made
        two = frozenset(list(KB.index.contraindications_by_finding)[-2:])
        assert ("excluded", two, (), False) in made
        three = frozenset(list(KB.index.contraindications_by_finding)[:3])
        assert ("excluded", three, (), False) in made
        four = frozenset(list(KB.index.contraindications_by_finding)[:4])
        assert ("excluded", four, (), False) not in made
        # A set of two is judged ahead at each age, a set of three only when first met.
        assert any(key[:1] == ("triage",) and key[3][0] == two for key in made)
        assert not any(key[:1] == ("triage",) and key[3][0] == three for key in made)
        one = (codes.CHRONIC_LOW_BACK_PAIN,)
        assert ("course", one, True, True, ()) in made  # inferred from the pain's duration
        assert ("course", pair, False, False, ()) in made
        assert ("local finding", "lymphoedema", "lower-leg", "left") in made
        prepare(KB)  # a second call keeps what the first made
        assert all(index.derived[key] is value for key, value in made.items())


PREPARED = build_index(KB)


@settings(max_examples=200, deadline=None)
@given(raw=intakes())
def test_a_prepared_engine_answers_as_an_unprepared_one(raw: dict[str, Any]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(KB.__dict__, "index", build_index(KB))
        unprepared = engine(raw)
        patch.setitem(KB.__dict__, "index", PREPARED)
        prepare(KB)  # made on the first example only
        prepared = engine(raw)
    assert prepared == unprepared


def _with_linear_regions() -> Any:
    return dataclasses.replace(build_index(KB), points_by_region=LinearPoints())


def test_the_index_holds_every_trigger_point_and_role_of_the_knowledge_base() -> None:
    index = build_index(KB)
    for ci in KB.contraindications.values():
        for finding in ci.triggered_by:
            assert ci in index.contraindications_by_finding[finding]
    assert sum(len(p) for p in index.points_by_region.values()) == len(KB.points)
    for point in KB.points.values():
        for role in point.roles:
            for condition in point.indications:
                assert point in [p for _, p in index.points_by_role_and_condition[role, condition]]
    assert {KB.triage_for(level).level for level in TriageLevel} == set(TriageLevel)
    # Built once, at load: the cached index is the one every intake uses.
    assert KB.index is KB.index


def test_many_findings_screen_in_knowledge_base_order() -> None:
    findings = [f for ci in reversed(list(KB.contraindications.values())) for f in ci.triggered_by]
    found = screening.triggered(findings, KB)
    assert [ci.code for ci in found] == [ci.code for ci in linear_triggered(findings, KB)]
    assert len(found) == len(KB.contraindications)
