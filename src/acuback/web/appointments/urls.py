from django.urls import path

from acuback.web.appointments import views

urlpatterns = [
    path("appointments/", views.day_view, name="appointment-day"),
    path("appointments/week/", views.week_view, name="appointment-week"),
    path("appointments/new/", views.new, name="appointment-new"),
    path("appointments/feed/", views.feed, name="appointment-feed"),
    path("appointments/feed/<str:token>/calendar.ics", views.feed_ics, name="appointment-feed-ics"),
    path("appointments/<int:appointment_id>/", views.detail, name="appointment-detail"),
    path(
        "appointments/<int:appointment_id>/status/",
        views.change_status,
        name="appointment-status",
    ),
    path("appointments/<int:appointment_id>/move/", views.move, name="appointment-move"),
    path(
        "appointments/<int:appointment_id>/session/",
        views.start_session,
        name="appointment-start-session",
    ),
    path(
        "appointments/<int:appointment_id>/calendar.ics",
        views.appointment_ics,
        name="appointment-ics",
    ),
    path("plans/<int:plan_id>/book/", views.course, name="plan-book"),
]
