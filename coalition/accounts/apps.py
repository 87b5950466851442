from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coalition.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from coalition.accounts import receivers  # noqa: F401  (connects allauth's signals)
