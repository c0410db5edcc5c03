"""Pictures a practitioner reads at a glance: the body map and the outcome chart.

Both are inline SVG that need no JavaScript and print as they look: the body map is
built here from escaped strings (a figure no charting library draws); the outcome chart
is pygal's, with dated axes, values and a legend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from html import escape

import pygal
from pygal.style import Style

from acuback.knowledge.schema import MapPosition, Point

FIGURE_W, FIGURE_H = 200, 440
LABEL_GUTTER = 90  # room beside each figure for a column of labels
LABEL_WIDTH = 62  # the longest short name (Yaotongdian) at the label size
LABEL_LINE = 14  # one label's height at the map's 12px label size

# A standing figure, drawn in percent of its box (the same frame the point map uses).
_OUTLINE = [
    "M50 1.5 C44 1.5 41 4.5 41 8.5 C41 12.5 44 14.5 47 15 L47 17",  # head, left of neck
    "C40 18 33 18.5 30 21 L26 34 L20 49 L17 52 L20 53 L24 48 L30 35",  # left arm
    "L32 50 L36 60 L38 76 L37 93 L34 98 L43 98 L44 93 L46 76 L48 60 L50 55",  # left leg
    "L52 60 L54 76 L56 93 L57 98 L66 98 L63 93 L62 76 L64 60 L68 50",  # right leg
    "L70 35 L76 48 L80 53 L83 52 L80 49 L74 34 L70 21",  # right arm
    "C67 18.5 60 18 53 17 L53 15 C56 14.5 59 12.5 59 8.5 C59 4.5 56 1.5 50 1.5 Z",
]


@dataclass(frozen=True)
class MarkedPoint:
    point: Point
    state: str  # "chosen" or "excluded"
    note: str
    side: str = "bilateral"  # bilateral, left, right or midline: which copies to draw


def body_side(pos: MapPosition) -> str:
    """The patient's side a drawn copy stands on: seen from the front, their left is on
    the viewer's right; seen from the back, on the viewer's left."""
    if pos.x == 50:
        return "midline"
    viewer_left = pos.x < 50
    return "left" if viewer_left == (pos.view == "back") else "right"


def _drawn(mark: MarkedPoint, pos: MapPosition) -> bool:
    return mark.side in {"bilateral", "midline"} or body_side(pos) == mark.side


def _figure(view: str, x0: float, marks: Iterable[MarkedPoint]) -> tuple[str, float]:
    """The figure's SVG and how far down its lowest label reaches."""
    sx, sy = FIGURE_W / 100, FIGURE_H / 100
    parts = [
        f'<g class="figure" data-view="{view}" transform="translate({x0} 20)">',
        f'<path d="{" ".join(_OUTLINE)}" transform="scale({sx} {sy})" class="outline"/>',
        f'<text x="{FIGURE_W / 2}" y="{FIGURE_H + 16}" class="caption">{view.title()}</text>',
    ]
    copies = [
        (mark, pos, pos.x * sx, pos.y * sy)
        for mark in marks
        for pos in mark.point.map
        if pos.view == view and _drawn(mark, pos)
    ]
    # Labels stand in a column on each side of the figure, top to bottom in the order
    # of their points, each a line below the last at least, with a leader line to its
    # point: however close the points, no label lands on another or on a point.
    label_y: dict[int, float] = {}
    for side in ("left", "right"):
        lowest: float = -LABEL_LINE
        on_side = [i for i, (_, pos, _, _) in enumerate(copies) if (pos.x < 50) == (side == "left")]
        for i in sorted(on_side, key=lambda i: copies[i][3]):
            lowest = max(lowest + LABEL_LINE, copies[i][3] + 4)
            label_y[i] = lowest
    for i, (mark, pos, cx, cy) in enumerate(copies):
        p = mark.point
        left = pos.x < 50
        lx = -LABEL_GUTTER + 4 if left else FIGURE_W + LABEL_GUTTER - 4
        anchor = "start" if left else "end"
        edge = (
            -LABEL_GUTTER + 4 + LABEL_WIDTH if left else FIGURE_W + LABEL_GUTTER - 4 - LABEL_WIDTH
        )
        ly = label_y[i]
        where = body_side(pos)
        title = escape(f"{p.who_code or ''} {p.pinyin} ({p.label}), {where}: {mark.note}".strip())
        # A link, so a tap on a phone does what hovering does with a mouse: it leads to
        # the point's line in the list, which says why it was chosen or struck.
        anchor_id = ("point-" if mark.state == "chosen" else "struck-") + p.code
        parts.append(
            f'<a href="#{escape(anchor_id)}" aria-label="{title}">'
            f'<g class="point {mark.state}" data-point="{escape(p.code)}" '
            f'data-side="{where}" data-state="{mark.state}"><title>{title}</title>'
            f'<polyline class="leader" points="{edge:.1f},{ly - 4:.1f} {cx:.1f},{cy:.1f}"/>'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5"/>'
        )
        if mark.state == "excluded":
            parts.append(
                f'<line x1="{cx - 5:.1f}" y1="{cy - 5:.1f}" x2="{cx + 5:.1f}" y2="{cy + 5:.1f}"/>'
            )
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" class="label">'
            f"{escape(short_name(p))}</text></g></a>"
        )
    parts.append("</g>")
    return "".join(parts), max(label_y.values(), default=0.0)


def short_name(point: Point) -> str:
    """WHO code where there is one (BL23); else the pinyin (Yaotongdian, Shenmen)."""
    return point.who_code or point.pinyin or point.label


