from django.urls import path

from acuback.web.portal import staff_views, views
from acuback.web.portal.plan_views import my_plan, one_plan, plan_pdf

urlpatterns = [
    path("portal/login/", views.PortalLoginView.as_view(), name="portal-login"),
    path("portal/logout/", views.PortalLogoutView.as_view(), name="portal-logout"),
    path("portal/welcome/<str:token>/", views.welcome, name="portal-welcome"),
    path("portal/", views.home, name="portal-home"),
    path("patients/<int:patient_id>/portal-invite/", staff_views.invite, name="portal-invite"),
]

# The patient's plan in plain words, and the same as a PDF.
urlpatterns += [
    path("portal/plan/", my_plan, name="portal-plan"),
    path("portal/plans/<int:plan_id>/", one_plan, name="portal-plan-one"),
    path("portal/plans/<int:plan_id>/pdf/", plan_pdf, name="portal-plan-pdf"),
]
