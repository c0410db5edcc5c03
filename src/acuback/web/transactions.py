"""A request that may change something runs its view in one transaction; a read does not.

A change and the audit row that records it commit together or not at all, as with Django's
ATOMIC_REQUESTS. Reads (GET, HEAD, OPTIONS) write only their audit row, on its own: on SQLite a
transaction begins IMMEDIATE, so wrapping every page in one made page views take turns for
their whole length, and a second app server worker served no more pages than one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase

READS = frozenset({"GET", "HEAD", "OPTIONS"})


class AtomicChangesMiddleware:
    """Last in MIDDLEWARE, so the CSRF check and sign-in come first. The view runs inside
    the transaction: an exception rolls it back before Django turns it into an answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.method in READS or "default" in getattr(view, "_non_atomic_requests", ()):
            return None  # Django calls the view itself, outside any transaction
        with transaction.atomic():
            return view(request, *args, **kwargs)
