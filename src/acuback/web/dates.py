"""`|spoken`: a date on a page as everywhere else in acuback, 2 Jan 2026; `|clock`: its
time of day, 09:30.

The one date format of the pages, messages and engine texts (`acuback.clinical.base.spoken`),
as a template filter. Django's `date` filter gives the same text for "j M Y" but looks up
the format and each month name through the translation machinery for every date, about
six times as long, and a busy Today page shows sixty dates; its `time:"H:i"` likewise.
Registered as a template builtin in settings.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django import template

from acuback.clinical.base import spoken as spoken_date

register = template.Library()


@register.filter(expects_localtime=True)
def spoken(value: date | None) -> str:
    """A date, or a moment in the clinic's time zone, as 2 Jan 2026; nothing for none."""
    if isinstance(value, datetime):
        return spoken_date(value.date())
    if isinstance(value, date):
        return spoken_date(value)
    return ""


@register.filter(expects_localtime=True)
def clock(value: datetime | time | None) -> str:
    """A moment's time of day in the clinic's time zone, as 09:30; nothing for none."""
    if isinstance(value, datetime | time):
        return f"{value.hour:02d}:{value.minute:02d}"
    return ""
