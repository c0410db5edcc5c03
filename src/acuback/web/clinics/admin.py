from django.contrib import admin

from acuback.web.clinics.models import Clinic, Membership, Patient


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin[Clinic]):
    list_display = ["name", "slug", "created"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "clinic", "role"]
    list_filter = ["clinic", "role"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin[Patient]):
    list_display = ["family_name", "given_name", "clinic", "date_of_birth"]
    list_filter = ["clinic"]
    search_fields = ["family_name", "given_name"]
