"""What /fhir/ serves: one entry per resource type, read by the generic views.

Each entry says which rows a caller may read (clinic- and role-scoped), how a row becomes a
validated fhir.resources R4B model, and how a search by patient narrows the rows. The views
never know a type's details; the mapping modules never know HTTP.

Most types are one resource per row. A type that is not (Condition: one per condition code
of an intake, plus the imported ones) leaves `rows` and `to_fhir` None and gives `listing`
and `find` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.resource import Resource

from acuback.web.apitokens.service import ApiCaller


@dataclass(frozen=True)
class ResourceType:
    name: str
    # Every row this caller may read; another clinic's rows are simply absent.
    rows: Callable[[ApiCaller], QuerySet[Any]] | None
    # A row -> a validated R4B model (its id is the row's id as a string).
    to_fhir: Callable[[Any], Resource] | None
    # The lookup from a row to its patient's id (e.g. "patient_id", "session__patient_id"),
    # for `?patient=` searches and Patient/{id}/$everything; None for types with no patient.
    patient_lookup: str | None
    # Clinical records are for practitioners and admins; reception reads no notes.
    clinical: bool
    # For types that are not one resource per row: every resource the caller may read,
    # of one patient when a patient id is given ...
    listing: Callable[[ApiCaller, int | None], Sequence[Resource]] | None = None
    # ... and the one with this id, or None when the caller may read no such resource.
    find: Callable[[ApiCaller, str], Resource | None] | None = None
    # The clinic's own oversight (the audit trail) is for its admin only.
    admin_only: bool = False

    def __post_init__(self) -> None:
        row_based = self.rows is not None and self.to_fhir is not None
        if row_based == (self.listing is not None and self.find is not None):
            raise ValueError(f"{self.name}: give rows and to_fhir, or listing and find")


REGISTRY: dict[str, ResourceType] = {}


def register(entry: ResourceType) -> ResourceType:
    if entry.name in REGISTRY:
        raise ValueError(f"{entry.name} is registered twice")
    REGISTRY[entry.name] = entry
    return entry
