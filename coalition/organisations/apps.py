from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "coalition.organisations"
    label = "organisations"
    verbose_name = "Organisations"
