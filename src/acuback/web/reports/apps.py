from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "acuback.web.reports"
    label = "reports"
