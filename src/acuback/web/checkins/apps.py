from django.apps import AppConfig


class CheckInsConfig(AppConfig):
    name = "acuback.web.checkins"
    label = "checkins"
    verbose_name = "Check-ins after sessions"
