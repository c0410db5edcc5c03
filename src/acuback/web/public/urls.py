from django.urls import path

from acuback.web.public import views

urlpatterns = [path("self-check/", views.self_check_page, name="self-check")]
