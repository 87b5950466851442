"""`manage.py restore DIR`: load a backup into an empty database and attachment directory, then
prove the copy: every document, revision and attachment as the manifest recorded, and the audit
log verified up to the tree head the backup recorded. Exits non-zero naming what differs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coalition.core import backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database, then verify it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="DIR", help="The backup directory (coalition-backup-...).")
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Load nothing: compare the current database and attachments with the backup's manifest.",
        )

    def handle(self, *args: Any, source: str, verify_only: bool, **options: Any) -> None:
        path = Path(source)
        try:
            manifest = backup.read_manifest(path)
            if not verify_only:
                backup.restore(path, progress=lambda message: self.stderr.write(f"{message}…"))
            self.stderr.write("Checking the copy against the manifest…")
            problems = backup.verify(manifest)
        except (backup.BackupError, OSError) as error:
            raise CommandError(f"Restore failed: {error}") from error
        if problems:
            raise CommandError("The copy does not match the backup: " + "; ".join(map(str, problems)))
        call_command("audit_verify", stdout=self.stdout)
        checks = manifest["checks"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and verified: {checks['documents']['count']} documents, "
                f"{checks['revisions']['count']} revisions, {checks['attachments']['count']} attachments "
                f"(every file's SHA-256), {checks['audit_events']['count']} audit events, "
                f"{(checks['audit_head'] or {}).get('seq', 0)} of them in the tree."
            )
        )
