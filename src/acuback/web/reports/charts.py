"""The report's bar charts: pygal static SVG in the outcome charts' printable style."""

from __future__ import annotations

from html import escape

import pygal

from acuback.web.care.svg import _SCRIPT, _STYLE
from acuback.web.reports.service import Responders


def responder_chart(title: str, rows: list[Responders]) -> str:
    """Share of judged courses that responded, one bar per group; empty groups left out.

    Each group is its own series, named in the legend below the bars in full words: long
    names (an instrument's) stay readable on a phone, where labels beside bars would not.
    """
    shown = [r for r in rows if r.judged]
    if not shown:
        return ""
    chart = pygal.Bar(
        style=_STYLE,
        width=480,
        height=300 + 22 * len(shown),
        js=[],
        disable_xml_declaration=True,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        truncate_legend=-1,
        range=(0, 100),
        # Few value marks, so they never run into each other at phone width or in print.
        y_labels=[0, 25, 50, 75, 100],
        print_values=True,
        value_formatter=lambda v: f"{v:g}%",
        margin=12,
    )
    chart.title = title
    for r in shown:
        chart.add(f"{r.label}: {r.responded} of {r.judged}", [r.percent])
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    said = "; ".join(f"{r.label}: {r.responded} of {r.judged} responded" for r in shown)
    label = escape(f"{title}. {said}")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
