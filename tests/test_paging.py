"""Which page a list shows: the page asked for, kept between the first and the last."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from acuback.web.paging import page_count, page_number, shown_page


def test_an_unreadable_or_missing_page_is_the_first() -> None:
    assert [page_number(asked) for asked in (None, "", "x", "-3", "0", "2")] == [1, 1, 1, 1, 1, 2]


@given(asked=st.integers(-5, 50), total=st.integers(0, 500), size=st.integers(1, 40))
def test_the_page_shown_lies_on_the_list_and_is_the_one_asked_when_it_can_be(
    asked: int, total: int, size: int
) -> None:
    pages = page_count(total, size)
    shown = shown_page(asked, total, size)
    assert 1 <= shown <= pages
    assert shown == asked or (asked < 1 and shown == 1) or (asked > pages and shown == pages)
    assert (shown - 1) * size <= max(total - 1, 0)  # a page that shows a row, or the empty one
