"""Benchmark My work, the signed-in home (docs/performance.md, "My work").

    DATABASE_URL=... .venv/bin/python bench/mywork.py [--runs 15]

On a generated library (bench/generate.py), for the sampled people of bench/library.py (a reader,
a contributor, an editor, an admin, the person with the most grants, a person with no
organisation), it times mywork.selectors.my_work(): the nine sections, each one permission-filtered
query (reviews, ratifications and acknowledgements waiting, proposals and threads on documents the
person decides or edits, their drafts, review-by dates due, recently viewed, starred), evaluated,
from a fresh user object so the memberships read is included. Its peer, in the same run, is the
library list's first page for the same person (what the signed-in home cost a page view before).

Each figure is the median and p95 of --runs runs after a warm-up. The number of queries of one
call is printed too: it must not grow with the data (tests/mywork asserts the page's count).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    setup_django()

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from library import fresh, sample_users

    from coalition.library import selectors as library_selectors
    from coalition.library.models import Document
    from coalition.mywork import selectors

    rows = []
    for role, person in sample_users(random.Random(args.seed)):
        if isinstance(person, AnonymousUser):
            continue  # My work is for signed-in people only

        def home(person: Any = person) -> int:
            return selectors.my_work(fresh(person)).waiting

        def library_page(person: Any = person) -> int:
            return len(library_selectors.library_page(fresh(person), filters={}).documents)

        with CaptureQueriesContext(connection) as queries:
            work = selectors.my_work(fresh(person))
        row = {
            "page": "my work",
            "person": role,
            "waiting": work.waiting,
            "queries": len(queries),
            **timed(home, args.runs),
            "peer": timed(library_page, args.runs),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    summary = {"database": database_label(), "documents": Document.objects.count(), "runs": args.runs, "rows": rows}
    Path("var").mkdir(exist_ok=True)
    Path(f"var/bench-mywork-{connection.vendor}-{summary['documents']}.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{summary['database']}, {summary['documents']:,} documents, {args.runs} runs each")


if __name__ == "__main__":
    main()
