"""The project's `{% url %}` writes every link exactly as Django's reverse does."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import NoReverseMatch, get_resolver, reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from acuback.web import links


def _named_patterns() -> list[tuple[str, int]]:
    """Every URL name of the project with how many arguments it takes."""
    found = set()
    for name, possibilities in get_resolver().reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for possibility, _pattern, _defaults, _converters in possibilities:
            for _format, params in possibility:
                found.add((name, len(params)))
    return sorted(found)


NAMED = _named_patterns()


def render(source: str, **context: Any) -> str:
    return str(engines["django"].from_string(source).render(context))


def test_the_project_has_links_with_numbers() -> None:
    assert ("patient-detail", 1) in NAMED
    assert sum(1 for _, count in NAMED if count) > 20


@settings(max_examples=300, deadline=None)
@given(named=st.sampled_from(NAMED), numbers=st.lists(st.integers(0, 10**12), max_size=3))
def test_a_link_with_numbers_reads_as_reverse_wrote_it(
    named: tuple[str, int], numbers: list[int]
) -> None:
    name, count = named
    args = (numbers + [7] * count)[:count]
    source = "{% url name " + " ".join(f"a{n}" for n in range(count)) + " %}"
    context = {"name": name, **{f"a{n}": arg for n, arg in enumerate(args)}}
    try:
        expected = reverse(name, args=args)
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            render(source, **context)
        return
    assert render(source, **context) == expected


def test_other_links_go_through_django_unchanged() -> None:
    assert render("{% url 'patient-detail' patient_id=5 %}") == reverse(
        "patient-detail", kwargs={"patient_id": 5}
    )
    assert render("{% url 'patient-detail' '5' %}") == reverse("patient-detail", args=["5"])
    assert render("{% url 'admin:index' %}") == reverse("admin:index")
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' 5 %}")
    assert render("{% url 'patient-detail' -1 as link %}[{{ link }}]") == "[]"


def test_a_link_kept_as_a_variable_and_escaped() -> None:
    assert render("{% url 'patient-detail' 12 as link %}<{{ link }}>") == "</patients/12/>"
    template = engines["django"].from_string("{% url 'patient-detail' 3 %}")
    assert template.render({}) == reverse("patient-detail", args=[3])


def test_a_path_is_worked_out_once_per_name() -> None:
    links._pieces.cache_clear()
    for pk in range(50):
        render("{% url 'patient-detail' pk %}", pk=pk)
    assert links._pieces.cache_info().misses == 1


def test_the_tag_replaces_djangos_everywhere_without_a_load() -> None:
    template = engines["django"].from_string("{% url 'patient-detail' 1 %}")
    assert isinstance(template.template.nodelist[0], links.LinkNode)


def test_a_link_follows_a_swapped_url_conf() -> None:
    assert render("{% url 'patient-detail' 3 %}") == "/patients/3/"  # remembered as it is
    with override_settings(ROOT_URLCONF="tests.prefixed_urls"):
        assert render("{% url 'patient-detail' 3 %}") == "/clinic/patients/3/"
    assert render("{% url 'patient-detail' 4 %}") == "/patients/4/"
