"""`|clipped:n`: a text cut to n characters on a list, as Django's `truncatechars:n` cuts it.

Django's filter sets up a lazy Truncator and walks the text to count its characters for
every row, though nearly every description on a list is shorter than the cut. Text no
longer than n characters cannot be cut, so it is only normalised, as Django's filter
normalises it; longer text goes through Django's filter. Registered as a template builtin
in settings.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import template
from django.template.defaultfilters import stringfilter, truncatechars

register = template.Library()


@register.filter(is_safe=True)
@stringfilter
def clipped(value: str, length: Any) -> str:
    if isinstance(length, int) and len(value) <= length:
        return unicodedata.normalize("NFC", value)
    return str(truncatechars(value, length))
