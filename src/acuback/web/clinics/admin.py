"""Admin pages scoped to the clinic admin's own clinic; superusers see everything."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics.forms import PatientForm
from acuback.web.clinics.models import Clinic, Membership, Patient, Role
from acuback.web.clinics.service import clinic_of, is_clinic_admin

User = get_user_model()


def _admin_may(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser or is_clinic_admin(request.user))


def _own_clinic(request: HttpRequest) -> Clinic | None:
    """None for a superuser (no scoping); the admin's clinic otherwise."""
    return None if request.user.is_superuser else clinic_of(request.user)


class ClinicScoped(admin.ModelAdmin[Any]):
    # The lookup from the model to its clinic's primary key: "clinic", "pk" for Clinic itself.
    clinic_path = "clinic"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        clinic = _own_clinic(request)
        # By primary key: a Clinic instance is no value for a lookup such as "pk" itself.
        return queryset if clinic is None else queryset.filter(**{self.clinic_path: clinic.pk})

    def _allowed(self, request: HttpRequest) -> bool:
        return _admin_may(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        clinic = _own_clinic(request)
        if clinic is not None and hasattr(obj, "clinic_id"):
            obj.clinic = clinic
        super().save_model(request, obj, form, change)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and self.clinic_path == "clinic":
            excluded.append("clinic")
        return excluded


@admin.register(Clinic)
class ClinicAdmin(ClinicScoped):
    clinic_path = "pk"
    list_display = ["name", "slug", "created"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Membership)
class MembershipAdmin(ClinicScoped):
    list_display = ["user", "clinic", "role"]
    list_filter = ["role"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        clinic = _own_clinic(request)
        if db_field.name == "user" and clinic is not None:
            kwargs["queryset"] = User.objects.filter(membership__clinic=clinic)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Patient)
class PatientAdmin(ClinicScoped):
    """Demographics only; every look and change goes to the audit trail."""

    list_display = ["family_name", "given_name", "date_of_birth", "phone"]
    search_fields = ["family_name", "given_name", "phone"]
    # The same checks as the clinic's own pages (dates, phones, a guardian under 18).
    form = PatientForm

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[Any] = [
            (legend, {"fields": list(names), "description": help})
            for legend, help, names in PatientForm.FIELDSETS
        ]
        if request.user.is_superuser:
            fieldsets.insert(0, ("Clinic", {"fields": ["clinic"]}))
        return fieldsets

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Clinical records are kept: deleting a patient would take their notes with them.
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        record(request, Action.VIEW, "patient list (admin)", clinic=_own_clinic(request),
               path=request.path)  # fmt: skip
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        patient = self.get_object(request, object_id)
        if patient is not None and request.method == "GET":
            record(request, Action.VIEW, f"patient {patient.pk} (admin)",
                   clinic=patient.clinic, patient_id=patient.pk)  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = Action.CHANGE if change else Action.CREATE
        record(request, action, f"patient {obj.pk} (admin)", clinic=obj.clinic,
               patient_id=obj.pk)  # fmt: skip


class MembershipInline(admin.StackedInline[Membership, Any]):
    model = Membership
    can_delete = False
    fields = ["role"]

    def _allowed(self, request: HttpRequest) -> bool:
        return _admin_may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A clinic admin's new account joins their clinic in save_model, not here.
        return bool(request.user.is_superuser)


admin.site.unregister(User)


@admin.register(User)
class ClinicUserAdmin(ClinicScoped, UserAdmin[Any]):
    clinic_path = "membership__clinic"
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["is_active", "membership__role"]

    @admin.display(description="Role")
    def role(self, user: Any) -> str:
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "-"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Clinic admins manage accounts, not site-wide powers.
        return [fs for fs in fieldsets if fs[0] not in {"Permissions"}] + [
            ("Status", {"fields": ["is_active"]})
        ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        clinic = _own_clinic(request)
        if not change and clinic is not None:
            # A new account belongs to the admin's clinic from the moment it exists.
            Membership.objects.get_or_create(
                user=obj, defaults={"clinic": clinic, "role": Role.PRACTITIONER}
            )
