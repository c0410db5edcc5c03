from django.apps import AppConfig


class TodayConfig(AppConfig):
    name = "acuback.web.today"
    label = "today"
    verbose_name = "Today"
