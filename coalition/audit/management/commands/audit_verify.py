"""Walks the audit chain and the Merkle tree and exits non-zero naming the first bad event,
subtree or checkpoint. `--checkpoint FILE` (repeatable) also checks signed checkpoints kept
outside the database: a database rewritten by someone without the key fails against them."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition.audit import tree
from coalition.audit.models import AuditEvent, TreeHead
from coalition.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain, the Merkle tree and its signed checkpoints."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--checkpoint", action="append", default=[], type=Path, help="a signed checkpoint kept outside the database"
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
        found = next(iter(tree.verify_tree(kept=kept)), None)
        if found is not None:
            raise CommandError(f"Audit tree broken at {found.where}: {found.reason}.")
        count = AuditEvent.objects.count()
        head = TreeHead.objects.get(id=1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {count} events verified. Tree of {head.size} events verified, "
                f"with its signed checkpoints{f' and {len(kept)} kept one(s)' if kept else ''}."
            )
        )
