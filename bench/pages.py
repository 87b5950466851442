"""Benchmark the lists that count or aggregate (docs/performance.md, "Library list and public home").

    DATABASE_URL=... .venv/bin/python bench/pages.py [--runs 15]

On a generated library (bench/generate.py), for the sampled people of bench/library.py:

- `library page`: selectors.library_page() as the library list calls it (the capped count, then
  the page of 20 with owners and topics), unfiltered, for status=draft and for tlp=red (the
  filters that read from the person's own routes);
- its peer, in the same run: the same page without the count (what the list did before it
  counted), so the cost of saying "1–20 of 1,000+" is the difference;
- `public home`: drafting.selectors.front_door() (the newest public documents and the adopted
  principles with their endorsers), next to the bare newest-20 query on the same table as its
  lower bound.

Each figure is the median and p95 of --runs runs after a warm-up, from a fresh user object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django, timed

CASES = [("unfiltered", {}), ("status=draft", {"status": "draft"}), ("tlp=red", {"tlp": "red"})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from library import fresh, sample_users

    from coalition.access.documents import first_visible_documents
    from coalition.drafting.selectors import front_door
    from coalition.library import selectors
    from coalition.library.models import Document

    people = sample_users(random.Random(args.seed))
    rows = []
    for case, filters in CASES:
        for role, person in people:

            def page(person: Any = person, filters: dict[str, str] = filters) -> int:
                return selectors.library_page(fresh(person), filters=filters).count

            def uncounted(person: Any = person, filters: dict[str, str] = filters) -> int:
                queryset = Document.objects.filter(**filters).order_by(*selectors.SORTS["newest"])
                hints = {"tlp": filters.get("tlp", ""), "status": filters.get("status", "")}
                queryset = first_visible_documents(fresh(person), queryset, rows=selectors.PAGE_SIZE + 1, **hints)
                return len(list(queryset.select_related("owner").prefetch_related("topics")[: selectors.PAGE_SIZE + 1]))

            counted = selectors.library_page(fresh(person), filters=filters)
            row = {
                "page": "library",
                "case": case,
                "person": role,
                "count": "1,000+" if counted.count_capped else counted.count,
                **timed(page, args.runs),
                "peer": timed(uncounted, args.runs),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    home = timed(front_door, args.runs)
    bare = timed(lambda: len(list(Document.objects.order_by("-updated_at", "-pk")[:20])), args.runs)
    rows.append({"page": "public home", "case": "", "person": "visitor", **home, "peer": bare})
    summary = {"database": database_label(), "documents": Document.objects.count(), "runs": args.runs, "rows": rows}
    Path("var").mkdir(exist_ok=True)
    Path(f"var/bench-pages-{connection.vendor}-{summary['documents']}.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{summary['database']}, {summary['documents']:,} documents, {args.runs} runs each")
    print("| page | case | person | count | p50 ms | p95 ms | peer p95 ms |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        cells = [r["page"], r["case"], r["person"], r.get("count", ""), r["p50_ms"], r["p95_ms"], r["peer"]["p95_ms"]]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
