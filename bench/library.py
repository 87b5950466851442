"""Benchmark the library's access-filtered listing and document page (docs/performance.md).

    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_bench .venv/bin/python bench/library.py
    DATABASE_URL=sqlite:////work/main/var/bench-1m.sqlite3 .venv/bin/python bench/library.py

Run bench/generate.py on the database first. For sampled users of each role (reader, contributor,
editor, admin), the person with the most grants, a person with no organisation and an anonymous
visitor, it measures, each for --iterations runs after --warmup runs (median and p95, in ms):

- `page`, `request` and `lower bound`, interleaved run by run so that other work on the machine
  weighs on the three alike (the ratios the 1.5x target is about come from these runs):
  - `page`: access.visible(user, Document.objects.all(), VIEW_DOCUMENT).order_by("-created_at",
    "-id")[:51], evaluated, from a fresh user object, so the memberships read is included;
  - `request`: the same from a fresh user object whose memberships were read beforehand, as in a
    request (the MFA middleware reads them before any view): the list query alone;
  - `lower bound`: Document.objects.filter(audience__in=["public", "coalition"]) with the same
    ordering and slice, the audience-only indexed query (independent of the user);
- `reader_for`: what the document page's decisions read about the person: memberships, then
  communities and grants (one query, on first use);
- `in PostgreSQL`: the server's planning + execution time of the list query (EXPLAIN ANALYZE,
  TIMING OFF);
- `filtered` pages as the library page reads them (first_visible_documents, the label and status
  passed on): kind=policy&tlp=amber (also for the lower bound), tlp=amber, status=draft, tlp=red,
  and the first page sorted by title and by last update;
- `visible count`: visible(...).count() (--count-iterations runs; no page counts);
- `guardian page` / `guardian filtered` / `guardian count`: guardian's get_objects_for_user(user,
  "library.view_document", Document, accept_global_perms=False, with_superuser=False) over the
  same data. It answers a smaller question, grants only, not audiences. Organisation grants reach
  guardian through group membership, which the portal does not use, so for these lines only the
  sampled person is put in their organisations' grant groups (inside a transaction that is rolled
  back);
- `guardian, same question`: the portal's reading rules with guardian answering their grant part
  (get_objects_for_user as a subquery, the person's own grants alone for TLP:RED), the rest
  written with Q objects: the same rows as the portal's page (--count-iterations runs: it takes
  seconds for some people);
- `document page`: GET /library/<id>/ through Django's test Client, over up to 10 documents the
  person may read (--page-iterations runs, 100 by default: its p95 is a target).

Query counts come from CaptureQueriesContext on one extra run. --explain prints PostgreSQL's
EXPLAIN (ANALYZE, BUFFERS) (SQLite: EXPLAIN QUERY PLAN) of the list queries for two users, and
--json writes everything to a file (docs/performance.md is written from those files).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django

PAGE = 50
ORDER = ("-created_at", "-id")
FILTER = {"kind": "policy", "tlp": "amber"}
# The library's filters and sorts measured besides FILTER: (name, filters, sort).
SPARSE = [
    ("tlp=amber", {"tlp": "amber"}, "newest"),
    ("status=draft", {"status": "draft"}, "newest"),
    ("tlp=red", {"tlp": "red"}, "newest"),
    ("sort=title", {}, "title"),
    ("sort=updated", {}, "updated"),
]
ROLES = ("reader", "contributor", "editor", "admin")
SLOW_MS = 5000.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Timer:
    def __init__(self, iterations: int, warmup: int) -> None:
        self.iterations = iterations
        self.warmup = warmup

    def __call__(self, fn: Callable[[], Any], *, iterations: int | None = None, warmup: int | None = None) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            result = fn()
        first_ms = (time.perf_counter() - started) * 1000
        # Read now: a later request through the test Client empties connection.queries.
        queries = len(captured.captured_queries)
        iterations = self.iterations if iterations is None else iterations
        warmup = self.warmup if warmup is None else warmup
        if first_ms > SLOW_MS:
            # Something that takes many seconds (guardian answering the portal's question for some
            # people) is timed twice, without warm-up: enough to show its size, and the run stays short.
            iterations, warmup = min(iterations, 2), 0
        for _ in range(warmup):
            fn()
        gc.collect()
        times = []
        for _ in range(iterations):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "min_ms": round(min(times), 2),
            "runs": len(times),
            "queries": queries,
            "result": result if isinstance(result, int) else None,
        }


# --- Who is measured ---------------------------------------------------------------------------


def sample_users(rng: random.Random) -> list[tuple[str, Any]]:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Count, Q

    from coalition.accounts.models import User
    from coalition.library.models import DocumentGroupGrant
    from coalition.organisations.models import Membership, Organisation

    single = (
        User.objects.filter(is_active=True)
        .annotate(n=Count("memberships"))
        .filter(n=1)
        .filter(
            memberships__organisation__status=Organisation.Status.ACTIVE,
            memberships__organisation__kind__in=["member", "partner", "government"],
        )
    )
    sampled: list[tuple[str, Any]] = []
    for role in ROLES:
        ids = sorted(single.filter(memberships__role=role).values_list("pk", flat=True))
        sampled.append((role, User.objects.get(pk=rng.choice(ids))))
    # The person with the most grants: the organisation holding the most grants, and among its
    # members the one with the most grants by name.
    top_group = (
        DocumentGroupGrant.objects.filter(group__organisation__status=Organisation.Status.ACTIVE)
        .values("group__organisation")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top_group:
        members = Membership.objects.filter(organisation_id=top_group["group__organisation"]).values_list(
            "user_id", flat=True
        )
        heavy = (
            User.objects.filter(pk__in=list(members), is_active=True)
            .annotate(n=Count("documentusergrant"))
            .order_by("-n", "pk")
            .first()
        )
        if heavy:
            sampled.append(("most grants", heavy))
    loner = (
        User.objects.filter(is_active=True, memberships__isnull=True)
        .annotate(n=Count("documentusergrant", filter=Q(documentusergrant__isnull=False)))
        .order_by("-n", "pk")
        .first()
    )
    if loner:
        sampled.append(("no organisation", loner))
    sampled.append(("anonymous", AnonymousUser()))
    return sampled


def fresh(user: Any) -> Any:
    """A new user object, as each request builds one: nothing cached on it from earlier runs."""
    from django.contrib.auth.models import AnonymousUser

    if isinstance(user, AnonymousUser):
        return AnonymousUser()
    return copy.copy(user)


def describe(user: Any) -> dict:
    from coalition.access.documents import reader_for

    reader = reader_for(fresh(user))
    return {
        "user_id": user.pk,
        "organisations": len(reader.memberships),
        "roles": sorted({m.role for m in reader.memberships}),
        "communities": len(reader.community_ids),
        "user_grants": len(reader.user_grants),
        "org_grants_usable": len(reader.org_grants),
    }


# --- What is measured --------------------------------------------------------------------------


def visible_page(user: Any, *, request: bool = False) -> Callable[[], int]:
    """The first page from a fresh user object; with `request`, one whose memberships were read
    beforehand (outside the timing), as the MFA middleware does before any view."""
    from coalition import access
    from coalition.library.models import Document

    users = Pool(user, memberships=request)

    def run() -> int:
        queryset = access.visible(next(users), Document.objects.all(), access.Action.VIEW_DOCUMENT)
        return len(list(queryset.order_by(*ORDER)[:PAGE]))

    run.pool = users  # type: ignore[attr-defined]
    return run


class Pool:
    """Fresh user objects, one per run, made (and, if asked, given their memberships) by
    prefill(), which interleaved() calls outside the timed calls."""

    def __init__(self, user: Any, *, memberships: bool) -> None:
        self.user = user
        self.memberships = memberships
        self.ready: list[Any] = []

    def prefill(self, n: int) -> None:
        from coalition.access.policy import memberships_of

        while len(self.ready) < n:
            one = fresh(self.user)
            if self.memberships:
                memberships_of(one)
            self.ready.append(one)

    def __next__(self) -> Any:
        self.prefill(1)
        return self.ready.pop()


def interleaved(fns: dict[str, Callable[[], Any]], *, iterations: int, warmup: int) -> dict[str, dict]:
    """Median, p95 and min per function, the functions taking turns run by run, so that other work
    on the machine weighs on all of them alike; queries counted on one extra run each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pools = [getattr(fn, "pool", None) for fn in fns.values()]
    queries: dict[str, int] = {}
    for name, fn in fns.items():
        pool = getattr(fn, "pool", None)
        if pool is not None:
            pool.prefill(1)
        with CaptureQueriesContext(connection) as captured:
            fn()
        queries[name] = len(captured.captured_queries)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for run in range(warmup + iterations):
        for pool in pools:
            if pool is not None:
                pool.prefill(1)
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            if run >= warmup:
                times[name].append((time.perf_counter() - started) * 1000)
    return {
        name: {
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "min_ms": round(min(values), 2),
            "runs": len(values),
            "queries": queries[name],
        }
        for name, values in times.items()
    }


