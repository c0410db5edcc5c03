from django.urls import path

from acuback.web.reports import views

urlpatterns = [
    path("outcomes/", views.outcomes, name="outcomes-report"),
    path("outcomes/csv/", views.outcomes_csv, name="outcomes-report-csv"),
]
