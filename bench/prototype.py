"""Measure variants of coalition.access.documents.visible_documents side by side (docs/performance.md).

    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_bench .venv/bin/python bench/prototype.py
    DATABASE_URL=sqlite:////work/main/var/bench-1m.sqlite3 .venv/bin/python bench/prototype.py --check

The variants are copies of the portal's filter with one change each; the portal's code is not
touched. For the users bench/library.py samples, each variant's first page, filtered page and
count are timed (fresh user object each run, so reader_for() is included), and --check compares
every variant's full result set with the portal's (they must be identical).

- `current`: coalition.access.documents.visible_documents as it is. Its link-table filters are
  `pk IN (SELECT document_id FROM <link table> WHERE ...)` inside an OR, which cannot become a
  join: PostgreSQL runs each once and hashes the whole result ("hashed SubPlan"), SQLite builds it
  into a temporary index ("LIST SUBQUERY"). For a person in "All members" that is every document
  ever shared with that community (17,000 rows at 1M documents), built on every request although
  the page needs 50 rows.
- `exists`: the three link-table filters (co-drafting, named organisations, named communities) as
  correlated EXISTS. SQLite probes per row; PostgreSQL 15 turns EXISTS back into a hashed subplan
  when it expects many outer rows, so it gains nothing there.
- `scalar-named` (the suggestion in docs/performance.md): the two named-audience filters as
  `pk = (SELECT document_id ... WHERE document_id = outer pk AND ... LIMIT 1)`, a scalar subquery
  neither database hashes: one probe of the (document_id, ...) unique index per row the scan
  reaches. Co-drafting (one organisation's few hundred documents) stays IN.
- `scalar-all`: also co-drafting and the grants probed per row instead of the grant id list.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django

PAGE = 50
ORDER = ("-created_at", "-id")
FILTER = {"kind": "policy", "tlp": "amber"}


def visible_variant(user: Any, queryset: Any, *, variant: str) -> Any:
    """visible_documents() with the link-table (and, for scalar-all, grant) filters written as
    `variant` says; the rest of the filter is the portal's, line for line."""
    from django.db.models import Exists, OuterRef, Q, Subquery

    from coalition.access.documents import LEVEL_PERMISSION, OPEN_STATUSES, reader_for, visible_documents
    from coalition.library.models import TLP, Audience, Document, DocumentGroupGrant, DocumentUserGrant
    from coalition.organisations.models import Organisation

    if variant == "current":
        return visible_documents(user, queryset)
    reader = reader_for(user)
    public = Q(audience=Audience.PUBLIC, status__in=OPEN_STATUSES) & ~Q(tlp=TLP.RED)
    if not reader.memberships and not reader.user_grants:
        return queryset.filter(public)
    orgs = list(reader.organisation_ids)
    communities = list(reader.community_ids)
    co_drafters = Document.co_drafters.through.objects
    audience_orgs = Document.audience_organisations.through.objects
    audience_communities = Document.audience_communities.through.objects

    def subquery_in(manager: Any, **lookup: Any) -> Q:  # the portal's form
        return Q(pk__in=manager.filter(**lookup).values("document_id"))

    def exists(manager: Any, **lookup: Any) -> Q:
        return Q(Exists(manager.filter(document_id=OuterRef("pk"), **lookup)))

    def probe(manager: Any, column: str = "document_id", **lookup: Any) -> Q:
        # pk = (SELECT document_id ... WHERE document_id = outer pk AND ... LIMIT 1): a scalar
        # subquery, which neither database turns into a hash of every matching row.
        return Q(pk=Subquery(manager.filter(**{column: OuterRef("pk")}, **lookup).values(column)[:1]))

    if variant == "exists":
        link = exists
    elif variant in ("scalar-named", "scalar-all"):
        link = probe
    else:
        raise ValueError(variant)
    co_drafted = (
        subquery_in(co_drafters, organisation_id__in=orgs)
        if variant == "scalar-named"
        else link(co_drafters, organisation_id__in=orgs)
    )
    named = Q(audience=Audience.NAMED) & (
        link(audience_orgs, organisation_id__in=orgs) | link(audience_communities, community_id__in=communities)
    )
    if variant == "scalar-all":
        # Grants probed per row too, instead of an id list in the SQL text.
        codenames = list(LEVEL_PERMISSION.values())
        user_granted = probe(
            DocumentUserGrant.objects, "content_object_id", user_id=user.pk, permission__codename__in=codenames
        )
        groups = list(
            Organisation.objects.filter(pk__in=orgs, grant_group__isnull=False).values_list("grant_group_id", flat=True)
        )
        granted = user_granted | probe(
            DocumentGroupGrant.objects, "content_object_id", group_id__in=groups, permission__codename__in=codenames
        )
        red = Q(tlp=TLP.RED) & user_granted
    else:
        granted = Q(pk__in=[pk for pk in reader.org_grants] + [pk for pk in reader.user_grants])
        red = Q(tlp=TLP.RED, pk__in=list(reader.user_grants))
    own = Q(owner_id__in=orgs) | co_drafted
    audience = Q(audience=Audience.PUBLIC) | (Q(audience=Audience.COALITION) if orgs else Q(pk__in=[])) | named
    not_red = ~Q(tlp=TLP.RED) & (own | granted | (Q(status__in=OPEN_STATUSES) & audience))
    return queryset.filter(not_red | red)


