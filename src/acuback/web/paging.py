"""Which page of a list the address asks for."""

from __future__ import annotations


def page_number(asked: str | None) -> int:
    """The page asked for (`?page=3`); anything unreadable is the first page."""
    try:
        return max(1, int(asked or 1))
    except ValueError:
        return 1
