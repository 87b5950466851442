"""Creates a fictional coalition to try the portal with. Running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coalition.demo.appeals import seed_appeals
from coalition.demo.assessments import seed_assessments
from coalition.demo.drafting import seed_drafting
from coalition.demo.library import seed_documents
from coalition.demo.organisations import DEMO_PASSWORD, seed_organisations
from coalition.demo.principles import seed_principles
from coalition.demo.reporting import seed_reporting


class Command(BaseCommand):
    help = f"Create the demo coalition (idempotent). Every demo person's password is {DEMO_PASSWORD!r}."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA:
            raise CommandError(
                "Demo data creates accounts with a published password: refused unless DEMO_DATA=1 "
                "(the default only in development, DEBUG=1)."
            )
        created = seed_organisations()
        documents = seed_documents(stdout=self.stdout)
        documents += seed_drafting(stdout=self.stdout)
        seed_appeals(stdout=self.stdout)
        seed_principles(stdout=self.stdout)
        seed_assessments(stdout=self.stdout)
        seed_reporting(stdout=self.stdout)
        self.stdout.write(
            f"Demo coalition ready ({created} new rows, {documents} new documents). "
            f"Password for every demo person: {DEMO_PASSWORD}"
        )
