"""Compare page against the document page for long texts (issue 9, defect 1; docs/performance.md).

    .venv/bin/python bench/compare.py                      # a throwaway SQLite file under var/
    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_bench_compare .venv/bin/python bench/compare.py

For documents of 1,000, 10,000 and 50,000 words whose second revision changes one word in 40, it
times (server side, through Django's test client: middleware, access, audit and rendering
included) the document page and the compare page of the two revisions, each --runs times, and
reports median and p95 and their ratio. Then two unrelated 500,000-character bodies (the largest a
revision may hold): the compare page must answer within the time budget, line by line.
The database is migrated if needed; the rows it makes are left behind (use a scratch database).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent}/var/bench-compare.sqlite3")
from _setup import database_label, setup_django


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def text(words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"term{i}" for i in range(3000)] + ["the", "of", "and", "to", "report", "safety"] * 50
    return [rng.choice(vocabulary) for _ in range(words)]


def paragraphs(words: list[str]) -> str:
    return "\n\n".join(" ".join(words[i : i + 80]) + "." for i in range(0, len(words), 80)) + "\n"


def timed(client: object, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.test import Client

    from coalition.accounts.models import User
    from coalition.drafting.services import publication as workflow
    from coalition.library import services as library
    from coalition.organisations.models import Membership, Organisation, Role

    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    organisation = Organisation.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}", kind="member")
    editor = User.objects.create_user(f"editor-{stamp}@bench.example", "x" * 16)
    Membership.objects.create(user=editor, organisation=organisation, role=Role.EDITOR)
    client = Client(SERVER_NAME="localhost")
    client.force_login(editor)
    print(f"Database: {database_label()}; {args.runs} runs each; load {os.getloadavg()[0]:.2f}")
    print("| words | document page median / p95 (ms) | compare page median / p95 (ms) | compare ÷ document | by line |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for words in (1_000, 10_000, 50_000):
        old = text(words, seed=words)
        new = [f"changed{i}" if i % 40 == 7 else w for i, w in enumerate(old)]
        document = library.create_document(
            acting_user=editor, owner=organisation, title=f"{words} words", body=paragraphs(old)
        )
        workflow.save_revision(acting_user=editor, document=document, body=paragraphs(new), base_number=1)
        detail = timed(client, f"/library/{document.pk}/", args.runs)
        compare_url = f"/library/{document.pk}/compare/?from=1&to=2"
        page = client.get(compare_url).content.decode()
        compare = timed(client, compare_url, args.runs)
        by_line = "shown line by line" in page
        print(
            f"| {words:,} | {statistics.median(detail):.1f} / {percentile(detail, 0.95):.1f}"
            f" | {statistics.median(compare):.1f} / {percentile(compare, 0.95):.1f}"
            f" | {statistics.median(compare) / statistics.median(detail):.2f}x | {'yes' if by_line else 'no'} |"
        )
    first = paragraphs(text(90_000, seed=1))[:500_000]
    second = paragraphs(text(90_000, seed=2))[:500_000]
    document = library.create_document(acting_user=editor, owner=organisation, title="Unrelated", body=first)
    workflow.save_revision(acting_user=editor, document=document, body=second, base_number=1)
    url = f"/library/{document.pk}/compare/?from=1&to=2"
    page = client.get(url).content.decode()
    unrelated = timed(client, url, max(3, args.runs // 3))
    print(
        f"\nTwo unrelated {len(first):,}- and {len(second):,}-character bodies: compare page median"
        f" {statistics.median(unrelated):.0f} ms, max {max(unrelated):.0f} ms"
        f" ({'line by line' if 'shown line by line' in page else 'word by word'})."
    )


if __name__ == "__main__":
    main()
