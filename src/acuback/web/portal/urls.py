from django.urls import path

from acuback.web.portal import staff_views, views

urlpatterns = [
    path("portal/login/", views.PortalLoginView.as_view(), name="portal-login"),
    path("portal/logout/", views.PortalLogoutView.as_view(), name="portal-logout"),
    path("portal/welcome/<str:token>/", views.welcome, name="portal-welcome"),
    path("portal/", views.home, name="portal-home"),
    path("patients/<int:patient_id>/portal-invite/", staff_views.invite, name="portal-invite"),
]