def filtered_page(user: Any, filters: dict[str, str], sort: str) -> Callable[[], int]:
    """A first page as the library page reads it: its filters, then first_visible_documents()
    told the label and status (without select_related/prefetch, as the lower bound)."""
    from coalition.access.documents import first_visible_documents
    from coalition.library.models import Document
    from coalition.library.selectors import SORTS

    def run() -> int:
        queryset = Document.objects.filter(**filters).order_by(*SORTS[sort])
        queryset = first_visible_documents(
            fresh(user), queryset, rows=PAGE, tlp=filters.get("tlp", ""), status=filters.get("status", "")
        )
        return len(list(queryset[:PAGE]))

    return run


def server_ms(queryset: Any, runs: int = 15) -> dict | None:
    """PostgreSQL's own planning + execution time (EXPLAIN ANALYZE, TIMING OFF), median of runs:
    the database's share, without the client, the network and other processes' CPU use."""
    import re

    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.query.sql_with_params()
    totals, plannings = [], []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql, params)
            text = "\n".join(row[0] for row in cursor.fetchall())
            planning = float(re.search(r"Planning Time: ([0-9.]+)", text).group(1))
            execution = float(re.search(r"Execution Time: ([0-9.]+)", text).group(1))
            totals.append(planning + execution)
            plannings.append(planning)
    totals, plannings = totals[1:], plannings[1:]  # the first run warms the cache
    return {
        "median_ms": round(statistics.median(totals), 2),
        "p95_ms": round(percentile(totals, 0.95), 2),
        "planning_median_ms": round(statistics.median(plannings), 2),
        "queries": 1,
    }


