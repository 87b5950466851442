"""Walks the closed hash chain of the first events and the Merkle tree, and exits non-zero naming
the first bad event, leaf, subtree or checkpoint. `--checkpoint FILE` (repeatable) also checks
signed checkpoints kept outside the database: a database rewritten by someone without the key
fails against them."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition.audit import tree
from coalition.audit.models import AuditEvent, LeafFormat, TreeHead
from coalition.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log: the Merkle tree, its signed checkpoints and the first events' chain."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--checkpoint", action="append", default=[], type=Path, help="a signed checkpoint kept outside the database"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes that recompute leaves (e.g. the number of cores; each opens its own connection)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = next(iter(verify_chain()), None)
        if problem is not None:
            raise CommandError(f"Audit chain broken at event #{problem.seq}: {problem.reason}.")
        kept = []
        for path in options["checkpoint"]:
            try:
                kept.append(path.read_text())
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        found = next(iter(tree.verify_tree(kept=kept, workers=max(1, options["workers"]))), None)
        if found is not None:
            raise CommandError(f"Audit tree broken at {found.where}: {found.reason}.")
        count = AuditEvent.objects.count()
        head = TreeHead.objects.get(id=1)
        vouched = AuditEvent.objects.filter(leaf_format=LeafFormat.CHAINED, redacted_at__isnull=False).count()
        notes = [f"{count - head.size} waiting to be integrated"] if count > head.size else []
        if vouched:
            notes.append(f"{vouched} redacted format 1 event(s) vouched for by their kept leaf hash")
        said = "".join(f"; {note}" for note in notes)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact: Tree of {head.size} events verified, with its signed checkpoints"
                f"{f' and {len(kept)} kept one(s)' if kept else ''}{said}."
            )
        )
