from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "coalition.exports"
    verbose_name = "Exports"
