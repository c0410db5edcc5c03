from django.urls import path

from acuback.web.checkins import views as check_in_views
from acuback.web.portal import appointment_staff_views, appointment_views, staff_views, views
from acuback.web.portal import diary_views as diary_views
from acuback.web.portal import message_views as message_views
from acuback.web.portal.plan_views import my_plan, one_plan, plan_pdf

urlpatterns = [
    path("portal/login/", views.PortalLoginView.as_view(), name="portal-login"),
    path("portal/logout/", views.PortalLogoutView.as_view(), name="portal-logout"),
    path("portal/welcome/<str:token>/", views.welcome, name="portal-welcome"),
    path("portal/", views.home, name="portal-home"),
    path("patients/<int:patient_id>/portal-invite/", staff_views.invite, name="portal-invite"),
]

# The patient's appointments, and the clinic's answer to a home-visit request.
urlpatterns += [
    path("portal/appointments/", appointment_views.appointments, name="portal-appointments"),
    path("portal/appointments/calendar.ics", appointment_views.all_ics,
         name="portal-appointments-ics"),
    path("portal/appointments/book/", appointment_views.book, name="portal-appointment-book"),
    path("portal/appointments/book/confirm/", appointment_views.confirm,
         name="portal-appointment-confirm"),
    path("portal/appointments/home-visit/", appointment_views.home_visit,
         name="portal-home-visit"),
    path("portal/appointments/<int:appointment_id>/ics/", appointment_views.appointment_ics,
         name="portal-appointment-ics"),
    path("portal/appointments/<int:appointment_id>/cancel/", appointment_views.cancel,
         name="portal-appointment-cancel"),
    path("appointments/home-visit-requests/<int:request_id>/",
         appointment_staff_views.home_visit_request, name="home-visit-request"),
]  # fmt: skip

# The check-in after a session: the patient's answers, and the practitioner's "seen".
urlpatterns += [
    path("portal/check-ins/<int:check_in_id>/", check_in_views.check_in, name="portal-check-in"),
    path("check-ins/<int:check_in_id>/seen/", check_in_views.seen, name="check-in-seen"),
]

# The patient's plan in plain words, and the same as a PDF.
urlpatterns += [
    path("portal/plan/", my_plan, name="portal-plan"),
    path("portal/plans/<int:plan_id>/", one_plan, name="portal-plan-one"),
    path("portal/plans/<int:plan_id>/pdf/", plan_pdf, name="portal-plan-pdf"),
]

# The pain diary and the messages between the patient and the clinic.
urlpatterns += [
    path("portal/diary/", diary_views.diary_page, name="portal-diary"),
    path("portal/diary/<int:score_id>/", diary_views.diary_entry, name="portal-diary-entry"),
    path("portal/diary/<int:score_id>/delete/", diary_views.diary_delete,
         name="portal-diary-delete"),
    path("portal/messages/", message_views.messages_page, name="portal-messages"),
]  # fmt: skip
