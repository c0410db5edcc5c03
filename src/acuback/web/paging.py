"""Pages of a long list: which page the address asks for, and where a page stands."""

from __future__ import annotations

from dataclasses import dataclass


def page_number(asked: str | None) -> int:
    """The page asked for (`?page=3`); anything unreadable is the first page."""
    try:
        return max(1, int(asked or 1))
    except ValueError:
        return 1


def page_count(total: int, size: int) -> int:
    """How many pages `total` rows fill, `size` at a time (an empty list has one page)."""
    return max(1, -(-total // size))


def shown_page(asked: int, total: int, size: int) -> int:
    """The page to show when page `asked` is wanted: past the end, the last; before the
    start, the first."""
    return min(max(1, asked), page_count(total, size))


@dataclass(frozen=True)
class Page:
    """Page `number` of a list of `total` rows shown `size` at a time."""

    number: int
    total: int
    size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None
