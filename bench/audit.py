"""How many reads a second the audit chain takes when people read at once (docs/performance.md).

    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_bench .venv/bin/python bench/audit.py
    DATABASE_URL=sqlite:////work/main/var/bench-1m.sqlite3 .venv/bin/python bench/audit.py

Every read of non-public material appends one event to the single hash chain, under a lock on
the chain's head row held until the event's transaction commits (coalition/audit/services.py), so
such reads are written one at a time across the whole site. This measures what that costs: N
threads, each with its own database connection, each recording --events reads of a non-public
document through the same service the document page calls (services.record_read), for N = 1, 2, 4,
8 and 16. It reports events per second and the latency of one recording (median / p95 / max, ms),
then checks that the chain it extended has no gap. Run it on a benchmark database: the events stay
(the chain is append-only).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def run(threads: int, events: int, user: Any, document: Any) -> dict:
    from django.db import connection

    from coalition.library import services

    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)

    def worker() -> None:
        mine = []
        start.wait()
        try:
            for _ in range(events):
                began = time.perf_counter()
                services.record_read(user=user, document=document, what="viewed")
                mine.append((time.perf_counter() - began) * 1000)
        finally:
            connection.close()  # this thread's own connection
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - began
    return {
        "threads": threads,
        "events": len(latencies),
        "events_per_second": round(len(latencies) / seconds, 1),
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "max_ms": round(max(latencies), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help="reads recorded by each thread")
    parser.add_argument("--threads", default="1,2,4,8,16")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    setup_django()
    from coalition.access.policy import memberships_of
    from coalition.audit.models import AuditEvent
    from coalition.library.models import Audience, Document
    from coalition.organisations.models import Membership

    document = Document.objects.exclude(audience=Audience.PUBLIC).order_by("-id").first()
    if document is None:
        sys.exit("No non-public document: run bench/generate.py first.")
    user = Membership.objects.filter(organisation_id=document.owner_id).select_related("user").first().user
    memberships_of(user)  # read once, as the request has before its view runs
    first = (AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    rows = [run(int(n), args.events, user, document) for n in args.threads.split(",")]
    seqs = list(AuditEvent.objects.filter(seq__gte=first).order_by("seq").values_list("seq", flat=True))
    gapless = seqs == list(range(first, first + len(seqs))) and len(seqs) == sum(r["events"] for r in rows)
    print(f"### {database_label()}: audit chain under concurrent reads\n")
    print("| threads | events | events/s | median ms | p95 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['threads']} | {r['events']} | {r['events_per_second']:,} | {r['median_ms']} | {r['p95_ms']} "
            f"| {r['max_ms']} |"
        )
    print(f"\nchain: {len(seqs)} events from seq {first}, {'no gap' if gapless else 'GAP OR MISSING EVENTS'}")
    if args.json:
        args.json.write_text(json.dumps({"database": database_label(), "rows": rows, "gapless": gapless}, indent=2))


if __name__ == "__main__":
    main()
