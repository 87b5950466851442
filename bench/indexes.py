"""What the listing indexes cost writers (docs/performance.md, "Indexes").

    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_bench .venv/bin/python bench/indexes.py
    DATABASE_URL=sqlite:////work/main/var/bench-1m.sqlite3 .venv/bin/python bench/indexes.py

Inside transactions that are rolled back (both databases roll back DDL too), it times, with the
indexes of migration library/0003 and without them (dropped inside the transaction): inserting
documents one by one (as services.create_document does), inserting a batch with bulk_create,
and saving existing documents (updated_at changes, so the updated-at index is written). Nothing
stays in the database.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django

INDEXES = ["library_doc_title_idx", "library_doc_updated_idx", "library_codrafter_org_doc_idx"]


class Rollback(Exception):
    pass


def measure(*, drop: bool, singles: int, batch: int, saves: int, rng: random.Random) -> dict[str, float]:
    from django.db import connection, transaction

    from coalition.library.models import Document
    from coalition.organisations.models import Organisation

    owners = list(Organisation.objects.values_list("pk", flat=True)[:50])
    existing = list(Document.objects.order_by("-pk").values_list("pk", flat=True)[:5000])
    result: dict[str, float] = {}
    try:
        with transaction.atomic():
            if drop:
                with connection.cursor() as cursor:
                    for name in INDEXES:
                        cursor.execute(f"DROP INDEX {name}")
            started = time.perf_counter()
            for _ in range(singles):
                Document.objects.create(title=f"Bench single {rng.random()}", owner_id=rng.choice(owners))
            result["create_one_ms"] = (time.perf_counter() - started) * 1000 / singles
            rows = [Document(title=f"Bench batch {rng.random()}", owner_id=rng.choice(owners)) for _ in range(batch)]
            started = time.perf_counter()
            Document.objects.bulk_create(rows, batch_size=1000)
            result["bulk_per_1000_ms"] = (time.perf_counter() - started) * 1000 / batch * 1000
            chosen = rng.sample(existing, saves)
            documents = list(Document.objects.filter(pk__in=chosen))
            started = time.perf_counter()
            for document in documents:
                document.title = f"{document.title[:150]} (edited)"
                document.save(update_fields=["title", "updated_at"])
            result["save_one_ms"] = (time.perf_counter() - started) * 1000 / saves
            raise Rollback
    except Rollback:
        pass
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    setup_django()
    import library as bench

    rng = random.Random(11)
    runs: dict[str, list[dict[str, float]]] = {"with": [], "without": []}
    load_before = bench.load_average()
    for _ in range(args.rounds):  # alternate, so that other work weighs on both alike
        for mode in ("with", "without"):
            runs[mode].append(
                measure(drop=mode == "without", singles=args.singles, batch=args.batch, saves=args.saves, rng=rng)
            )
    summary: dict[str, Any] = {"database": database_label(), "load_before": load_before}
    for mode, results in runs.items():
        summary[mode] = {key: round(statistics.median(r[key] for r in results), 3) for key in results[0]}
    summary["load_after"] = bench.load_average()
    print(json.dumps(summary, indent=2))
    print()
    print(f"### Write cost of the listing indexes, {summary['database']} (median of {args.rounds} rounds)")
    print()
    print("| | with the indexes | without | cost |")
    print("| --- | --- | --- | --- |")
    labels = {
        "create_one_ms": "insert one document (ms)",
        "bulk_per_1000_ms": "bulk insert, per 1,000 (ms)",
        "save_one_ms": "save one document (ms)",
    }
    for key, label in labels.items():
        with_, without = summary["with"][key], summary["without"][key]
        print(f"| {label} | {with_:.2f} | {without:.2f} | {(with_ / without - 1) * 100:+.0f}% |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
