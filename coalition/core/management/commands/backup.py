"""`manage.py backup --to DIR`: the database, the attachments and a manifest (coalition/core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coalition.core import backup


class Command(BaseCommand):
    help = "Back up the database, the attachment files and a manifest that restore checks against."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, metavar="DIR", help="A new backup directory is made inside DIR.")

    def handle(self, *args: Any, to: str, **options: Any) -> None:
        try:
            made = backup.create(Path(to), progress=lambda message: self.stderr.write(f"{message}…"))
        except (backup.BackupError, OSError) as error:
            raise CommandError(f"Backup failed, nothing was kept: {error}") from error
        manifest = backup.read_manifest(made)
        checks = manifest["checks"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {made}: {checks['documents']['count']} documents, "
                f"{checks['revisions']['count']} revisions, {checks['attachments']['count']} attachments, "
                f"{checks['audit_events']['count']} audit events."
            )
        )
