"""Walks the audit chain and exits non-zero naming the first bad event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition.audit.models import AuditEvent
from coalition.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log."

    def handle(self, *args: Any, **options: Any) -> None:
        problem = next(iter(verify_chain()), None)
        if problem is not None:
            raise CommandError(f"Audit chain broken at event #{problem.seq}: {problem.reason}.")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events verified."))
