from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "acuback.web.billing"
    label = "billing"
    verbose_name = "Costs and invoices"
