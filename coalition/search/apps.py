from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "coalition.search"
    label = "search"
    verbose_name = "Search"
