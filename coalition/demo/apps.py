from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "coalition.demo"
    verbose_name = "Demo data"
