from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "coalition.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from coalition.core import checks  # noqa: F401  (registers the deploy checks)
        from coalition.core.converters import CONVERTERS

        # Before any URLconf is imported: the portal's patterns use <id:...> and <int32:...>.
        for name, converter in CONVERTERS.items():
            register_converter(converter, name)
