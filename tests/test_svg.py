"""The pictures: body map and outcome chart are plain SVG that say what they show."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from acuback.knowledge.loader import knowledge_base
from acuback.web.care.svg import ChartSeries, MarkedPoint, body_map, outcome_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_body_map_marks_each_position_of_chosen_and_excluded_points() -> None:
    kb = knowledge_base()
    bl23, li4 = kb.points["bl23"], kb.points["li4"]
    svg = body_map([MarkedPoint(bl23, "chosen", "local"), MarkedPoint(li4, "excluded", "preg")])
    root = ET.fromstring(svg)
    groups = root.iter(f"{SVG}g")
    marked = [g for g in groups if g.get("data-point")]
    assert sum(g.get("data-point") == "bl23" for g in marked) == len(bl23.map)
    assert sum(g.get("data-point") == "li4" for g in marked) == len(li4.map)
    excluded = [g for g in marked if g.get("data-state") == "excluded"]
    assert excluded and all(g.find(f"{SVG}line") is not None for g in excluded)
    pictures = list(root.iter(f"{SVG}svg"))
    assert [svg.get("data-view") for svg in pictures] == ["front", "back"]
    assert all("1 points chosen, 1 excluded" in (svg.get("aria-label") or "") for svg in pictures)


def test_labels_of_the_body_map_never_overlap() -> None:
    """Every chosen point of a crowded back: labels a full line apart on each side."""
    kb = knowledge_base()
    marks = [MarkedPoint(p, "chosen", "") for p in kb.points.values() if p.roles]
    root = ET.fromstring(body_map(marks))
    for svg in root.iter(f"{SVG}svg"):
        columns: dict[tuple[str, str], list[float]] = {}
        for text in svg.iter(f"{SVG}text"):
            if text.get("class") == "label":
                key = (text.get("x") or "", text.get("text-anchor") or "")
                columns.setdefault(key, []).append(float(text.get("y") or 0))
        assert len(columns) == 2, "one column of labels on each side"
        height = float((svg.get("viewBox") or "").split()[3])
        for ys in columns.values():
            ys.sort()
            assert all(b - a >= 13.9 for a, b in zip(ys, ys[1:], strict=False))
            assert ys[-1] + 20 < height, "the lowest label is inside the picture"


def test_left_and_right_copies_are_labelled_outward_without_overlap() -> None:
    kb = knowledge_base()
    marks = [MarkedPoint(kb.points[c], "chosen", "") for c in ("bl22", "bl23", "bl24", "bl25")]
    root = ET.fromstring(body_map(marks))
    labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    by_side: dict[str, list[float]] = {}
    for label in labels:
        by_side.setdefault(label.get("text-anchor") or "", []).append(float(label.get("y") or 0))
    assert set(by_side) == {"start", "end"}
    for ys in by_side.values():
        ys.sort()
        assert all(b - a >= 10 for a, b in zip(ys, ys[1:], strict=False))


def test_text_from_the_knowledge_base_is_escaped() -> None:
    point = knowledge_base().points["bl23"].model_copy(update={"who_code": "<b>BL23</b>"})
    svg = body_map([MarkedPoint(point, "chosen", 'a "note" & more')])
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    ET.fromstring(svg)  # still well-formed


def test_outcome_chart_draws_dated_scores_and_the_important_change_lines() -> None:
    points = [(date(2026, 1, 5), 8.0), (date(2026, 2, 2), 6.0), (date(2026, 3, 2), 3.0)]
    svg = outcome_chart(ChartSeries("nrs", "Pain (NRS)", 10, points, 2.0))
    root = ET.fromstring(svg)  # well-formed, and no script left in it
    assert not list(root.iter(f"{SVG}script"))
    assert root.get("data-instrument") == "nrs" and "outcome-chart" in (root.get("class") or "")
    dots = [c for c in root.iter(f"{SVG}circle") if "dot" in (c.get("class") or "")]
    assert len(dots) == 3, "one dot per score, none on the threshold lines"
    ys = [float(c.get("cy") or 0) for c in dots]
    xs = [float(c.get("cx") or 0) for c in dots]
    assert xs[0] < xs[1] < xs[2], "later dates further right"
    assert ys[0] < ys[1] < ys[2], "less pain is drawn lower"
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    # Baseline 8, important change 2: improvement at 6 or lower, worsening at 10 or higher.
    assert "Important improvement: 6 or lower" in text
    assert "Important worsening: 10 or higher" in text
    assert "5 Jan" in text and "2 Mar" in text, "the axis is dated"
    assert re.search(r"\b8\b", text), "values are printed at the dots"
    assert outcome_chart(ChartSeries("nrs", "Pain", 10, [], 2.0)) == ""


def test_the_same_scores_draw_the_same_chart_once_and_new_scores_a_new_one() -> None:
    points = [(date(2026, 1, 5), 7.0), (date(2026, 2, 16), 4.0)]
    first = outcome_chart(ChartSeries("nrs", "Pain", 10, points, 2))
    # A new list with the same scores (the next request) is the drawn chart, not a new one.
    assert outcome_chart(ChartSeries("nrs", "Pain", 10, list(points), 2)) is first
    later = outcome_chart(ChartSeries("nrs", "Pain", 10, [*points, (date(2026, 3, 2), 2.0)], 2))
    assert later != first and "2 Mar" in later
