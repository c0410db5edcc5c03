from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from acuback.web.api import api
from acuback.web.audit import views as audit_views
from acuback.web.care import knowledge_views
from acuback.web.clinics import views as clinic_views
from acuback.web.clinics.forms import ThrottledLoginForm

urlpatterns = [
    path("", clinic_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledLoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", clinic_views.patient_list, name="patient-list"),
    path("patients/new/", clinic_views.patient_new, name="patient-new"),
    path("patients/<int:patient_id>/edit/", clinic_views.patient_edit, name="patient-edit"),
    path("", include("acuback.web.care.urls")),
    path("", include("acuback.web.appointments.urls")),
    path("", include("acuback.web.billing.urls")),
    path("", include("acuback.web.today.urls")),
    path("", include("acuback.web.public.urls")),
    path("", include("acuback.web.portal.urls")),
    path("documents/", include("acuback.web.documents.urls")),
    path("", include("acuback.web.apitokens.urls")),
    path("audit/", audit_views.trail, name="audit-trail"),
    path("reports/", include("acuback.web.reports.urls")),
    path("knowledge/<str:code>/", knowledge_views.knowledge_entry, name="knowledge-entry"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("fhir/", include("acuback.web.fhir.urls")),
]
