from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "acuback.web.appointments"
    label = "appointments"
    verbose_name = "Appointment book"
