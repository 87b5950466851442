"""Integrates committed audit events into the Merkle tree and signs a checkpoint (the sequencer,
run by hand; the worker runs it every few seconds)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coalition.audit import tree
from coalition.audit.models import TreeHead


class Command(BaseCommand):
    help = "Integrate new audit events into the Merkle tree and sign a checkpoint."

    def handle(self, *args: Any, **options: Any) -> None:
        added = tree.integrate_all()
        head = TreeHead.objects.get(id=1)
        self.stdout.write(
            self.style.SUCCESS(f"{added} event(s) integrated; the tree holds {head.size}, root {head.root_hash}.")
        )
