from django.urls import path

from acuback.web.public import views

urlpatterns = [
    path("self-check/", views.self_check_page, name="self-check"),
    path("ask/", views.ask_page, name="public-ask"),
    path("questions/", views.questions_page, name="public-questions"),
    path("questions/<slug:code>/", views.question_page, name="public-question"),
    path("evidence/", views.evidence_page, name="public-evidence"),
    path("practitioners/", views.practitioners_page, name="public-practitioners"),
    path("home-visits/", views.home_visits_page, name="public-home-visits"),
    path("costs/", views.costs_page, name="public-costs"),
]
