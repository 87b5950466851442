"""How far the Merkle tree is behind the events: the tree's size, how many events wait and how
long the oldest has waited. Exits 1 when that is over AUDIT_INTEGRATION_BOUND (for monitoring)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition.audit import tree


class Command(BaseCommand):
    help = "Report the audit log's integration delay; exit 1 when it is over the bound."

    def handle(self, *args: Any, **options: Any) -> None:
        state = tree.status()
        waiting = f"{state.waiting:,}{'+' if state.waiting >= tree.WAITING_CAP else ''}"
        last = state.last_checkpoint_at.isoformat(timespec="seconds") if state.last_checkpoint_at else "none yet"
        message = (
            f"Tree of {state.size:,} events; {waiting} waiting, the oldest for {state.oldest_waiting_seconds:.1f} s "
            f"(bound {state.bound_seconds} s); last checkpoint {last}."
        )
        if not state.within_bound:
            raise CommandError(f"Integration delay over the bound. {message} Is the worker's sequencer running?")
        self.stdout.write(self.style.SUCCESS(message))
