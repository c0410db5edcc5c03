"""Form widgets render through the configured renderer and escape whatever they show."""

from __future__ import annotations

from acuback.web.care.forms import SessionForm


def test_a_chart_field_shows_typed_markup_as_text() -> None:
    form = SessionForm(
        initial={"advice": "<script>alert(1)</script>", "needle_type": '"><b>steel</b>'}
    )
    advice, needle = str(form["advice"]), str(form["needle_type"])
    assert "<script>" not in advice
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in advice
    assert '"><b>' not in needle
    assert "&lt;b&gt;steel&lt;/b&gt;" in needle
