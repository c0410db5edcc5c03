from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "acuback.web.public"
    label = "public"
    verbose_name = "Public pages"
