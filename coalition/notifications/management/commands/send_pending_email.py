"""Re-queue emails that no task will deliver: pending past their time (a lost task, or a retry the
backend could not defer), claimed by a worker that died, and with --include-failed, given up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coalition.notifications.outbox import sweep


class Command(BaseCommand):
    help = "Queue the delivery of pending emails that no task is going to send."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--overdue",
            type=int,
            default=5,
            metavar="MINUTES",
            help="Only emails due at least this many minutes ago (a healthy worker sends them sooner). Default 5.",
        )
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help="Also try again the emails that were given up after every attempt failed.",
        )

    def handle(self, *args: Any, overdue: int, include_failed: bool, **options: Any) -> None:
        count = sweep(overdue_by=timedelta(minutes=max(overdue, 0)), include_failed=include_failed)
        self.stdout.write(f"Queued {count} email{'s' if count != 1 else ''} for delivery.")