def reader_only(user: Any) -> Callable[[], int]:
    from coalition.access.documents import reader_for

    def run() -> int:
        reader = reader_for(fresh(user))
        return len(reader.user_grants) + len(reader.org_grants)

    return run


def visible_count(user: Any) -> Callable[[], int]:
    from coalition import access
    from coalition.library.models import Document

    def run() -> int:
        return access.visible(fresh(user), Document.objects.all(), access.Action.VIEW_DOCUMENT).count()

    return run


def guardian_queryset(user: Any) -> Any:
    from guardian.shortcuts import get_objects_for_user

    from coalition.library.models import Document

    return get_objects_for_user(
        user, "library.view_document", Document, accept_global_perms=False, with_superuser=False
    )


def guardian_page(user: Any, **filters: Any) -> Callable[[], int]:
    def run() -> int:
        return len(list(guardian_queryset(fresh(user)).filter(**filters).order_by(*ORDER)[:PAGE]))

    return run


def guardian_count(user: Any) -> Callable[[], int]:
    def run() -> int:
        return guardian_queryset(fresh(user)).count()

    return run


GUARDIAN_PERMS = ["library.view_document", "library.comment_document", "library.change_document"]


def guardian_same_queryset(person: Any) -> Any:
    """The portal's reading rules (as Q objects) with guardian's get_objects_for_user answering
    their grant part: what a guardian-based listing of the same rows would run."""
    from django.db.models import OuterRef, Q, Subquery
    from guardian.shortcuts import get_objects_for_user

    from coalition.access.documents import OPEN_STATUSES
    from coalition.access.policy import memberships_of
    from coalition.library.models import TLP, Audience, Document
    from coalition.organisations.models import Community

    def probe(through: Any, **lookup: Any) -> Q:
        return Q(pk=Subquery(through.objects.filter(document_id=OuterRef("pk"), **lookup).values("document_id")[:1]))

    orgs = [m.organisation_id for m in memberships_of(person)]
    options = {"any_perm": True, "accept_global_perms": False, "with_superuser": False}
    granted = get_objects_for_user(person, GUARDIAN_PERMS, Document, **options)
    granted_by_name = get_objects_for_user(person, GUARDIAN_PERMS, Document, use_groups=False, **options)
    communities = Community.organisations.through.objects.filter(organisation_id__in=orgs).values("community_id")
    own = Q(owner_id__in=orgs) | Q(
        pk__in=Document.co_drafters.through.objects.filter(organisation_id__in=orgs).values("document_id")
    )
    named = Q(audience=Audience.NAMED) & (
        probe(Document.audience_organisations.through, organisation_id__in=orgs)
        | probe(Document.audience_communities.through, community_id__in=communities)
    )
    audience = Q(audience=Audience.PUBLIC) | (Q(audience=Audience.COALITION) if orgs else Q(pk__in=[])) | named
    not_red = ~Q(tlp=TLP.RED) & (own | Q(pk__in=granted.values("pk")) | (Q(status__in=OPEN_STATUSES) & audience))
    red = Q(tlp=TLP.RED) & Q(pk__in=granted_by_name.values("pk"))
    return Document.objects.filter(not_red | red)


