"""Generate appeals and tips at scale and time the pages that list them (docs/performance.md,
"Appeals and tips").

    DATABASE_URL=... .venv/bin/python bench/appeals.py generate [--appeals 20000] [--tips 1000000]
    DATABASE_URL=... .venv/bin/python bench/appeals.py time [--runs 15]

`generate` adds organisations allowed to publish appeals, appeals (nine in ten published) with
their texts and one image row each, and tips: nine in ten to one organisation (the worst inbox),
in every triage state, received over two years. It writes rows directly (bulk inserts), not
through the services: a million Argon2id receipts would take hours and measure nothing here.

`time` requests each page through Django's test client (middleware, access, rendering; DEBUG off),
as a tip handler of the big organisation and as an anonymous visitor, and runs each page's bare
query next to it: the lower bound for the same rows from the same index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import database_label, setup_django, timed

BATCH = 5000
TYPES = ["clothing", "textile", "toiletry", "toy", "furniture", "packaging", "electrical", "place", "other"]
COUNTRIES = ["BE", "NL", "FR", "DE", "GB", "IE", "US", "CA", "AU", "PL", "ES", "IT"]
TIP_STATUSES = ["new"] * 3 + ["useful", "duplicate", "not_useful", "closed"] * 2 + ["forwarded"]


def generate(appeal_count: int, tip_count: int, seed: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from coalition.accounts.models import User
    from coalition.appeals.models import Appeal, AppealImage, AppealText, Tip
    from coalition.organisations.models import Membership, Organisation, Role

    rng = random.Random(seed)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    orgs = []
    for n in range(10):
        org, _ = Organisation.objects.get_or_create(
            slug=f"bench-police-{n}",
            defaults={"name": f"Bench police {n}", "kind": "partner", "country": "BE", "may_publish_appeals": True},
        )
        orgs.append(org)
    handler = User.objects.filter(email="handler@bench-police.example").first()
    if handler is None:
        handler = User.objects.create_user("handler@bench-police.example", "bench-password-2026", name="Bench Handler")
        Membership.objects.create(user=handler, organisation=orgs[0], role=Role.EDITOR, tip_handler=True)
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(handler, generate_totp_secret())
    started = time.perf_counter()
    appeals: list[Appeal] = []
    for start in range(0, appeal_count, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, appeal_count)):
            published = rng.random() < 0.9
            status = rng.choice(["open", "open", "solved", "closed"]) if published else "draft"
            countries = rng.sample(COUNTRIES, rng.randint(0, 3))
            appeal = Appeal(
                organisation=orgs[0] if i % 2 == 0 else rng.choice(orgs),
                object_type=rng.choice(TYPES),
                countries=countries,
                country_codes="".join(f"|{c}" for c in countries) + ("|" if countries else ""),
                status=status,
                published_at=now - timedelta(hours=rng.randint(0, 24 * 730)) if published else None,
            )
            batch.append(appeal)
        with transaction.atomic():
            made = Appeal.objects.bulk_create(batch)
            AppealText.objects.bulk_create(
                AppealText(
                    appeal=a,
                    language="en",
                    title=f"Object {a.pk}: {a.object_type}",
                    description="A generated appeal.",
                    questions=["Where is this sold?", "Who uses it?"],
                )
                for a in made
            )
            AppealImage.objects.bulk_create(
                AppealImage(
                    appeal=a,
                    display_name="bench/none.jpg",
                    thumbnail_name="bench/none-thumb.jpg",
                    width=1600,
                    height=1200,
                    size=200_000,
                    sha256="0" * 64,
                    alt_text="A generated object",
                )
                for a in made
            )
        appeals.extend(made)
    print(f"appeals: {len(appeals):,} in {time.perf_counter() - started:.0f} s", flush=True)
    published = [a for a in appeals if a.status != "draft"]
    big = [a for a in published if a.organisation_id == orgs[0].pk]
    others = [a for a in published if a.organisation_id != orgs[0].pk] or big
    started = time.perf_counter()
    base = Tip.objects.count()
    for start in range(0, tip_count, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, tip_count)):
            appeal = rng.choice(big) if rng.random() < 0.9 else rng.choice(others)
            status = rng.choice(TIP_STATUSES)
            forwarded = status == "forwarded"
            rows.append(
                Tip(
                    appeal_id=appeal.pk,
                    organisation_id=appeal.organisation_id,
                    language="en",
                    answers=[{"question": "Where is this sold?", "answer": f"Shop number {i}"}],
                    text="Generated tip text " * rng.randint(1, 20),
                    receipt_hash=hashlib.sha256(f"bench-{seed}-{base + i}".encode()).hexdigest(),
                    received_at=now - timedelta(hours=rng.randint(0, 24 * 730)),
                    status=status,
                    forwarded_to="Federal Police" if forwarded else "",
                    forwarded_at=now if forwarded else None,
                )
            )
        Tip.objects.bulk_create(rows)
        if (start // BATCH) % 40 == 0:
            print(f"  tips: {start + len(rows):,}", flush=True)
    print(f"tips: {tip_count:,} in {time.perf_counter() - started:.0f} s", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def time_pages(runs: int) -> None:
    from django.conf import settings
    from django.db.models import Q
    from django.test import Client

    from coalition.accounts.models import User
    from coalition.appeals.models import Appeal, Tip

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    handler = User.objects.get(email="handler@bench-police.example")
    org_id = handler.memberships.get().organisation_id
    members = Client()
    members.force_login(handler, backend="django.contrib.auth.backends.ModelBackend")
    public = Client()
    tips = Tip.objects.filter(organisation_id=org_id)
    middle = tips.order_by("-received_at", "-id").values_list("pk", flat=True)[tips.count() // 2]
    anchor = Tip.objects.get(pk=middle).received_at
    published = Appeal.objects.filter(status__in=["open", "solved", "closed"])

    def get(client: Client, path: str) -> Any:
        def call() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return call

    def bare(queryset: Any) -> Any:
        return lambda: list(queryset.all())  # .all(): a new query each run, not the cached rows

    cases = [
        (
            "gallery, first page",
            get(public, "/appeals/"),
            bare(published.order_by("-published_at", "-id").values_list("pk", flat=True)[:25]),
        ),
        (
            "gallery, type=textile",
            get(public, "/appeals/?type=textile"),
            bare(
                published.filter(object_type="textile")
                .order_by("-published_at", "-id")
                .values_list("pk", flat=True)[:25]
            ),
        ),
        (
            "gallery, country=BE",
            get(public, "/appeals/?country=BE"),
            bare(
                published.filter(country_codes__contains="|BE|")
                .order_by("-published_at", "-id")
                .values_list("pk", flat=True)[:25]
            ),
        ),
        (
            "gallery, status=solved, page 40",
            get(public, "/appeals/?status=solved&page=40"),
            bare(
                published.filter(status="solved")
                .order_by("-published_at", "-id")
                .values_list("pk", flat=True)[39 * 24 : 40 * 24 + 1]
            ),
        ),
        (
            "tips inbox, first page",
            get(members, "/appeals/tips/"),
            bare(tips.order_by("-received_at", "-id").values_list("pk", flat=True)[:51]),
        ),
        (
            "tips inbox, status=new",
            get(members, "/appeals/tips/?status=new"),
            bare(tips.filter(status="new").order_by("-received_at", "-id").values_list("pk", flat=True)[:51]),
        ),
        (
            "tips inbox, halfway (keyset)",
            get(members, f"/appeals/tips/?before={middle}"),
            bare(
                tips.filter(received_at__lte=anchor)
                .filter(Q(received_at__lt=anchor) | Q(pk__lt=middle))
                .order_by("-received_at", "-id")
                .values_list("pk", flat=True)[:51]
            ),
        ),
        ("reporting page", get(public, "/report/?country=BE"), bare(Appeal.objects.none())),
        # Peers: what any signed-in page costs here (session, memberships, MFA, navigation).
        ("peer: signed-in notifications inbox", get(members, "/notifications/"), bare(Appeal.objects.none())),
    ]
    rows = []
    for name, page, lower in cases:
        rows.append({"page": name, "view": timed(page, runs), "bare query": timed(lower, runs)})
    result = {
        "database": database_label(),
        "appeals": Appeal.objects.count(),
        "tips": Tip.objects.count(),
        "tips of the big organisation": tips.count(),
        "rows": rows,
    }
    print(json.dumps(result, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["generate", "time"])
    parser.add_argument("--appeals", type=int, default=20_000)
    parser.add_argument("--tips", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    setup_django()
    if args.command == "generate":
        generate(args.appeals, args.tips, args.seed)
    else:
        time_pages(args.runs)


if __name__ == "__main__":
    main()
