from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "acuback.web.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from acuback.web.portal import signals  # noqa: F401  (connects the receivers)
