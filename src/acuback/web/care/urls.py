from django.urls import path

from acuback.web.care import views

urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_detail, name="patient-detail"),
    path("patients/<int:patient_id>/scores/", views.score_create, name="score-create"),
    path("patients/<int:patient_id>/messages/", views.message_create, name="message-create"),
    path("patients/<int:patient_id>/export.json", views.patient_export, name="patient-export"),
    path("patients/<int:patient_id>/intake/", views.intake_new, name="intake-new"),
    path("patients/<int:patient_id>/intake/preview/", views.intake_preview, name="intake-preview"),
    path("intakes/<int:intake_id>/", views.intake_detail, name="intake-detail"),
    path("intakes/<int:intake_id>/plan/", views.plan_create, name="plan-create"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:plan_id>/sessions/", views.session_create, name="session-create"),
    path("sessions/<int:session_id>/", views.session_detail, name="session-detail"),
    path(
        "sessions/<int:session_id>/adverse-events/",
        views.adverse_event_create,
        name="adverse-event-create",
    ),
]
