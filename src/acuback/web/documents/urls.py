from django.urls import path

from acuback.web.documents import views

urlpatterns = [
    path("intakes/<int:intake_id>/approval/", views.approval, name="documents-approval"),
    path(
        "intakes/<int:intake_id>/approval/letters/",
        views.letter_create,
        name="documents-letter-create",
    ),
    path("letters/<int:letter_id>/pdf/", views.letter_pdf, name="documents-letter-pdf"),
    path("letters/<int:letter_id>/reply/", views.reply_create, name="documents-reply"),
    path("plans/<int:plan_id>/handout/pdf/", views.plan_handout, name="documents-plan-handout"),
    path("plans/<int:plan_id>/progress/pdf/", views.progress_letter, name="documents-progress"),
    path("sessions/<int:session_id>/pdf/", views.session_record, name="documents-session"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="documents-invoice"),
]
