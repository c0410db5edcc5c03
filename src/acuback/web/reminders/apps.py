from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "acuback.web.reminders"
    label = "reminders"
    verbose_name = "Appointment reminders"

    def ready(self) -> None:
        # Connects the receivers that queue a reminder when an appointment is booked or moved.
        from acuback.web.reminders import signals  # noqa: F401
