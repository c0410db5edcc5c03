"""The Django admin, for clinic admins only, each seeing their own clinic.

A clinic admin manages the accounts of their clinic and reads the knowledge base. The
knowledge base itself is edited in the YAML files under `acuback/knowledge/data/` and
checked with `acuback kb check`, so that every change is reviewed and validated before
a clinic runs on it; the admin shows it read-only.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse

from acuback.knowledge.loader import knowledge_base, title_of


class ClinicAdminSite(admin.AdminSite):
    site_header = "acuback administration"
    site_title = "acuback admin"
    index_title = "Clinic administration"

    def has_permission(self, request: HttpRequest) -> bool:
        from acuback.web.clinics.service import is_clinic_admin

        user = request.user
        return bool(user.is_active and (user.is_superuser or is_clinic_admin(user)))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        from django.contrib.auth.views import redirect_to_login

        # One sign-in page for everyone, with its throttling and audit.
        return redirect_to_login(request.GET.get("next", reverse("admin:index")))

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("knowledge/", self.admin_view(self.knowledge_index), name="knowledge-index"),
            path(
                "knowledge/<str:code>/",
                self.admin_view(self.knowledge_entry),
                name="knowledge-entry",
            ),  # fmt: skip
            *super().get_urls(),
        ]

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context["knowledge_url"] = reverse("admin:knowledge-index")
        return context

    def knowledge_index(self, request: HttpRequest) -> HttpResponse:
        kb = knowledge_base()
        collections = [
            (name, [(code, title_of(entry)) for code, entry in sorted(entries.items())])
            for name, entries in kb.collections()
            if entries
        ]
        context = {**self.each_context(request), "title": "Knowledge base",
                   "collections": collections, "counts": kb.counts()}  # fmt: skip
        return TemplateResponse(request, "admin/knowledge_index.html", context)

    def knowledge_entry(self, request: HttpRequest, code: str) -> HttpResponse:
        kb = knowledge_base()
        try:
            collection, entry = kb.entry(code)
        except KeyError as exc:
            raise Http404("No such knowledge-base entry") from exc
        data = entry.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        sources = [(src, kb.source_label(src)) for src in getattr(entry, "sources", [])]
        context = {
            **self.each_context(request),
            "title": f"{code} ({collection})",
            "entry_yaml": yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100),
            "sources": sources,
            "collection": collection,
        }
        return TemplateResponse(request, "admin/knowledge_entry.html", context)
