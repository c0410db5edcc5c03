from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from acuback.web.api import api
from acuback.web.clinics import views as clinic_views

urlpatterns = [
    path("", clinic_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", clinic_views.patient_list, name="patient-list"),
    path("patients/<int:patient_id>/", clinic_views.patient_detail, name="patient-detail"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
