"""The project's URLs under a prefix, for the links test."""

from django.urls import include, path

urlpatterns = [path("clinic/", include("acuback.web.urls"))]
