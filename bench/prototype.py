"""Compare ways of listing readable documents side by side (docs/performance.md, "Variants").

    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_bench .venv/bin/python bench/prototype.py --check
    DATABASE_URL=sqlite:////work/main/var/bench-1m.sqlite3 .venv/bin/python bench/prototype.py --check

For the people bench/library.py samples (same seed), each variant's first page of 50 (newest
first) is timed against the audience-only lower bound, interleaved run by run (lower bound, then
each variant, then again), so that other work on the machine weighs on all of them alike. Each
run starts from a fresh user object; "request" runs read the memberships first, as the MFA
middleware does before any view. --check compares result sets with `before` (they must be
identical): the full readable set for `after`, the first three pages for `union`, and for
`after` also the first pages under the library's filters (drafts, TLP:RED, ...).

- `before`: the code as it was before this change, kept here line for line: reader_for() read
  memberships, communities and grants (three queries), then the list query carried the grant ids
  as an id list and the reading rules as Q objects with correlated Subquery probes.
- `after`: coalition.access.documents.visible_documents as it is: the memberships, then one query
  whose predicate is SQL text (grants and co-drafting as `id IN (subquery)`, named audiences as
  correlated probes), see the module.
- `union`: the OR of the rules rewritten as a UNION ALL of one branch per route (grants to the
  person; the owner organisation; co-drafted and organisation-granted; published to everyone or
  to the coalition; named audiences), each `ORDER BY created DESC LIMIT 51` on its own index, and
  the page read from the union (`id IN (...) ORDER BY ... LIMIT 51`). The classic rewrite of OR
  into index-friendly branches; measured to decide whether the library page should use it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django

PAGE = 50
ORDER = ("-created_at", "-id")
VARIANTS = ("before", "after", "union")
# Library filters whose first page --check compares (filters, sort).
CHECKED_FILTERS = [
    ({"status": "draft"}, "newest"),
    ({"status": "in_review"}, "title"),
    ({"tlp": "red"}, "newest"),
    ({"tlp": "amber"}, "newest"),
    ({"tlp": "amber", "kind": "policy"}, "updated"),
    ({"tlp": "red", "status": "draft"}, "oldest"),
    ({"tlp": "clear"}, "title"),
    ({"status": "archived", "tlp": "green"}, "newest"),
]


# --- before: the previous code, kept for comparison --------------------------------------------


def before_reader(user: Any) -> tuple[list[int], set[int], dict[int, str], dict[int, str]]:
    """The previous reader_for(): memberships, communities and grants, three queries."""
    from django.db.models import IntegerField, Value

    from coalition.access.documents import LEVEL_RANK, LEVELS, PERMISSION_LEVEL, _role_allows
    from coalition.access.policy import memberships_of
    from coalition.library.models import DocumentGroupGrant, DocumentUserGrant
    from coalition.organisations.models import Community

    memberships = memberships_of(user)
    organisation_ids = [m.organisation_id for m in memberships]
    community_ids = set(
        Community.organisations.through.objects.filter(organisation_id__in=organisation_ids).values_list(
            "community_id", flat=True
        )
    )
    role_of = {m.organisation_id: m.role for m in memberships}
    rows = DocumentUserGrant.objects.filter(user_id=user.pk).values_list(
        "content_object_id", "permission__codename", Value(None, output_field=IntegerField())
    )
    if role_of:
        rows = rows.union(
            DocumentGroupGrant.objects.filter(group__organisation__in=list(role_of)).values_list(
                "content_object_id", "permission__codename", "group__organisation__id"
            ),
            all=True,
        )
    user_grants: dict[int, str] = {}
    org_grants: dict[int, str] = {}
    for document_id, codename, organisation_id in rows:
        level = PERMISSION_LEVEL.get(codename)
        if level is None:
            continue
        if organisation_id is None:
            target = user_grants
        else:
            usable = [lv for lv in LEVELS[: LEVEL_RANK[level]] if _role_allows(role_of[organisation_id], lv)]
            if not usable:
                continue
            level, target = usable[-1], org_grants
        if LEVEL_RANK[level] > LEVEL_RANK.get(target.get(document_id, ""), 0):
            target[document_id] = level
    return organisation_ids, community_ids, user_grants, org_grants


def before_visible(user: Any, queryset: Any) -> Any:
    """The previous visible_documents()."""
    from django.db.models import OuterRef, Q, Subquery

    from coalition.access.documents import OPEN_STATUSES
    from coalition.library.models import TLP, Audience, Document

    def linked(through: Any, **lookup: Any) -> Q:
        return Q(pk=Subquery(through.objects.filter(document_id=OuterRef("pk"), **lookup).values("document_id")[:1]))

    public = Q(audience=Audience.PUBLIC, status__in=OPEN_STATUSES) & ~Q(tlp=TLP.RED)
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.filter(public)
    orgs, community_ids, user_grants, org_grants = before_reader(user)
    if not orgs and not user_grants:
        return queryset.filter(public)
    granted = list(org_grants) + list(user_grants)
    own = Q(owner_id__in=orgs) | Q(
        pk__in=Document.co_drafters.through.objects.filter(organisation_id__in=orgs).values("document_id")
    )
    named = Q(audience=Audience.NAMED) & (
        linked(Document.audience_organisations.through, organisation_id__in=orgs)
        | linked(Document.audience_communities.through, community_id__in=list(community_ids))
    )
    audience = Q(audience=Audience.PUBLIC) | (Q(audience=Audience.COALITION) if orgs else Q(pk__in=[])) | named
    not_red = ~Q(tlp=TLP.RED) & (own | Q(pk__in=granted) | (Q(status__in=OPEN_STATUSES) & audience))
    red = Q(tlp=TLP.RED, pk__in=list(user_grants))
    return queryset.filter(not_red | red)


# --- union: one branch per route ----------------------------------------------------------------


def union_visible(user: Any, queryset: Any, *, rows: int) -> Any:
    """The first `rows` readable documents of the ordered `queryset`, read from a UNION ALL of
    the routes, each cut to its own first `rows` (the same cut as first_visible_documents())."""
    from django.db.models import OuterRef, Q, Subquery
    from django.db.models.expressions import RawSQL

    from coalition.access.documents import OPEN_STATUSES, _Sql
    from coalition.access.policy import memberships_of
    from coalition.library.models import TLP, Audience, Document
    from coalition.organisations.models import Community

    if user is None or not user.is_authenticated or not user.is_active:
        from coalition.access.documents import visible_documents

        return visible_documents(user, queryset)
    memberships = memberships_of(user)
    orgs = sorted(m.organisation_id for m in memberships)
    groups = sorted(m.grant_group_id for m in memberships if m.grant_group_id is not None)
    q = _Sql()
    routes = [queryset.filter(pk__in=RawSQL(q.granted_to_person(user.pk), q.params))]  # noqa: S611 - see _Sql
    out = queryset.exclude(tlp=TLP.RED).filter(status__in=OPEN_STATUSES)
    if orgs:
        q = _Sql()
        linked_ids = RawSQL(q.linked_to_organisations(orgs, groups), q.params)  # noqa: S611 - see _Sql
        not_red = queryset.exclude(tlp=TLP.RED)
        communities = Community.organisations.through.objects.filter(organisation_id__in=orgs).values("community_id")

        def probe(through: Any, **lookup: Any) -> Q:
            rows_ = through.objects.filter(document_id=OuterRef("pk"), **lookup).values("document_id")[:1]
            return Q(pk=Subquery(rows_))

        routes += [
            not_red.filter(owner_id__in=orgs),
            not_red.filter(pk__in=linked_ids),
            out.filter(audience__in=[Audience.PUBLIC, Audience.COALITION]),
            out.filter(audience=Audience.NAMED).filter(
                probe(Document.audience_organisations.through, organisation_id__in=orgs)
                | probe(Document.audience_communities.through, community_id__in=communities)
            ),
        ]
    else:
        routes.append(out.filter(audience=Audience.PUBLIC))
    firsts = [Document.objects.filter(pk__in=route.values("pk")[:rows]).values("pk") for route in routes]
    return queryset.filter(pk__in=firsts[0].union(*firsts[1:], all=True))


# --- measuring -------------------------------------------------------------------------------------


def page_fn(user: Any, variant: str, *, request: bool) -> Callable[[], int]:
    """A first page from a fresh user object; with `request`, its memberships read beforehand,
    outside the timing (bench/library.py's Pool), as the MFA middleware does before any view."""
    import library as bench

    from coalition.access.documents import visible_documents
    from coalition.library.models import Document

    users = bench.Pool(user, memberships=request)

    def run() -> int:
        person = next(users)
        ordered = Document.objects.order_by(*ORDER)
        if variant == "before":
            queryset = before_visible(person, ordered)
        elif variant == "after":
            queryset = visible_documents(person, ordered)
        else:
            queryset = union_visible(person, ordered, rows=PAGE)
        return len(list(queryset[:PAGE]))

    run.pool = users  # type: ignore[attr-defined]
    return run


def check(user: Any) -> dict[str, bool]:
    """Result sets of `after` and `union` against `before`."""
    import library as bench

    from coalition.access.documents import first_visible_documents, visible_documents
    from coalition.library.models import Document
    from coalition.library.selectors import SORTS

    everything = Document.objects.all()
    reference = set(before_visible(bench.fresh(user), everything).values_list("pk", flat=True))
    after = set(visible_documents(bench.fresh(user), everything).values_list("pk", flat=True))
    ordered = Document.objects.order_by(*ORDER)
    union_same = True
    for page in (1, 2, 3):
        start, stop = (page - 1) * PAGE, page * PAGE + 1
        expected = list(before_visible(bench.fresh(user), ordered).values_list("pk", flat=True)[start:stop])
        got = list(union_visible(bench.fresh(user), ordered, rows=stop).values_list("pk", flat=True)[start:stop])
        union_same = union_same and got == expected
    filters_same = True
    for filters, sort in CHECKED_FILTERS:
        filtered = Document.objects.filter(**filters).order_by(*SORTS[sort])
        expected = list(before_visible(bench.fresh(user), filtered).values_list("pk", flat=True)[: PAGE + 1])
        got = list(
            first_visible_documents(
                bench.fresh(user), filtered, rows=PAGE + 1, tlp=filters.get("tlp", ""), status=filters.get("status", "")
            ).values_list("pk", flat=True)[: PAGE + 1]
        )
        filters_same = filters_same and got == expected
    return {"after": after == reference, "union": union_same, "filtered_pages": filters_same, "size": len(reference)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7, help="the same seed as bench/library.py samples the same people")
    parser.add_argument("--check", action="store_true", help="also compare result sets with `before`")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    setup_django()
    import library as bench

    from coalition.library.models import Document

    users = bench.sample_users(random.Random(args.seed))
    results: dict[str, Any] = {"database": database_label(), "load_before": bench.load_average(), "users": {}}
    print(f"{results['database']}: {Document.objects.count():,} documents", flush=True)
    started = time.perf_counter()
    for name, user in users:
        fns: dict[str, Callable[[], Any]] = {"lower bound": bench.lower_bound_page()}
        for variant in VARIANTS:
            fns[f"{variant} cold"] = page_fn(user, variant, request=False)
            fns[f"{variant} request"] = page_fn(user, variant, request=True)
        row: dict[str, Any] = bench.interleaved(fns, iterations=args.iterations, warmup=args.warmup)
        if args.check:
            row["same"] = check(user)
        results["users"][name] = row
        print(f"{name}: {json.dumps(row)}", flush=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_after"] = bench.load_average()
    print(render(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")


def render(results: dict) -> str:
    columns = [f"{variant} {mode}" for variant in VARIANTS for mode in ("cold", "request")]
    lines = [
        f"### Variants on {results['database']}: first page, median ms (x the lower bound of the same runs); "
        f"load {results['load_before']} -> {results['load_after']}",
        "",
        "| who | lower bound | " + " | ".join(columns) + " | same results |",
        "| --- | --- |" + " --- |" * len(columns) + " --- |",
    ]
    for name, row in results["users"].items():
        bound = row["lower bound"]["median_ms"]
        cells = [f"{row[c]['median_ms']:.1f} ({row[c]['median_ms'] / bound:.1f}x)" for c in columns]
        same = row.get("same")
        verdict = "n/a" if same is None else ("yes" if all(v for k, v in same.items() if k != "size") else f"NO {same}")
        lines.append(f"| {name} | {bound:.1f} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