def body_map(marks: Sequence[MarkedPoint]) -> str:
    """Front and back outlines with chosen points marked and excluded ones greyed.

    Two pictures, not one: side by side on a desk, each as wide as a phone on a phone,
    so the labels stay readable on both.
    """
    width = FIGURE_W + 2 * LABEL_GUTTER
    chosen = sum(m.state == "chosen" for m in marks)
    excluded = sum(m.state == "excluded" for m in marks)
    pictures = []
    for view in ("front", "back"):
        figure, lowest = _figure(view, LABEL_GUTTER, marks)
        # A long column of labels may reach below the feet: the picture grows to hold it.
        height = max(FIGURE_H + 50, lowest + 20 + LABEL_LINE)
        pictures.append(
            f'<svg class="body-map" data-view="{view}" viewBox="0 0 {width} {height:.0f}" '
            f'role="img" aria-label="Body map, {view}: {chosen} points chosen, {excluded} '
            f'excluded" xmlns="http://www.w3.org/2000/svg">{figure}</svg>'
        )
    return '<div class="body-maps">' + "".join(pictures) + "</div>"


@dataclass(frozen=True)
class ChartSeries:
    instrument: str
    label: str
    maximum: float
    points: Sequence[tuple[date, float]]
    important_change: float  # points of improvement that count, at this baseline
    # The patient's own diary ratings, drawn as a separate line: never the baseline
    # while the clinic has a score, and never part of the engine's decision.
    reported: Sequence[tuple[date, float]] = ()
    reported_label: str = "Reported by the patient"


_SCRIPT = re.compile(r"<script.*?</script>", re.DOTALL)
# Dark ink for the scores, muted dashes for the thresholds: readable in grey when printed.
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2a33",
    foreground_strong="#1d2a33",
    foreground_subtle="#8a979f",
    colors=("#1f6f8b", "#2e7d4f", "#a12622", "#8a4b00"),
    font_family="system-ui, sans-serif",
    title_font_size=16,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    # Solid, faint guides, so the dashed threshold lines are the only dashes on the chart.
    guide_stroke_color="#e3e8eb",
    major_guide_stroke_color="#d7dee3",
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
)
# Colours go to series in the order they are added: with no clinic score (a diary-only
# instrument) the clinic's series is left out and the others keep their colours.
_DIARY_ONLY_STYLE = Style(**{**vars(_STYLE), "colors": _STYLE.colors[1:]})


def _day(value: date) -> str:
    return f"{value.day} {value:%b}"


def outcome_chart(series: ChartSeries) -> str:
    """Scores over time with the important-change thresholds around the baseline.

    Drawn by pygal as static SVG; its JavaScript is left out (tooltips are not needed
    and the page serves no third-party script).
    """
    if not series.points and not series.reported:
        return ""
    # pygal takes about 10 ms a chart, a third of a patient's page; the same scores draw
    # the same chart, so each is drawn once per process until they change.
    return _chart_svg(
        ChartSeries(
            series.instrument, series.label, series.maximum, tuple(series.points),
            series.important_change, tuple(series.reported), series.reported_label,
        )
    )  # fmt: skip


@lru_cache(maxsize=1024)
def _chart_svg(series: ChartSeries) -> str:
    days = sorted(d for d, _ in [*series.points, *series.reported])
    baseline = (series.points or series.reported)[0][1]
    better = max(baseline - series.important_change, 0)
    worse = min(baseline + series.important_change, series.maximum)
    chart = pygal.DateLine(
        style=_STYLE if series.points else _DIARY_ONLY_STYLE,
        width=640,
        height=330,
        js=[],
        disable_xml_declaration=True,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        range=(0, series.maximum),
        x_value_formatter=_day,
        x_labels=sorted(set(days)) if len(set(days)) <= 8 else None,
        x_labels_major_count=6,
        show_minor_x_labels=False,
        print_values=True,
        value_formatter=lambda v: f"{v:g}",
        margin=12,
        dots_size=5,
        truncate_legend=-1,
    )
    chart.title = series.label
    if series.points:
        chart.add(
            "Recorded at the clinic" if series.reported else "Score",
            [(d, v) for d, v in series.points],
        )
    # With one score so far the lines still need a length to be seen: a week. With a
    # diary the lines run a little past the last day, so its printed value fits.
    end = days[-1] + (
        max(timedelta(days=2), (days[-1] - days[0]) * 0.15) if series.reported else timedelta()
    )
    span = [days[0], max(end, days[0] + timedelta(days=7))]
    chart.add(
        f"Important improvement: {better:g} or lower",
        [(d, better) for d in span],
        show_dots=False,
        print_values=False,
        stroke_style={"dasharray": "10,6", "width": 3},
    )
    chart.add(
        f"Important worsening: {worse:g} or higher",
        [(d, worse) for d in span],
        show_dots=False,
        print_values=False,
        stroke_style={"dasharray": "3,5", "width": 3},
    )
    if series.reported:
        chart.add(
            series.reported_label,
            [(d, v) for d, v in series.reported],
            dots_size=4,
            stroke_style={"width": 2},
        )
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    label = escape(
        f"{series.label} over time; between the dashed lines the change is too small to matter"
    )
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{label}" data-instrument="{escape(series.instrument)}" '
        f'data-important-change="{series.important_change:g}" ',
        1,
    ).replace('class="pygal-chart"', 'class="pygal-chart outcome-chart"', 1)
