from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LibraryConfig(AppConfig):
    name = "coalition.library"
    label = "library"
    verbose_name = "Library"

    def ready(self) -> None:
        from coalition.access.documents import forget_level_permissions

        # Migrations (and a test database flush) may re-create permission rows with new ids.
        post_migrate.connect(forget_level_permissions, dispatch_uid="library.forget_level_permissions")