VARIANTS = ("current", "exists", "scalar-named", "scalar-all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--count-iterations", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7, help="the same seed as bench/library.py samples the same people")
    parser.add_argument("--check", action="store_true", help="also compare full result sets with the portal's")
    parser.add_argument("--explain", action="store_true", help="print the first page's plan for the first user")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    setup_django()
    import library as bench
    from django.db import connection

    from coalition.library.models import Document

    timer = bench.Timer(args.iterations, args.warmup)
    counted = bench.Timer(args.count_iterations, 1)
    users = bench.sample_users(random.Random(args.seed))
    results: dict[str, Any] = {"database": database_label(), "load_before": bench.load_average(), "users": {}}
    print(f"{results['database']}: {Document.objects.count():,} documents", flush=True)
    started = time.perf_counter()
    for name, user in users:
        row: dict[str, Any] = {}
        for variant in VARIANTS:

            def page(variant: str = variant, user: Any = user, **filters: Any) -> Any:
                queryset = visible_variant(bench.fresh(user), Document.objects.all(), variant=variant)
                return queryset.filter(**filters).order_by(*ORDER)[:PAGE]

            row[variant] = {
                "page": timer(lambda page=page: len(list(page()))),
                "filtered": timer(lambda page=page: len(list(page(**FILTER)))),
                "server": bench.server_ms(page()),
                "count": counted(
                    lambda variant=variant, user=user: visible_variant(
                        bench.fresh(user), Document.objects.all(), variant=variant
                    ).count()
                ),
            }
            if args.check:
                mine = set(
                    visible_variant(bench.fresh(user), Document.objects.all(), variant=variant).values_list(
                        "pk", flat=True
                    )
                )
                if variant == "current":
                    reference = mine
                row[variant]["same_result"] = mine == reference
            if args.explain and name == "reader" and variant != "current":
                print(f"--- {variant} plan, {name} ---\n{bench.explain(page())}\n", flush=True)
                row[variant]["plan"] = bench.explain(page())
        results["users"][name] = row
        summary = {
            variant: {
                part: f"{row[variant][part]['median_ms']:.1f}/{row[variant][part]['p95_ms']:.1f}"
                for part in ("page", "filtered", "count")
            }
            | ({"server": row[variant]["server"]["median_ms"]} if row[variant]["server"] else {})
            | ({"same": row[variant]["same_result"]} if args.check else {})
            for variant in VARIANTS
        }
        print(f"{name}: {json.dumps(summary)}", flush=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_after"] = bench.load_average()
    results["vendor"] = connection.vendor
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")


def render(results: dict) -> str:
    lines = [
        f"### Variants on {results['database']} (median / p95 ms; on PostgreSQL the page's planning + execution "
        f"time in the server in brackets; load {results['load_before']} -> {results['load_after']})",
        "",
        "| who | " + " | ".join(f"{v} page | {v} filtered | {v} count" for v in VARIANTS) + " |",
        "| --- |" + " --- | --- | --- |" * len(VARIANTS),
    ]
    for name, row in results["users"].items():
        cells = []
        for variant in VARIANTS:
            for part in ("page", "filtered", "count"):
                entry = row[variant][part]
                text = f"{entry['median_ms']:.1f} / {entry['p95_ms']:.1f}"
                if part == "page" and row[variant].get("server"):
                    text += f" ({row[variant]['server']['median_ms']:.1f})"
                cells.append(text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
