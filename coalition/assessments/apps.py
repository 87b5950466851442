from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "coalition.assessments"
    label = "assessments"
    verbose_name = "Crosswalks and self-assessment"
