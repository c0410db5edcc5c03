from django.urls import path

from acuback.web.today import views

urlpatterns = [path("today/", views.today, name="today")]
