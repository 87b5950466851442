"""Redacts the address and browser of audit events older than AUDIT_PERSONAL_DATA_DAYS (the worker
does it once a day); every leaf and proof still verifies. The redaction is itself an event."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from coalition.audit import retention


class Command(BaseCommand):
    help = "Redact personal data (address, browser) of old audit events, keeping every proof valid."

    def handle(self, *args: Any, **options: Any) -> None:
        if retention.due() is None:
            self.stdout.write("AUDIT_PERSONAL_DATA_DAYS is 0: personal data is kept.")
            return
        count = retention.redact_personal_data()
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} event(s) older than {settings.AUDIT_PERSONAL_DATA_DAYS} days redacted; "
                "audit_verify checks the log."
            )
        )
