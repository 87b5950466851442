"""Send the daily digests that are due (run it hourly from cron: the worker normally sends each at
its time; this catches up after an outage and serves backends that cannot defer tasks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coalition.notifications.digest import send_due_digests


class Command(BaseCommand):
    help = "Write every daily digest that is due to the email outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="Send every waiting digest now, due or not."
        )

    def handle(self, *args: Any, everything: bool, **options: Any) -> None:
        digests, items = send_due_digests(everything=everything)
        self.stdout.write(f"Wrote {digests} digest{'s' if digests != 1 else ''} ({items} notifications).")
