"""Send the review-by reminders that are due (the worker does this hourly; run it from cron where
no worker runs). Each reminder is sent once, so running it more often sends nothing twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coalition.notifications.reminders import send_review_reminders


class Command(BaseCommand):
    help = "Remind review owners of documents whose review-by date is near or has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        written = send_review_reminders()
        self.stdout.write(f"Wrote {written} review reminder{'s' if written != 1 else ''}.")
