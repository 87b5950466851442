"""Search over principles, implementation records and mileposts at scale (docs/performance.md,
"Search: principles, records and mileposts").

    DATABASE_URL=... .venv/bin/python bench/principles.py generate      # 125,000 records first
    DATABASE_URL=... .venv/bin/python bench/search_principles.py generate [--mileposts 20000]
    DATABASE_URL=... .venv/bin/python bench/search_principles.py time [--runs 30]

`generate` gives every benchmark record an evidence text of pseudo-words (a common word in every
record, a rarer one in about 1 in 100, a rare one in about 1 in 10,000), adds --mileposts mileposts
with the records' sharing mix, and rebuilds the index of principles, records and mileposts (timed).

`time` measures coalition.search.reporting.search() (the sections of the results page: a capped
count and the first hits per kind, then the passages) and the principle suggestions, for a member's
editor, a secretariat editor and an anonymous visitor: median and p95 in ms, and the queries.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django, timed

SLUG = "bench-framework"
WORDS = [f"{a}{b}" for a in ("lum", "ver", "tal", "qor", "mib", "sen") for b in ("ara", "ito", "ence", "ulo", "ex")]


def generate(milepost_count: int, seed: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from coalition.organisations.models import Organisation
    from coalition.principles.models import ImplementationRecord, Milepost
    from coalition.search import reporting_index

    rng = random.Random(seed)
    ids = list(ImplementationRecord.objects.filter(principle__framework__slug=SLUG).values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        rows = []
        for pk in ids:
            words = ["benchcommon", *rng.sample(WORDS, 12)]
            if rng.random() < 0.01:
                words.append("benchrarer")
            if rng.random() < 0.0001:
                words.append("benchrarest")
            text = " ".join(words)
            rows.append((text, f"<p>{text}</p>", pk))
        cursor.executemany(
            "UPDATE principles_implementationrecord SET evidence = %s, evidence_html = %s WHERE id = %s", rows
        )
    organisations = list(Organisation.objects.filter(slug__startswith="bench-org-"))
    sharing = [("organisation", "amber_strict")] * 8 + [("coalition", "green")] * 5 + [("public", "clear")] * 4
    today = timezone.localdate()
    mileposts = []
    for n in range(milepost_count):
        audience, tlp = rng.choice(sharing)
        mileposts.append(
            Milepost(
                organisation=rng.choice(organisations),
                category=rng.choice(["detection", "prevention", "reporting", "support"]),
                date=today.replace(day=1, month=1 + n % 12) if today.month >= 1 + n % 12 else today,
                text=" ".join(["benchmilepost", *rng.sample(WORDS, 8)]),
                audience=audience,
                tlp=tlp,
            )
        )
    Milepost.objects.bulk_create(mileposts, batch_size=5000)
    began = time.perf_counter()
    done = reporting_index.rebuild(batch=2000)
    took = time.perf_counter() - began
    if connection.vendor == "postgresql":
        # VACUUM too: it empties the GIN indexes' pending lists the bulk load left.
        with connection.cursor() as cursor:
            for table in ("search_principle_entry", "search_record_entry", "search_milepost_entry"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    print(json.dumps({"database": database_label(), "indexed": done, "rebuild_s": round(took, 1)}))


def time_search(runs: int) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coalition.accounts.models import User
    from coalition.search import reporting
    from coalition.search.query import parse

    people = {
        "member editor": User.objects.get(email="member@bench.example"),
        "secretariat editor": User.objects.get(email="secretariat@bench.example"),
        "visitor": AnonymousUser(),
    }
    searches = [
        "benchcommon",
        "benchrarer",
        "benchrarest",
        "benchcommon in:records",
        "benchmilepost",
        "lumara verito",
        "grooming",
        "in:records owner:bench-org-0001",
    ]
    out: dict[str, object] = {"database": database_label()}
    for label, user in people.items():
        for text in searches:
            query = parse(text)
            with CaptureQueriesContext(connection) as captured:
                sections = reporting.search(user, query)
            counts = {s.kind: f"{s.count}{'+' if s.count_capped else ''}" for s in sections}
            out[f"{label} · {text}"] = {
                **timed(lambda q=query, u=user: reporting.search(u, q), runs),
                "queries": len(captured.captured_queries),
                "found": counts,
            }
        out[f"{label} · suggest B1"] = timed(lambda u=user: reporting.suggest(u, "B1"), runs)
    print(json.dumps(out, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "time"])
    parser.add_argument("--mileposts", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    if args.command == "generate":
        generate(args.mileposts, args.seed)
    else:
        time_search(args.runs)


if __name__ == "__main__":
    main()
