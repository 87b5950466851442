from django.apps import AppConfig


class PrinciplesConfig(AppConfig):
    name = "coalition.principles"
    label = "principles"
    verbose_name = "Principles"
