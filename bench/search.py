"""Search benchmark (docs/performance.md, "Search"): bodies for a generated library, the index
build, then the first results page for sampled people next to the same search without the
permission filter.

    # a library first (bench/generate.py), then:
    DATABASE_URL=... .venv/bin/python bench/search.py bodies      # revisions with pseudo-text, then the index
    DATABASE_URL=... .venv/bin/python bench/search.py measure     # the timings, as JSON and a table

Bodies: pseudo-text from a Zipf-like vocabulary of 30,000 made-up words (rank r drawn with weight
1/r), 10% of documents in French (a vocabulary of its own, accented); lengths log-normal, median
about 250 words, a long tail to a few thousand. Planted words give known selectivity: `hotline`
in about 25% of documents (the common word), `quokka` and `lantern` in about 1% each, together in
about 0.1% (the selective pair), and the phrase "duty officer" in about 2%. Comments: 5% of
documents get one to five comments of 20 to 80 words on their revision, 1% of them with `quokka`.

Lower bound: the same search (match, ranking, count, snippets) over entries of public and
coalition-wide published documents only, a filter on the document's own columns with no per-person
part, for the same query in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django

QUERIES = {
    "selective pair": "quokka lantern",
    "common word (~25%)": "hotline",
    "phrase": '"duty officer"',
    "prefix as typed": "lant",
    "misspelt (did you mean)": "quokak lantern",
}
# What people meet beside the five (`--more`): the common word sorted by newest change, and
# the suggestions under the box (titles only, `backends.suggest`) for a rare and a common prefix.
MORE = {
    "common word, newest first": "hotline",
    "suggestions, rare prefix": "lant",
    "suggestions, common prefix": "hotl",
}
START = datetime(2026, 1, 1, tzinfo=UTC)  # when the generated published revisions went out
SYLLABLES = ["ka", "lo", "mi", "ren", "sa", "to", "vel", "dor", "an", "bri", "cu", "fe", "gi", "hu", "ja", "ne", "po"]
FRENCH = ["é", "è", "à", "ç", "ou", "eau", "ie", "on", "ain", "re", "le", "de", "mé", "té", "ui", "ê"]


def vocabulary(rng: random.Random, parts: list[str], size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(parts) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def text(rng: random.Random, words: list[str], cumulative: list[float]) -> str:
    length = min(6000, max(30, int(rng.lognormvariate(math.log(250), 0.7))))
    body = rng.choices(words, cum_weights=cumulative, k=length)
    roll = rng.random()
    if roll < 0.25:
        body[rng.randrange(length)] = "hotline"
    if rng.random() < 0.01:
        body[rng.randrange(length)] = "quokka"
    if rng.random() < 0.01 or (roll < 0.001):
        body[rng.randrange(length)] = "lantern"
    if roll < 0.001:
        body[rng.randrange(length)] = "quokka"
    if rng.random() < 0.02:
        at = rng.randrange(length - 1)
        body[at : at + 2] = ["duty", "officer"]
    paragraphs = [" ".join(body[i : i + 80]) for i in range(0, length, 80)]
    return "\n\n".join(paragraphs)


def bodies(seed: int) -> None:
    from django.db import connection, transaction

    from coalition.accounts.models import User
    from coalition.drafting.models import Comment
    from coalition.library.models import Document, Revision
    from coalition.search import index

    rng = random.Random(seed)
    english = vocabulary(rng, SYLLABLES, 30_000)
    french = vocabulary(rng, FRENCH + SYLLABLES, 8_000)
    cum_en = list(itertools_accumulate([1 / (r + 1) for r in range(len(english))]))
    cum_fr = list(itertools_accumulate([1 / (r + 1) for r in range(len(french))]))
    ids = list(Document.objects.order_by("pk").values_list("pk", "status"))
    owners = dict(Document.objects.values_list("pk", "owner_id"))
    authors = list(User.objects.order_by("pk").values_list("pk", flat=True)[:500])
    began = time.perf_counter()
    total_chars = total_comments = 0
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        with transaction.atomic():
            Comment.objects.filter(document_id__in=[pk for pk, _ in chunk]).delete()
            Revision.objects.filter(document_id__in=[pk for pk, _ in chunk]).delete()
            french_ids = {pk for pk, _ in chunk if rng.random() < 0.10}
            revisions = []
            for pk, status in chunk:
                body = text(rng, french, cum_fr) if pk in french_ids else text(rng, english, cum_en)
                total_chars += len(body)
                html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
                # A published (or archived) document's revision went out to its audience.
                published_at = START if status in ("published", "archived") else None
                revisions.append(Revision(document_id=pk, number=1, body=body, html=html, published_at=published_at))
            created = Revision.objects.bulk_create(revisions)
            by_doc = {r.document_id: r.pk for r in created}
            comments = []
            for pk, _status in chunk:
                if rng.random() < 0.05:
                    for _ in range(rng.randint(1, 5)):
                        words = rng.choices(english, cum_weights=cum_en, k=rng.randint(20, 80))
                        if rng.random() < 0.01:
                            words[0] = "quokka"
                        said = " ".join(words)
                        comments.append(
                            Comment(
                                document_id=pk,
                                revision_id=by_doc[pk],
                                author_id=rng.choice(authors),
                                organisation_id=owners[pk],
                                body=said,
                                html=f"<p>{said}</p>",
                            )
                        )
            Comment.objects.bulk_create(comments)
            total_comments += len(comments)
            with connection.cursor() as cursor:
                for pk, status in chunk:
                    published = status in ("published", "archived")
                    cursor.execute(
                        "UPDATE library_document SET current_revision_id = %s, published_revision_id = %s,"
                        " language = %s WHERE id = %s",
                        [by_doc[pk], by_doc[pk] if published else None, "fr" if pk in french_ids else "en", pk],
                    )
        print(f"bodies: {start + len(chunk):,} of {len(ids):,} ({time.perf_counter() - began:.0f} s)", flush=True)
    print(
        f"bodies: {total_chars / 1e6:.0f} M characters, {total_comments:,} comments"
        f" in {time.perf_counter() - began:.0f} s"
    )
    began = time.perf_counter()
    index.rebuild(
        batch=1000,
        progress=lambda done, n: print(f"index: {done:,} of {n:,}", flush=True) if done % 20000 == 0 else None,
    )
    build_s = time.perf_counter() - began
    if connection.vendor == "postgresql":
        # The bodies step rewrote every document row: fresh statistics, as autovacuum would give.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    summary = {
        "database": database_label(),
        "documents": len(ids),
        "characters": total_chars,
        "comments": total_comments,
        "index_build_s": round(build_s, 1),
        **index_size(),
    }
    print(json.dumps(summary, indent=2))
    Path("var").mkdir(exist_ok=True)
    Path(f"var/bench-search-build-{connection.vendor}-{len(ids)}.json").write_text(json.dumps(summary, indent=2))


def itertools_accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def index_size() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Its GIN indexes: one on the vector before migration 0005, one per configuration since.
            cursor.execute(
                "SELECT pg_total_relation_size('search_entry'), SUM(pg_relation_size(i.indexrelid))"
                " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
                " WHERE i.indrelid = 'search_entry'::regclass AND a.amname = 'gin'"
            )
            table, gin = cursor.fetchone()
            return {"entries_table_mb": round(table / 2**20), "gin_index_mb": round(gin / 2**20)}
        cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search_fts%'")
        fts = cursor.fetchone()[0] or 0
        cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'search_entry'")
        table = cursor.fetchone()[0] or 0
        return {"entries_table_mb": round(table / 2**20), "fts5_mb": round(fts / 2**20)}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed(fn: Any, runs: int) -> dict[str, Any]:
    fn()  # warm
    times = []
    result = None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1), "count": result}


def measure(
    seed: int,
    runs: int,
    *,
    more: bool = False,
    only_more: bool = False,
    only: str | None = None,
    public_bound: bool = False,
) -> None:
    from django.db import connection

    from coalition.library.models import Audience, Document
    from coalition.search import backends, spelling
    from coalition.search.models import Entry
    from coalition.search.query import parse

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from library import fresh, sample_users

    people = sample_users(random.Random(seed))
    open_public = Entry.objects.filter(
        document__audience__in=[Audience.PUBLIC, Audience.COALITION],
        document__status__in=["published", "archived"],
        variant__in=[Entry.Variant.ALL, Entry.Variant.PUBLISHED],
    ).exclude(document__tlp="red")
    if public_bound:
        # `--public-bound`: public material only (what a visitor reads), the bound for those who
        # read about as little: as sparse among the newest entries as what they read.
        open_public = open_public.filter(document__audience=Audience.PUBLIC)
    rows = []
    queries = {} if only_more else dict(QUERIES)
    if more or only_more:
        queries.update(MORE)
    if only:
        queries = {label: text for label, text in queries.items() if label.startswith(only)}
    for label, text in queries.items():
        query = parse(text, prefix_last=label.startswith("prefix"))
        sort = "newest" if label.endswith("newest first") else "relevance"

        def work(
            reader: Any, entries: Any, label: str = label, query: Any = query, text: str = text, sort: str = sort
        ) -> int:
            if label.startswith("suggestions"):
                return len(backends.suggest(reader, text, entries=entries))
            found = backends.search(reader, query, entries=entries, with_facets=True, sort=sort)
            if not found.hits:
                spelling.did_you_mean(reader, text)
            return found.count

        def bound(work: Any = work) -> int:
            return work(None, open_public)

        lower = timed(bound, runs)
        for role, person in people:

            def run(person: Any = person, work: Any = work) -> int:
                return work(fresh(person), None)

            figures = timed(run, runs)
            rows.append(
                {
                    "query": label,
                    "person": role,
                    **figures,
                    "lower_p50_ms": lower["p50_ms"],
                    "lower_p95_ms": lower["p95_ms"],
                    "ratio_p95": round(figures["p95_ms"] / max(lower["p95_ms"], 0.01), 2),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    summary = {
        "database": database_label(),
        "documents": Document.objects.count(),
        "entries": Entry.objects.count(),
        "runs": runs,
        "rows": rows,
    }
    Path(f"var/bench-search-{connection.vendor}-{summary['documents']}.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{summary['database']}, {summary['documents']:,} documents, {runs} runs each")
    print("| query | person | p50 ms | p95 ms | results | lower bound p95 | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        count = "1,000+" if (r["count"] or 0) >= 1000 else r["count"]
        cells = [r["query"], r["person"], r["p50_ms"], r["p95_ms"], count, r["lower_p95_ms"], f"{r['ratio_p95']}x"]
        print("| " + " | ".join(str(c) for c in cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["bodies", "measure"])
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--more", action="store_true", help="also sort by newest and the suggestions")
    parser.add_argument("--only-more", action="store_true", help="only sort by newest and the suggestions")
    parser.add_argument("--prefix-words", type=int, help="complete a word being typed to at most this many (0: never)")
    parser.add_argument("--only", help="only the queries whose label starts with this")
    parser.add_argument("--public-bound", action="store_true", help="the lower bound over public material only")
    parser.add_argument(
        "--no-public-hint", action="store_true", help="walk every entry for the visitor too (as before migration 0006)"
    )
    args = parser.parse_args()
    setup_django()
    from coalition.search import backends

    if args.prefix_words is not None:
        backends.PREFIX_WORDS = args.prefix_words
    if args.no_public_hint:
        backends._routes = lambda user, searched, entries: [backends._Route(searched)]
    if args.step == "bodies":
        bodies(args.seed)
    else:
        measure(
            args.seed,
            args.runs,
            more=args.more,
            only_more=args.only_more,
            only=args.only,
            public_bound=args.public_bound,
        )


if __name__ == "__main__":
    main()
