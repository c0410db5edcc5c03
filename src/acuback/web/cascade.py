"""Telling a row deleted on its own from one deleted with its patient or plan.

Receivers that keep a summary of care records (the outcomes report's judgements, the
plans' `active` column) refresh it when a row is deleted by itself, and leave it alone when
the row goes with the record that owns it: the summary goes too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def deleted_with_another(sender: type, origin: Any) -> bool:
    """Whether a post_delete of a `sender` row came from deleting a row of another model
    (`origin` is what `delete()` was called on: an instance or a queryset)."""
    origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return origin_model is not sender
