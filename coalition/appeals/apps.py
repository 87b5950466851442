from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "coalition.appeals"
    label = "appeals"
    verbose_name = "Appeals and tips"
