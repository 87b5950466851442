from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "coalition.library"
    label = "library"
    verbose_name = "Library"
