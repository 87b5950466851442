from django.apps import AppConfig


class MyWorkConfig(AppConfig):
    name = "coalition.mywork"
    label = "mywork"
    verbose_name = "My work"
