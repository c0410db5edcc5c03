from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "acuback.web.documents"
    label = "documents"
    verbose_name = "Documents"
