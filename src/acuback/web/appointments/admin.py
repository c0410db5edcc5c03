"""Clinic admins set their clinic's appointment types and booking rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from acuback.web.appointments import service
from acuback.web.appointments.models import AppointmentType, BookingRules
from acuback.web.clinics.admin import ClinicScoped
from acuback.web.clinics.service import clinic_of


def _ensure_defaults(request: HttpRequest) -> None:
    """A clinic admin finds the default rules and types even before the book first opens."""
    if not request.user.is_superuser:
        clinic = clinic_of(request.user)
        service.rules_for(clinic)
        service.types_for(clinic)


@admin.register(AppointmentType)
class AppointmentTypeAdmin(ClinicScoped):
    list_display = ["name", "kind", "duration_minutes", "price", "active"]
    list_filter = ["kind", "active"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Booked appointments keep their type; retire a type by unticking "active".
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        _ensure_defaults(request)
        return super().changelist_view(request, extra_context)


@admin.register(BookingRules)
class BookingRulesAdmin(ClinicScoped):
    list_display = ["clinic", "opens", "closes", "slot_minutes", "cancellation_notice_hours"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One per clinic, made with the defaults when the book first opens.
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        _ensure_defaults(request)
        return super().changelist_view(request, extra_context)