def guardian_same_question(user: Any) -> Callable[[], int]:
    def run() -> int:
        return len(list(guardian_same_queryset(fresh(user)).order_by(*ORDER)[:PAGE]))

    return run


def lower_bound_queryset(**filters: Any) -> Any:
    from coalition.library.models import Document

    return Document.objects.filter(audience__in=["public", "coalition"], **filters)


def lower_bound_page(**filters: Any) -> Callable[[], int]:
    def run() -> int:
        return len(list(lower_bound_queryset(**filters).order_by(*ORDER)[:PAGE]))

    return run


def lower_bound_count() -> Callable[[], int]:
    def run() -> int:
        return lower_bound_queryset().count()

    return run


def documents_for(user: Any, rng: random.Random) -> list[int]:
    """Up to 10 documents the person may read: 5 from their first page, 5 older ones."""
    from coalition import access
    from coalition.library.models import Document

    first_page = list(
        access.visible(fresh(user), Document.objects.all(), access.Action.VIEW_DOCUMENT)
        .order_by(*ORDER)
        .values_list("pk", flat=True)[:PAGE]
    )
    older = list(
        access.visible(
            fresh(user), Document.objects.filter(current_revision__isnull=False), access.Action.VIEW_DOCUMENT
        )
        .exclude(pk__in=first_page)
        .values_list("pk", flat=True)
    )
    chosen = first_page[:5] + rng.sample(older, min(5, len(older)))
    return chosen


def document_page_url_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/library/1/")
    except Resolver404:
        return False
    return True


def client_for(user: Any) -> Any:
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    if user.is_authenticated:
        client.force_login(user)
    return client


def http_get(user: Any, paths: list[str]) -> Callable[[], int]:
    """Server time of GET requests through Django's test Client (all middleware, templates)."""
    client = client_for(user)
    # One request first: what a signed-in person's first request of the minute does more (session
    # activity, coalition.accounts.middleware) is not what the page costs after it.
    client.get(paths[0])
    cycle = iter(range(10**9))

    def run() -> int:
        path = paths[next(cycle) % len(paths)]
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} for {user}")
        return response.status_code

    return run


def document_check(user: Any, document_ids: list[int]) -> Callable[[], int]:
    """Without the page: load the document with select_related and ask access.can()."""
    from coalition import access
    from coalition.library.models import Document

    cycle = iter(range(10**9))

    def run() -> int:
        pk = document_ids[next(cycle) % len(document_ids)]
        document = Document.objects.select_related("owner", "current_revision", "created_by").get(pk=pk)
        if not access.can(fresh(user), access.Action.VIEW_DOCUMENT, document):
            raise RuntimeError(f"{user} may not read document {pk}")
        return 200

    return run


def same_rows(user: Any) -> bool:
    """Whether guardian_same_queryset() gives the portal's first page (run with grant groups)."""
    from coalition import access
    from coalition.library.models import Document

    portal = access.visible(fresh(user), Document.objects.all(), access.Action.VIEW_DOCUMENT).order_by(*ORDER)
    guardian = guardian_same_queryset(fresh(user)).order_by(*ORDER)
    return list(portal.values_list("pk", flat=True)[:PAGE]) == list(guardian.values_list("pk", flat=True)[:PAGE])


class Rollback(Exception):
    """Raised to leave a transaction.atomic() block by rolling it back."""


def with_grant_groups(user: Any, fn: Callable[[], dict]) -> dict:
    """Run fn with the person in their organisations' grant groups (for guardian), then undo."""
    from django.db import transaction

    from coalition.organisations.models import Organisation

    result: dict = {}
    try:
        with transaction.atomic():
            groups = Organisation.objects.filter(memberships__user=user, grant_group__isnull=False).values_list(
                "grant_group_id", flat=True
            )
            user.groups.add(*groups)
            result = fn()
            raise Rollback
    except Rollback:
        pass
    return result


