from django.apps import AppConfig


class DraftingConfig(AppConfig):
    name = "coalition.drafting"
    default_auto_field = "django.db.models.BigAutoField"
