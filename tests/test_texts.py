"""`|clipped:n` cuts a text exactly as Django's `truncatechars:n` did, marks and all."""

from __future__ import annotations

from django.template import engines
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from acuback.web import jinja

# Letters, spaces, accents written as combining marks, and characters NFC recomposes.
TEXTS = st.text(alphabet=st.sampled_from("ab cé\u0301\u0308\u212b<&>\"'\u0958\u00c5"), max_size=30)


def render(source: str, value: object) -> str:
    return str(engines["django"].from_string(source).render({"value": value}))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, length=st.integers(-1, 32))
def test_a_text_is_cut_as_djangos_filter_cut_it(text: str, length: int) -> None:
    ours = render(f"{{{{ value|clipped:{length} }}}}", text)
    assert ours == render(f"{{{{ value|truncatechars:{length} }}}}", text)


def test_a_long_text_ends_with_an_ellipsis_and_a_short_one_is_kept() -> None:
    assert render("{{ value|clipped:5 }}", "Bruise at the site") == "Brui…"
    assert render("{{ value|clipped:50 }}", "Bruise & ache") == "Bruise &amp; ache"


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats()))
def test_jinja_writes_each_value_as_django_escapes_it(value: object) -> None:
    assert jinja._escaped(value) == str(conditional_escape(value))
    safe = mark_safe(str(value))  # noqa: S308 (the test's own text)
    assert jinja._escaped(safe) == str(conditional_escape(safe)) == str(value)
