"""The Jinja2 environment, for the page parts rendered through Jinja2: Today's panels.

Today is the page a practitioner opens most, with a row for every appointment, review,
course and adverse event in hand; Jinja2 renders those rows in about a third of the Django
template engine's time. What it writes is what the Django templates write: every value
goes through Django's own escaping (`finalize`), links come from acuback.web.links, and
dates, times, plurals and cut texts through the same filters as in the Django templates,
so a panel reads the same either way (tests/test_today_views.py holds a page to that).
"""

from __future__ import annotations

import html
from typing import Any

import jinja2
from django.template import defaultfilters
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

from acuback.web import dates, texts
from acuback.web.links import link


def environment(**options: Any) -> jinja2.Environment:
    # Django's escaping (O&#x27;Brien, not O&#39;Brien) for every value written out; the
    # text of the template itself is written as it is, as Django's engine writes it.
    options.update(autoescape=False, finalize=_escaped, keep_trailing_newline=True)
    env = jinja2.Environment(**options)  # noqa: S701 (escaped in finalize, as Django does)
    env.globals["url"] = link
    env.filters.update(
        # As Django's engine does for these filters (expects_localtime), before calling them.
        spoken=lambda value: dates.spoken(template_localtime(value)),
        clock=lambda value: dates.clock(template_localtime(value)),
        clipped=texts.clipped,
        date=defaultfilters.date,
        capfirst=defaultfilters.capfirst,
        pluralize=defaultfilters.pluralize,
    )
    return env


def _escaped(value: Any) -> str:
    """`conditional_escape`, the same text, without the check for lazy text that Django's
    `escape` makes on each of a page's six hundred values (`str` makes lazy text plain)."""
    if type(value) is int:
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