def with_mfa(user: Any, fn: Callable[[], dict]) -> dict:
    """Run fn with a (dummy) second factor for people who must have one, so the MFA hold lets
    them through; removed afterwards. Not a rolled-back transaction: the pages commit their
    audit events as in production, and those stay in the benchmark database."""
    from allauth.mfa.models import Authenticator

    from coalition import access

    factor = None
    if user.is_authenticated and access.requires_mfa(fresh(user)):
        factor = Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "bench"})
    try:
        return fn()
    finally:
        if factor is not None:
            factor.delete()


def explain(queryset: Any) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True, buffers=True)
    return queryset.explain()


def load_average() -> str:
    """Other work on the machine shows in the timings; say how busy it was."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def sql_of(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    return f"{sql}\n-- params: {list(params)}"


# --- Running -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument(
        "--page-iterations",
        type=int,
        default=100,
        help="runs of the document page GET (its p95 is a target: 30 runs make p95 the second-worst run)",
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--count-iterations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print query plans for the list queries")
    parser.add_argument("--json", type=Path, help="write all results to this file")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from coalition import access
    from coalition.access.documents import level_permission_ids
    from coalition.library.models import Document

    # Read once per process in production too: not part of any page's query count.
    level_permission_ids()
    rng = random.Random(args.seed)
    timer = Timer(args.iterations, args.warmup)
    counted = Timer(args.count_iterations, 1)
    label = database_label()
    total_documents = Document.objects.count()
    through_client = document_page_url_exists()
    print(f"{label}: {total_documents:,} documents", flush=True)
    print(
        "document page: "
        + (
            "GET /library/<id>/ through the test Client"
            if through_client
            else "no /library/<id>/ URL yet: access.can(VIEW_DOCUMENT) + select_related load"
        ),
        flush=True,
    )
    started = time.perf_counter()
    results: dict[str, Any] = {
        "load_before": load_average(),
        "database": label,
        "vendor": connection.vendor,
        "documents": total_documents,
        "iterations": args.iterations,
        "count_iterations": args.count_iterations,
        "document_page_mode": "client" if through_client else "can+select_related",
        "lower_bound": {
            "filtered": timer(lower_bound_page(**FILTER)),
            "count": counted(lower_bound_count()),
            "server": server_ms(lower_bound_queryset().order_by(*ORDER)[:PAGE]),
        },
        "users": {},
        "plans": {},
    }
    print(f"lower bound: {json.dumps(results['lower_bound'])}", flush=True)
    for name, user in sample_users(rng):
        row: dict[str, Any] = {"who": describe(user) if user.is_authenticated else {"user_id": None}}
        row["reader_for"] = timer(reader_only(user))
        same_runs = interleaved(
            {
                "lower bound": lower_bound_page(),
                "page": visible_page(user),
                "request": visible_page(user, request=True),
            },
            iterations=args.iterations,
            warmup=args.warmup,
        )
        row["lower_bound_page"] = same_runs["lower bound"]
        row["visible_page"] = same_runs["page"]
        row["visible_request"] = same_runs["request"]
        row["visible_server"] = server_ms(
            access.visible(fresh(user), Document.objects.all(), access.Action.VIEW_DOCUMENT).order_by(*ORDER)[:PAGE]
        )
        row["visible_filtered"] = timer(filtered_page(user, FILTER, "newest"))
        if user.is_authenticated:
            row["sparse"] = {label: timer(filtered_page(user, filters, sort)) for label, filters, sort in SPARSE}
        row["visible_count"] = counted(visible_count(user))
        if user.is_authenticated:

            def guardian_runs(user: Any = user) -> dict:
                return {
                    "guardian_page": timer(guardian_page(user)),
                    "guardian_filtered": timer(guardian_page(user, **FILTER)),
                    "guardian_count": counted(guardian_count(user)),
                    "guardian_same": counted(guardian_same_question(user)),
                    "guardian_same_rows": same_rows(user),
                }

            row.update(with_grant_groups(user, guardian_runs))
        documents = documents_for(user, rng)
        row["document_ids"] = documents
        if documents:
            row["document_check"] = timer(document_check(user, documents))
        if through_client:

            def pages(user: Any = user, documents: list[int] = documents) -> dict:
                measured = {}
                if documents:
                    measured["document_page"] = timer(
                        http_get(user, [f"/library/{pk}/" for pk in documents]), iterations=args.page_iterations
                    )
                if user.is_authenticated:  # the list is for signed-in people only
                    measured["library_http"] = timer(http_get(user, ["/library/"]))
                    query = "&".join(f"{key}={value}" for key, value in FILTER.items())
                    measured["library_http_filtered"] = timer(http_get(user, [f"/library/?{query}"]))
                return measured

            row.update(with_mfa(user, pages))
        results["users"][name] = row
        print(f"{name}: {json.dumps(row)}", flush=True)
        if args.explain and name in ("reader", "most grants"):
            page = access.visible(fresh(user), Document.objects.all(), access.Action.VIEW_DOCUMENT).order_by(*ORDER)[
                :PAGE
            ]
            count = access.visible(fresh(user), Document.objects.all(), access.Action.VIEW_DOCUMENT)
            results["plans"][name] = {
                "sql": sql_of(page),
                "page": explain(page),
                "filtered": explain(
                    access.visible(
                        fresh(user), Document.objects.filter(**FILTER), access.Action.VIEW_DOCUMENT
                    ).order_by(*ORDER)[:PAGE]
                ),
                "count": explain(count.values("pk").order_by()),
            }
            print(f"\n--- plan of the {name} page ---\n{results['plans'][name]['page']}\n", flush=True)
    if args.explain:
        results["plans"]["lower bound"] = {"page": explain(lower_bound_queryset().order_by(*ORDER)[:PAGE])}
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_after"] = load_average()
    print(render(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")


def cell(entry: dict | None) -> str:
    if not entry:
        return "n/a"
    return f"{entry['median_ms']:.1f} / {entry['p95_ms']:.1f} ({entry['queries']})"


def ratio(value: dict | None, bound: dict | None) -> str:
    if not value or not bound:
        return "n/a"
    return f"{value['median_ms'] / bound['median_ms']:.1f}x"


def render(results: dict) -> str:
    """The results as Markdown tables, with the ratios the targets are about."""
    bound = results["lower_bound"]
    lines = [
        f"### {results['database']}: {results['documents']:,} documents",
        "",
        f"median / p95 ms over {results['iterations']} runs (counts: {results['count_iterations']} runs), "
        f"queries in brackets; load average {results.get('load_before')} before, {results.get('load_after')} after",
        "",
        "The first page; `page`, `request` and `lower bound` come from the same interleaved runs.",
        "",
        "| who | reader_for | page | request | lower bound | page / lower bound | request / lower bound "
        "| in PostgreSQL | visible count |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in results["users"].items():
        cells = [
            name,
            cell(row["reader_for"]),
            cell(row["visible_page"]),
            cell(row["visible_request"]),
            cell(row["lower_bound_page"]),
            ratio(row["visible_page"], row["lower_bound_page"]),
            ratio(row["visible_request"], row["lower_bound_page"]),
            cell(row.get("visible_server")),
            cell(row["visible_count"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(f"| lower bound | | | | | | | {cell(bound.get('server'))} | {cell(bound['count'])} |")
    sparse = [label for label, _, _ in SPARSE]
    lines += [
        "",
        "Filtered and sorted first pages, as the library page reads them.",
        "",
        "| who | kind=policy&tlp=amber | " + " | ".join(sparse) + " |",
        "| --- | --- |" + " --- |" * len(sparse),
    ]
    for name, row in results["users"].items():
        cells = [name, cell(row["visible_filtered"])] + [cell(row.get("sparse", {}).get(label)) for label in sparse]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(f"| lower bound | {cell(bound['filtered'])} |" + " |" * len(sparse))
    lines += [
        "",
        "Guardian: its own question (grants only), and the portal's question with guardian answering the grant part.",
        "",
        "| who | guardian page | guardian filtered | guardian count | guardian page / portal page "
        "| guardian, same question | same question / portal page | same rows |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in results["users"].items():
        if "guardian_page" not in row:
            continue
        cells = [
            name,
            cell(row["guardian_page"]),
            cell(row["guardian_filtered"]),
            cell(row["guardian_count"]),
            ratio(row["guardian_page"], row["visible_page"]),
            cell(row["guardian_same"]),
            ratio(row["guardian_same"], row["visible_page"]),
            "yes" if row["guardian_same_rows"] else "NO",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| who | document: load + can() | document page GET | library page GET | library page GET, filtered |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in results["users"].items():
        cells = [
            name,
            cell(row.get("document_check")),
            cell(row.get("document_page")),
            cell(row.get("library_http")),
            cell(row.get("library_http_filtered")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
