"""`{% url %}` for every template, with a record's link worked out once per kind of link.

A list page links each row to its patient, plan or appointment: Today has about 160 links.
Django's tag asks the URL resolver for every one (about 20 us each). A link that takes
only record numbers (`{% url 'patient-detail' patient.pk %}`) differs from the next one
of its kind only in those numbers, so its path is reversed once, with marker numbers, and
the row's numbers are put where the markers were. Any other link (a namespaced name,
named or non-number arguments) goes through Django's tag unchanged.

Registered as a template builtin in settings, so it replaces Django's `url` in every
template without a `{% load %}`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django import template
from django.conf import settings
from django.template import defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Far above any record number a test or a clinic makes, so a path never holds one by chance.
_MARK = 7_340_000_001
_WHERE = "acuback.links.where"  # the rendering's own store: where its links point


@register.tag
def url(parser: Parser, token: Token) -> template.Node:
    parsed = defaulttags.url(parser, token)  # Django's own parsing and error messages
    return LinkNode(parsed.view_name, parsed.args, parsed.kwargs, parsed.asvar)


class LinkNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        view_name = self.view_name.resolve(context)
        args = [arg.resolve(context) for arg in self.args]
        pieces = None
        if (
            not self.kwargs
            and isinstance(view_name, str)
            and ":" not in view_name
            and all(type(arg) is int and arg >= 0 for arg in args)
        ):
            pieces = _pieces(view_name, len(args), *_where(context))
        if pieces is None:
            return str(super().render(context))
        link = _joined(pieces, args)
        if self.asvar:
            context[self.asvar] = link
            return ""
        return str(conditional_escape(link)) if context.autoescape else link


def link(view_name: str, *args: int) -> str:
    """The path `{% url view_name args %}` writes, for templates outside Django's engine."""
    return linker()(view_name, *args)


def linker() -> Callable[..., str]:
    """`link`, with the URL conf and script prefix read once: for one page's many links."""
    where = _current_where()

    def link_here(view_name: str, *args: int) -> str:
        pieces = _pieces(view_name, len(args), *where)
        return reverse(view_name, args=args) if pieces is None else _joined(pieces, args)

    return link_here


def _joined(pieces: tuple[str, ...], args: Sequence[int]) -> str:
    """A path cut by `_pieces`, with the record numbers put back where the markers were."""
    return pieces[0] + "".join(
        str(arg) + piece for arg, piece in zip(args, pieces[1:], strict=True)
    )


def _where(context: template.Context) -> tuple[Any, str]:
    """The URL conf and script prefix links are made under, asked once per page: the same
    for every link of one rendering."""
    found: tuple[Any, str] | None = context.render_context.get(_WHERE)
    if found is None:
        found = context.render_context[_WHERE] = _current_where()
    return found


def _current_where() -> tuple[Any, str]:
    # The URL conf in the key: a test or a bench may swap the project's for another.
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


@functools.lru_cache(maxsize=512)
def _pieces(view_name: str, count: int, urlconf: Any, prefix: str) -> tuple[str, ...] | None:
    """The path of `view_name` cut where its `count` numbers go; None if the markers do not
    each come back once and in order (then every link of it is reversed as Django does).
    `prefix` is in the key only: `reverse` reads the script prefix itself."""
    marks = [str(_MARK + n) for n in range(count)]
    try:
        path = reverse(view_name, args=[_MARK + n for n in range(count)], urlconf=urlconf)
    except NoReverseMatch:
        return None
    pieces = []
    rest = path
    for mark in marks:
        before, found, rest = rest.partition(mark)
        if not found or mark in rest:
            return None
        pieces.append(before)
    pieces.append(rest)
    return tuple(pieces)
