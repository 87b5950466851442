"""Rebuild the search index from the library (documents, comments, proposals) and from the
principles (principles, implementation records, mileposts), with progress."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from coalition.search import index, reporting_index


class Command(BaseCommand):
    help = "Rebuild the search index from scratch (documents are indexed as they change; this is for recovery)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500, help="Items per transaction (default 500).")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        began = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 2 or done == total:
                last[0] = now
                self.stdout.write(
                    f"{done:,} of {total:,} documents, comments and proposals indexed ({now - began:.0f} s)"
                )

        count = index.rebuild(batch=max(1, min(batch, 5000)), progress=progress)
        last[0] = 0.0

        def reporting_progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 2 or done == total:
                last[0] = now
                self.stdout.write(
                    f"{done:,} of {total:,} principles, implementation records and mileposts indexed"
                    f" ({now - began:.0f} s)"
                )

        others = reporting_index.rebuild(batch=max(1, min(batch, 5000)), progress=reporting_progress)
        took = time.monotonic() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt: {count:,} documents, comments and proposals, and {others:,} principles,"
                f" implementation records and mileposts in {took:.1f} s."
            )
        )
