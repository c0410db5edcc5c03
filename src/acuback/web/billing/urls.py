from django.urls import path

from acuback.web.billing import views

urlpatterns = [
    path("billing/", views.overview, name="billing-overview"),
    path("billing/prices/", views.prices, name="billing-prices"),
    path("billing/patients/<int:patient_id>/", views.patient_invoices, name="patient-invoices"),
    path(
        "billing/appointments/<int:appointment_id>/invoice/",
        views.issue,
        name="invoice-issue",
    ),
    path("billing/plans/<int:plan_id>/costs/", views.plan_costs, name="plan-costs"),
    path("billing/invoices/<int:invoice_id>/", views.invoice_detail, name="invoice-detail"),
    path("billing/invoices/<int:invoice_id>/paid/", views.mark_paid, name="invoice-paid"),
]
