"""Filters that put clinical words on screen instead of the codes behind them."""

from __future__ import annotations

import functools
import re

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from acuback.knowledge.loader import knowledge_base
from acuback.web.care.presenters import SIDE_LABELS, triage_label

register = template.Library()

register.filter("triage_label", triage_label)

# Guidelines are known by their number (NICE NG59); everything else by author and year.
_GUIDELINE_NUMBER = re.compile(r"^NICE [A-Z]{2,3}\d+$")


@register.filter
def source_name(source: str) -> str:
    """A citation as a reader knows it: 'seed article 004', 'Cherkin 2009', 'NICE NG59'."""
    kb = knowledge_base()
    if source in kb.seeds:
        return f"seed article {source[:3]}"
    ref = kb.literature.get(source)
    if ref is None:
        return source
    if ref.short:
        return ref.short
    if ref.identifier and _GUIDELINE_NUMBER.match(ref.identifier):
        return ref.identifier
    return f"{ref.citation.split()[0].rstrip(',.')} {ref.year}"


@register.filter
def sources(codes: tuple[str, ...] | list[str]) -> SafeString:
    """Each source named as readers know it, linked to its knowledge-base page."""
    # A plan page cites some eighty sources; each link is the same on every page, so it is
    # built once. Every part joined is a format_html link, so the whole is safe.
    where = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return mark_safe(", ".join(_source_link(code, *where) for code in codes))  # noqa: S308


@functools.lru_cache(maxsize=4096)
def _source_link(code: str, prefix: str, urlconf: str) -> SafeString:
    # The prefix and URLconf are in the key so that a link is never reused under another.
    href = reverse("knowledge-entry", args=[code], urlconf=urlconf)
    return format_html('<a class="source" href="{}">{}</a>', href, source_name(code))


@register.filter
def side_label(side: str) -> str:
    return SIDE_LABELS.get(side, side)
