"""Generate a large, realistic library for the access benchmark (docs/performance.md).

    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_bench .venv/bin/python bench/generate.py --size full
    DATABASE_URL=sqlite:////work/main/var/bench-1m.sqlite3 .venv/bin/python bench/generate.py --size full

Sizes: `small` = 50 organisations, 2,000 users, 20,000 documents (seconds);
       `medium` = 200 organisations, 8,000 users, 200,000 documents (the search benchmark's middle size);
       `full`  = 500 organisations, 20,000 users, 1,000,000 documents (minutes).

The database must be freshly created and migrated (`manage.py migrate`): the generator refuses one
that holds documents. (There is no "reset": audit events are append-only even in a benchmark
database, and the pages the benchmark opens write some.) Organisations, users, memberships and communities go in with
bulk_create; documents and everything hanging off them with COPY on PostgreSQL and large
executemany batches on SQLite. Everything is seeded (`--seed`), so two runs give the same data.
No audit events are written, and only a few documents get a Revision (the list never reads them).

What the data looks like (the shares are of documents unless said otherwise):
- organisations: 1 secretariat, then ~55% members, 30% partners, 15% government observers; 2%
  suspended; sizes follow a long tail (a few large companies, many small NGOs); every organisation
  has its guardian grant group.
- users: 3% belong to no organisation, 6% to two; roles 50% reader, 25% contributor, 18% editor,
  7% admin, and every organisation has an admin; 2% signatories.
- communities: "All members", "All partners", "Government observers", regional groups and
  working groups of 5-60 organisations.
- documents: created over 2018-2026, more each year, ids in creation order; owners weighted by
  size; status 78% published, 8% archived, 10% draft, 4% in review; audience 39.5% organisation,
  14% named, 33% coalition, 12% public (TLP:CLEAR), 1.5% TLP:RED (audience organisation, grants
  to named people only); other labels GREEN/AMBER/AMBER+STRICT by audience.
- named audiences: 1-4 organisations and/or 1-2 communities; 6% of documents have 1-3 co-drafters.
- explicit grants (guardian direct-FK tables, view/comment/change_document): every TLP:RED
  document 1-5 people; 3% of the rest 1-3 people and 3% 1-2 organisations (through the
  organisation's grant group). Grantees follow a long tail, so some people and organisations hold
  hundreds or thousands of grants, which is the case the grant id list has to survive.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django

SIZES = {
    "small": {"organisations": 50, "users": 2_000, "documents": 20_000, "communities": 8},
    "medium": {"organisations": 200, "users": 8_000, "documents": 200_000, "communities": 16},
    "full": {"organisations": 500, "users": 20_000, "documents": 1_000_000, "communities": 24},
}
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway password for generated accounts
START = datetime(2018, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
COUNTRIES = [
    "GB",
    "US",
    "FR",
    "DE",
    "NL",
    "BE",
    "SE",
    "NO",
    "DK",
    "FI",
    "IE",
    "ES",
    "IT",
    "PT",
    "PL",
    "CZ",
    "AT",
    "CH",
    "CA",
    "AU",
    "NZ",
    "JP",
    "KR",
    "SG",
    "IN",
    "BR",
    "MX",
    "ZA",
    "KE",
    "NG",
    "PH",
    "TH",
]
REGIONS = {
    "Europe": {"GB", "FR", "DE", "NL", "BE", "SE", "NO", "DK", "FI", "IE", "ES", "IT", "PT", "PL", "CZ", "AT", "CH"},
    "Americas": {"US", "CA", "BR", "MX"},
    "Asia-Pacific": {"AU", "NZ", "JP", "KR", "SG", "IN", "PH", "TH"},
    "Africa": {"ZA", "KE", "NG"},
}
WORDS = [
    "safety",
    "design",
    "age",
    "assurance",
    "grooming",
    "detection",
    "hashing",
    "reporting",
    "transparency",
    "livestreaming",
    "moderation",
    "escalation",
    "hotline",
    "survivor",
    "support",
    "encryption",
    "metadata",
    "classifier",
    "review",
    "appeal",
    "retention",
    "evidence",
    "partnership",
    "referral",
    "prevention",
    "education",
    "policy",
    "framework",
    "principle",
    "guidance",
    "template",
    "research",
    "annual",
    "quarterly",
    "regional",
    "global",
    "youth",
    "platform",
    "marketplace",
    "gaming",
    "messaging",
    "cloud",
    "storage",
    "search",
]
KINDS = [("policy", 30), ("guidance", 22), ("research", 18), ("template", 12), ("principles", 3), ("other", 15)]
STATUSES = [("published", 78), ("archived", 8), ("draft", 10), ("in_review", 4)]
LANGUAGES = [("en", 85), ("fr", 5), ("es", 4), ("de", 3), ("pt", 3)]
ROLES = [("reader", 50), ("contributor", 25), ("editor", 18), ("admin", 7)]
GRANT_LEVELS = [("view_document", 70), ("comment_document", 20), ("change_document", 10)]
ORG_GRANT_LEVELS = [("view_document", 75), ("comment_document", 20), ("change_document", 5)]


def weighted(choices: Sequence[tuple[str, float]]) -> tuple[list[str], list[float]]:
    values = [value for value, _ in choices]
    cumulative = list(itertools.accumulate(weight for _, weight in choices))
    return values, cumulative


class Picker:
    """Fast repeated weighted choice (random.choices recomputes the cumulative weights each call)."""

    def __init__(self, rng: random.Random, values: Sequence[Any], weights: Sequence[float]) -> None:
        self.rng = rng
        self.values = list(values)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self) -> Any:
        return self.values[bisect.bisect(self.cumulative, self.rng.random() * self.total)]

    def distinct(self, count: int, exclude: Iterable[Any] = ()) -> list[Any]:
        chosen: list[Any] = []
        excluded = set(exclude)
        for _ in range(count * 20):
            if len(chosen) == count:
                break
            value = self()
            if value not in excluded:
                excluded.add(value)
                chosen.append(value)
        return chosen


# --- Writing rows ------------------------------------------------------------------------------


class Loader:
    """COPY on PostgreSQL, executemany in large batches on SQLite; always with explicit ids."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.rows_written: dict[str, int] = {}

    def check_columns(self, model: Any, columns: Sequence[str]) -> None:
        """Fail loudly if the model grew a required column this generator does not fill."""
        required = {
            field.column
            for field in model._meta.concrete_fields
            if not field.null and not field.has_db_default() and field.column not in columns
        }
        unknown = set(columns) - {field.column for field in model._meta.concrete_fields}
        if required or unknown:
            raise SystemExit(f"{model._meta.db_table}: columns changed (missing {required}, unknown {unknown})")

    def load(self, model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        self.check_columns(model, columns)
        table = model._meta.db_table
        quoted = ", ".join(self.connection.ops.quote_name(column) for column in columns)
        count = 0
        if self.vendor == "postgresql":
            with self.connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            raw = self.connection.connection
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
            iterator = iter(rows)
            while batch := [self._sqlite_row(row) for row in itertools.islice(iterator, 50_000)]:
                raw.executemany(sql, batch)
                count += len(batch)
        self.rows_written[table] = self.rows_written.get(table, 0) + count
        return count

    @staticmethod
    def _sqlite_row(row: Sequence[Any]) -> tuple[Any, ...]:
        # Django stores datetimes on SQLite as naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'.
        return tuple(
            value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(value, datetime)
            else value.isoformat()
            if isinstance(value, date)
            else value
            for value in row
        )

    def next_id(self, model: Any) -> int:
        from django.db.models import Max

        return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def reset_sequences(self, models: Sequence[Any]) -> None:
        if self.vendor != "postgresql":
            return  # SQLite's AUTOINCREMENT-less rowids continue from the largest id by themselves
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


# --- The generator -----------------------------------------------------------------------------


class Generator:
    def __init__(self, size: str, seed: int) -> None:
        self.size = size
        self.spec = SIZES[size]
        self.rng = random.Random(seed)
        self.loader = Loader()
        self.timings: dict[str, float] = {}

    def step(self, name: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.timings[name] = round(elapsed, 2)
        print(f"  {name}: {elapsed:.1f} s", flush=True)

    # Organisations, people, communities: small enough for bulk_create.

    def organisations(self) -> None:
        from django.contrib.auth.models import Group
        from django.utils.text import slugify

        from coalition.organisations.models import Organisation

        started = time.perf_counter()
        rng = self.rng
        count = self.spec["organisations"]
        kinds = Picker(rng, ["member", "partner", "government"], [55, 30, 15])
        prefixes = [
            "Blue",
            "North",
            "Open",
            "Safe",
            "Bright",
            "Clear",
            "Kind",
            "Global",
            "United",
            "Civic",
            "Harbour",
            "Beacon",
            "Summit",
            "Lumen",
        ]
        suffixes = [
            "Labs",
            "Networks",
            "Foundation",
            "Trust",
            "Alliance",
            "Institute",
            "Ministry",
            "Agency",
            "Platforms",
            "Media",
            "Cloud",
        ]
        organisations = []
        for n in range(count):
            kind = "secretariat" if n == 0 else kinds()
            name = "Coalition Secretariat" if n == 0 else f"{rng.choice(prefixes)} {rng.choice(suffixes)} {n:04d}"
            slug = slugify(name)[:70]
            suspended = n > 0 and rng.random() < 0.02
            organisations.append(
                Organisation(
                    name=name,
                    slug=slug,
                    kind=kind,
                    country="GB" if n == 0 else rng.choice(COUNTRIES),
                    email_domains=[f"{slug}.example"],
                    website=f"https://{slug}.example/",
                    status="suspended" if suspended else "active",
                    suspended_at=END - timedelta(days=rng.randint(1, 300)) if suspended else None,
                )
            )
        organisations = Organisation.objects.bulk_create(organisations, batch_size=1000)
        groups = Group.objects.bulk_create([Group(name=f"coalition-organisation-{org.pk}") for org in organisations])
        for org, group in zip(organisations, groups, strict=True):
            org.grant_group = group
        Organisation.objects.bulk_update(organisations, ["grant_group"], batch_size=1000)
        self.orgs = organisations
        self.org_ids = [org.pk for org in organisations]
        self.org_kind = {org.pk: org.kind for org in organisations}
        self.org_country = {org.pk: org.country for org in organisations}
        self.group_of = {org.pk: org.grant_group_id for org in organisations}
        # Long-tailed sizes: the k-th largest organisation has ~ 1/k^0.9 of the largest one's people.
        ranks = list(range(1, count + 1))
        rng.shuffle(ranks)
        self.org_size = {org.pk: 1 / (rank**0.9) for org, rank in zip(organisations, ranks, strict=True)}
        self.org_size[organisations[0].pk] = max(self.org_size.values()) / 3  # a mid-sized secretariat
        self.step("organisations and grant groups", started)

    def users(self) -> None:
        from django.contrib.auth.hashers import make_password

        from coalition.accounts.models import User
        from coalition.organisations.models import Membership

        started = time.perf_counter()
        rng = self.rng
        count = self.spec["users"]
        password = make_password(PASSWORD)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"user{n:06d}@people.example",
                    name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {n}",
                    password=password,
                    is_active=rng.random() > 0.005,
                    date_joined=START + timedelta(days=rng.randint(0, (END - START).days)),
                )
                for n in range(count)
            ],
            batch_size=5000,
        )
        self.user_ids = [user.pk for user in users]
        org_picker = Picker(rng, self.org_ids, [self.org_size[pk] for pk in self.org_ids])
        role_picker = Picker(rng, *zip(*ROLES, strict=True))
        memberships = []
        self.members_of: dict[int, list[tuple[int, str]]] = {pk: [] for pk in self.org_ids}
        self.orgs_of: dict[int, list[int]] = {}
        for index, user in enumerate(users):
            if index < len(self.org_ids):
                orgs = [self.org_ids[index]]  # everyone organisation has at least one person ...
            elif rng.random() < 0.03:
                orgs = []
            else:
                orgs = org_picker.distinct(2 if rng.random() < 0.06 else 1)
            for org in orgs:
                role = "admin" if index < len(self.org_ids) else role_picker()  # ... and an admin
                memberships.append(
                    Membership(
                        user_id=user.pk,
                        organisation_id=org,
                        role=role,
                        signatory=index < len(self.org_ids) or rng.random() < 0.02,
                    )
                )
                self.members_of[org].append((user.pk, role))
                self.orgs_of.setdefault(user.pk, []).append(org)
        Membership.objects.bulk_create(memberships, batch_size=5000)
        self.membership_count = len(memberships)
        self.step("users and memberships", started)

    def communities(self) -> None:
        from coalition.organisations.models import Community

        started = time.perf_counter()
        rng = self.rng
        wanted = self.spec["communities"]
        definitions: list[tuple[str, list[int]]] = [
            ("All members", [pk for pk in self.org_ids if self.org_kind[pk] in ("member", "secretariat")]),
            ("All partners", [pk for pk in self.org_ids if self.org_kind[pk] == "partner"]),
            ("Government observers", [pk for pk in self.org_ids if self.org_kind[pk] == "government"]),
        ]
        for region, countries in REGIONS.items():
            definitions.append((f"{region} network", [pk for pk in self.org_ids if self.org_country[pk] in countries]))
        topics = itertools.cycle(
            ["Research", "Safety by design", "Transparency", "Hash sharing", "Age assurance", "Livestreaming"]
        )
        n = 0
        while len(definitions) < wanted:
            n += 1
            size = min(len(self.org_ids) - 1, rng.randint(5, 60))
            definitions.append((f"{next(topics)} working group {n}", rng.sample(self.org_ids, size)))
        definitions = definitions[:wanted]
        communities = Community.objects.bulk_create(
            [
                Community(name=name, slug=f"community-{i}", description=f"{name}.")
                for i, (name, _) in enumerate(definitions)
            ]
        )
        through = Community.organisations.through
        through.objects.bulk_create(
            [
                through(community_id=community.pk, organisation_id=org)
                for community, (_, orgs) in zip(communities, definitions, strict=True)
                for org in orgs
            ],
            batch_size=5000,
        )
        self.community_ids = [community.pk for community in communities]
        self.community_links = sum(len(orgs) for _, orgs in definitions)
        self.step("communities", started)

    # Documents and what hangs off them: COPY / executemany.

    def documents(self) -> None:
        from django.contrib.auth.models import Permission

        from coalition.library.models import (
            Document,
            DocumentGroupGrant,
            DocumentUserGrant,
            Topic,
        )

        rng = self.rng
        count = self.spec["documents"]
        permission = {
            p.codename: p.pk
            for p in Permission.objects.filter(
                content_type__app_label="library",
                codename__in=["view_document", "comment_document", "change_document"],
            )
        }
        Topic.objects.bulk_create(
            [Topic(name=word.title(), slug=word) for word in WORDS[:16]], ignore_conflicts=True, batch_size=100
        )

        started = time.perf_counter()
        # Creation times: density grows linearly over the years (sqrt of a uniform variable).
        span = (END - START).total_seconds()
        seconds = sorted(span * math.sqrt(rng.random()) for _ in range(count))
        first_id = self.loader.next_id(Document)
        doc_weight = {
            pk: self.org_size[pk] ** 0.7
            * {"secretariat": 6.0, "member": 1.0, "partner": 0.6, "government": 0.3}[self.org_kind[pk]]
            for pk in self.org_ids
        }
        owner_picker = Picker(rng, self.org_ids, [doc_weight[pk] for pk in self.org_ids])
        any_org = Picker(rng, self.org_ids, [self.org_size[pk] ** 0.5 for pk in self.org_ids])
        # Grantees: a long tail over people and organisations (focal points, trusted partners).
        user_ranks = list(range(1, len(self.user_ids) + 1))
        rng.shuffle(user_ranks)
        grantee = Picker(rng, self.user_ids, [1 / rank**0.8 for rank in user_ranks])
        org_ranks = list(range(1, len(self.org_ids) + 1))
        rng.shuffle(org_ranks)
        org_grantee = Picker(rng, self.org_ids, [1 / rank**0.7 for rank in org_ranks])
        kind_picker = Picker(rng, *zip(*KINDS, strict=True))
        status_picker = Picker(rng, *zip(*STATUSES, strict=True))
        language_picker = Picker(rng, *zip(*LANGUAGES, strict=True))
        level_picker = Picker(rng, *zip(*GRANT_LEVELS, strict=True))
        org_level_picker = Picker(rng, *zip(*ORG_GRANT_LEVELS, strict=True))
        authors = {
            pk: [user for user, role in members if role in ("editor", "admin")] or [user for user, _ in members]
            for pk, members in self.members_of.items()
        }

        co_drafters: list[tuple[int, int]] = []
        audience_orgs: list[tuple[int, int]] = []
        audience_communities: list[tuple[int, int]] = []
        user_grants: list[tuple[int, int, int]] = []
        group_grants: list[tuple[int, int, int]] = []
        self.doc_stats: dict[str, int] = {}

        def rows() -> Iterable[tuple[Any, ...]]:
            for offset, second in enumerate(seconds):
                doc_id = first_id + offset
                created = START + timedelta(seconds=second)
                owner = owner_picker()
                kind = kind_picker()
                status = status_picker()
                roll = rng.random()
                if roll < 0.015:
                    audience, tlp = "organisation", "red"
                elif roll < 0.135:
                    audience, tlp = "public", "clear"
                elif roll < 0.465:
                    audience = "coalition"
                    tlp = "green" if (r := rng.random()) < 0.6 else "amber" if r < 0.9 else "clear"
                elif roll < 0.605:
                    audience = "named"
                    tlp = "amber" if (r := rng.random()) < 0.5 else "green" if r < 0.8 else "amber_strict"
                else:
                    audience = "organisation"
                    tlp = "amber" if (r := rng.random()) < 0.45 else "amber_strict" if r < 0.8 else "green"
                key = f"{audience}/{tlp}"
                self.doc_stats[key] = self.doc_stats.get(key, 0) + 1
                if audience == "named":
                    with_orgs = rng.random() < 0.7
                    if with_orgs:
                        for org in any_org.distinct(rng.randint(1, 4), exclude=[owner]):
                            audience_orgs.append((doc_id, org))
                    if not with_orgs or rng.random() < 0.5:
                        for community in rng.sample(self.community_ids, rng.randint(1, 2)):
                            audience_communities.append((doc_id, community))
                if tlp != "red" and rng.random() < 0.06:
                    for org in any_org.distinct(rng.randint(1, 3), exclude=[owner]):
                        co_drafters.append((doc_id, org))
                if tlp == "red":
                    for user in grantee.distinct(rng.randint(1, 5)):
                        user_grants.append((doc_id, permission[level_picker()], user))
                else:
                    if rng.random() < 0.03:
                        for user in grantee.distinct(rng.randint(1, 3)):
                            user_grants.append((doc_id, permission[level_picker()], user))
                    if rng.random() < 0.03:
                        for org in org_grantee.distinct(rng.randint(1, 2), exclude=[owner]):
                            group_grants.append((doc_id, permission[org_level_picker()], self.group_of[org]))
                title_words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
                yield (
                    doc_id,
                    created,
                    created + timedelta(days=rng.randint(0, 30)) if status != "draft" else created,
                    kind,
                    f"{title_words.capitalize()} ({kind} {doc_id})",
                    " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + ".",
                    audience,
                    tlp,
                    language_picker(),
                    status,
                    (created + timedelta(days=365)).date() if status == "published" and rng.random() < 0.3 else None,
                    rng.choice(authors[owner]) if authors[owner] else None,
                    owner,
                )

        columns = [
            "id",
            "created_at",
            "updated_at",
            "kind",
            "title",
            "summary",
            "audience",
            "tlp",
            "language",
            "status",
            "review_by",
            "created_by_id",
            "owner_id",
        ]
        self.loader.load(Document, columns, rows())
        self.document_ids = (first_id, first_id + count - 1)
        self.step("documents", started)

        started = time.perf_counter()
        co = Document.co_drafters.through
        self.loader.load(co, ["id", "document_id", "organisation_id"], self._with_ids(co, co_drafters))
        ao = Document.audience_organisations.through
        self.loader.load(ao, ["id", "document_id", "organisation_id"], self._with_ids(ao, audience_orgs))
        ac = Document.audience_communities.through
        self.loader.load(ac, ["id", "document_id", "community_id"], self._with_ids(ac, audience_communities))
        self.step("co-drafters and named audiences", started)

        started = time.perf_counter()
        columns = ["id", "content_object_id", "permission_id", "user_id"]
        self.loader.load(DocumentUserGrant, columns, self._with_ids(DocumentUserGrant, user_grants))
        columns = ["id", "content_object_id", "permission_id", "group_id"]
        self.loader.load(DocumentGroupGrant, columns, self._with_ids(DocumentGroupGrant, group_grants))
        self.step("grants", started)

    def _with_ids(self, model: Any, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        # Eager on purpose: no query may run on the connection while a COPY is streaming.
        first = self.loader.next_id(model)
        return [(first + offset, *row) for offset, row in enumerate(rows)]

    def revisions(self) -> None:
        """A revision for the newest documents and a sprinkling of older ones (the pages the
        benchmark opens); the list query never reads revisions."""
        from coalition.library.models import Document, Revision

        started = time.perf_counter()
        rng = self.rng
        low, high = self.document_ids
        newest = range(max(low, high - 1999), high + 1)
        older = range(low, max(low, high - 1999), 500)
        document_ids = list(itertools.chain(older, newest))
        first = self.loader.next_id(Revision)
        created = dict(Document.objects.filter(pk__in=document_ids).values_list("pk", "created_at"))
        body = "\n\n".join(
            f"## {word.title()}\n\n" + " ".join(rng.choice(WORDS) for _ in range(60)) for word in WORDS[:8]
        )
        html = "".join(
            f"<h2>{word.title()}</h2><p>" + " ".join(rng.choice(WORDS) for _ in range(60)) + "</p>"
            for word in WORDS[:8]
        )
        rows = [(first + i, pk, 1, body, html, "First version", created[pk], None) for i, pk in enumerate(document_ids)]
        columns = ["id", "document_id", "number", "body", "html", "message", "created_at", "author_id"]
        self.loader.load(Revision, columns, rows)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE library_document SET current_revision_id = %s WHERE id = %s",
                [(revision_id, pk) for revision_id, pk, *_ in rows],
            )
        self.revision_count = len(rows)
        self.step("revisions", started)

    def run(self) -> dict[str, Any]:
        from django.db import transaction

        from coalition.library.models import (
            Document,
            DocumentGroupGrant,
            DocumentUserGrant,
            Revision,
        )

        total = time.perf_counter()
        with transaction.atomic():
            self.organisations()
            self.users()
            self.communities()
            self.documents()
            self.revisions()
            self.loader.reset_sequences(
                [
                    Document,
                    Revision,
                    DocumentUserGrant,
                    DocumentGroupGrant,
                    Document.co_drafters.through,
                    Document.audience_organisations.through,
                    Document.audience_communities.through,
                ]
            )
        started = time.perf_counter()
        analyse()
        self.step("analyse", started)
        summary = {
            "size": self.size,
            "database": database_label(),
            "organisations": len(self.org_ids),
            "users": len(self.user_ids),
            "memberships": self.membership_count,
            "communities": len(self.community_ids),
            "community_links": self.community_links,
            "rows": self.loader.rows_written,
            "audience_tlp": dict(sorted(self.doc_stats.items())),
            "revisions": self.revision_count,
            "seconds": self.timings | {"total": round(time.perf_counter() - total, 1)},
        }
        return summary


def analyse() -> None:
    """Fresh planner statistics, as a maintained production database has (autovacuum on
    PostgreSQL; `PRAGMA optimize` on SQLite, see docs/performance.md)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--summary", type=Path, help="also write the summary as JSON to this file")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from coalition.library.models import Document

    print(f"Generating {args.size} data into {database_label()}", flush=True)
    if Document.objects.exists():
        raise SystemExit(
            "The database already holds documents: generate into a freshly created and migrated database "
            "(docs/performance.md, 'Reproduce')."
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")  # a benchmark load; a crash means start again
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB while loading
    summary = Generator(args.size, args.seed).run()
    text = json.dumps(summary, indent=2)
    print(text)
    if args.summary:
        args.summary.write_text(text + "\n")


if __name__ == "__main__":
    main()
