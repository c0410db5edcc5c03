from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    name = "acuback.web.apitokens"
    label = "apitokens"
    verbose_name = "API tokens"
