"""Time "who read this" (coalition.audit.selectors.reads_of) over a large audit log
(docs/performance.md, "Who read this").

    DATABASE_URL=... .venv/bin/python bench/audit_reads.py generate [--events 1000000]
    DATABASE_URL=... .venv/bin/python bench/audit_reads.py time [--runs 15]

`generate` appends read events written directly (bulk inserts, with placeholder chain hashes:
a benchmark database, never one to verify): 1,000,000 events over 20,000 documents, one of them
(the busiest) read 100,000 times by 5,000 people of 50 organisations. `time` runs the page's
statements for the busiest document and for a typical one (about 45 reads), next to the bare
aggregate (reads per person, no names, no organisations): the lower bound.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django, timed

BATCH = 10_000
BUSY = 900_001  # document ids far above the demo's, so they never meet real rows
TYPICAL = 900_002


def generate(count: int, seed: int) -> None:
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from coalition.accounts.models import User
    from coalition.audit.models import AuditEvent
    from coalition.organisations.models import Membership, Organisation

    rng = random.Random(seed)
    # The busiest document's 5,000 readers are real accounts, members of one organisation, so the
    # organisation's activity page (its admins' view) has 100,000 of their events to page through.
    organisation, _ = Organisation.objects.get_or_create(
        slug="bench-readers", defaults={"name": "Bench readers", "country": "GB"}
    )
    if not User.objects.filter(email="reader0@bench.example").exists():
        User.objects.bulk_create(User(email=f"reader{n}@bench.example", name=f"Reader {n}") for n in range(5000))
    readers = dict(User.objects.filter(email__endswith="@bench.example").values_list("email", "pk"))
    Membership.objects.bulk_create(
        [Membership(user_id=pk, organisation=organisation, role="reader") for pk in readers.values()],
        ignore_conflicts=True,
    )
    # Members since before the events (the admins' view shows what members did since they joined).
    Membership.objects.filter(organisation=organisation).update(created_at=timezone.now() - timedelta(days=3650))
    reader_ids = [readers[f"reader{n}@bench.example"] for n in range(5000)]
    start = (AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0) + 1
    now = timezone.now()
    actions = ["document.viewed"] * 8 + ["document.revision_viewed", "document.attachment_downloaded"]
    began = time.perf_counter()
    for offset in range(0, count, BATCH):
        rows = []
        for i in range(offset, min(offset + BATCH, count)):
            busy = i % 10 == 0
            person = rng.randrange(5000) if busy else rng.randrange(200_000)
            rows.append(
                AuditEvent(
                    seq=start + i,
                    leaf_format=1,  # numbered and placeholder-chained: the pages only read them
                    created_at=now - timedelta(seconds=count - i),
                    actor_id=reader_ids[person] if busy else 1_000_000 + person,
                    actor_label=f"person{person}@bench.example",
                    actor_org_ids=[person % 50 + 1_000_000],
                    action=rng.choice(actions),
                    target_type="library.document",
                    target_id=str(BUSY if busy else (TYPICAL if i % 21_000 == 1 else BUSY + 2 + rng.randrange(20_000))),
                    target_org_id=1,
                    prev_hash="0" * 64,
                    hash="0" * 64,
                )
            )
        with transaction.atomic():
            AuditEvent.objects.bulk_create(rows)
    print(f"{count:,} events in {time.perf_counter() - began:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def time_pages(runs: int) -> None:
    from django.db.models import Count

    from coalition.audit import selectors
    from coalition.audit.models import AuditEvent
    from coalition.audit.views import organisation_activity  # noqa: F401 - the page's module loads
    from coalition.organisations.models import Organisation

    organisation = Organisation.objects.get(slug="bench-readers")
    events = selectors.member_events(organisation, person=None, kind="", after=None, before=None)
    middle = events.values_list("id", flat=True)[50_000]
    activity = {
        "organisation activity, first page": timed(lambda: selectors.described(None, list(events[:51])), runs),
        "organisation activity, halfway (keyset)": timed(
            lambda: selectors.described(None, list(events.filter(id__lt=middle)[:51])), runs
        ),
        "organisation activity, kind=reads": timed(
            lambda: list(
                selectors.member_events(organisation, person=None, kind="reads", after=None, before=None)[:51]
            ),
            runs,
        ),
        "bare: newest 51 events of one actor": timed(
            lambda: list(
                AuditEvent.objects.filter(actor_id=events.values_list("actor_id", flat=True)[0]).order_by("-id")[:51]
            ),
            runs,
        ),
    }
    everything = selectors.coalition_events(
        person="", organisation=None, document=None, kind="", after=None, before=None
    )
    middle_all = everything.values_list("id", flat=True)[500_000]

    def oversight(**filters: Any) -> Any:
        base = {"person": "", "organisation": None, "document": None, "kind": "", "after": None, "before": None}
        return lambda: selectors.described(None, list(selectors.coalition_events(**{**base, **filters})[:51]))

    activity.update(
        {
            "oversight, first page": timed(oversight(), runs),
            "oversight, halfway (keyset)": timed(
                lambda: selectors.described(None, list(everything.filter(id__lt=middle_all)[:51])), runs
            ),
            "oversight, kind=taken_out": timed(oversight(kind="taken_out"), runs),
            "oversight, one organisation's material": timed(oversight(organisation=1), runs),
            "oversight, one document": timed(oversight(document=TYPICAL), runs),
            "oversight, one person": timed(oversight(person="reader7@bench.example"), runs),
        }
    )
    rows = []
    for name, document in (("busiest document", BUSY), ("typical document", TYPICAL)):
        reads = selectors.reads_of(document)
        bare = (
            AuditEvent.objects.filter(target_type="library.document", target_id=str(document))
            .values("actor_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows.append(
            {
                "document": name,
                "reads": reads.reads,
                "people": f"{reads.reader_count}{'+' if reads.reader_count_capped else ''}",
                "page (all statements)": timed(lambda d=document: selectors.reads_of(d), runs),
                "page 20": timed(lambda d=document: selectors.reads_of(d, page=20), runs),
                "bare aggregate": timed(lambda q=bare: list(q.all()), runs),
            }
        )
    print(
        json.dumps(
            {"database": database_label(), "events": AuditEvent.objects.count(), "rows": rows, "activity": activity},
            indent=2,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["generate", "time"])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    setup_django()
    if args.command == "generate":
        generate(args.events, args.seed)
    else:
        time_pages(args.runs)


if __name__ == "__main__":
    main()
