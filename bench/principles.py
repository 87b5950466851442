"""Generate implementation records at scale and time the matrix page (docs/performance.md,
"Principles matrix").

    DATABASE_URL=... .venv/bin/python bench/principles.py generate [--organisations 500] [--principles 50]
    DATABASE_URL=... .venv/bin/python bench/principles.py time [--runs 30]

`generate` adds a framework of 50 principles under 10 themes, 500 organisations (members, partners
and government observers) in 20 communities, and one record per organisation x principle x cycle
for the last 5 cycles (125,000 records), with a sharing mix like the demo's: 40% the organisation
only (TLP:AMBER+STRICT), 25% the coalition (GREEN), 15% named organisations or communities
(AMBER), 20% public (CLEAR). Rows are written directly (bulk inserts), not through the services.

`time` requests the matrix page (latest cycle, first page of organisations) through Django's test
client (middleware, access, rendering; DEBUG off) as a member's editor, a secretariat editor and an
anonymous visitor, and reports the median, p95 and the number of queries per request.

`report` times what the transparency report and the exports cost at that size: the CSV and XLSX
export of the matrix's visible cells for the member's editor (every cell they may read in the
latest cycle), building and rendering the report (what the secretariat's preview does), publishing
it (with the PDF), and the published report's public page.
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

SLUG = "bench-framework"
BATCH = 5000
KINDS = ["member"] * 6 + ["partner"] * 3 + ["government"]
SHARING = [("organisation", "amber_strict")] * 8 + [("coalition", "green")] * 5 + [("named", "amber")] * 3
SHARING += [("public", "clear")] * 4
RESULTS = ["implemented"] * 4 + ["partially"] * 3 + ["not_implemented"] * 2 + ["not_assessed", "not_applicable"]


def generate(organisation_count: int, principle_count: int, cycle_count: int, seed: int) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import transaction
    from django.utils import timezone

    from coalition.accounts.models import User
    from coalition.organisations.models import Community, Membership, Organisation, Role
    from coalition.principles.models import Framework, ImplementationRecord, Principle, Theme

    rng = random.Random(seed)
    year = timezone.localdate().year
    with transaction.atomic():
        framework, _ = Framework.objects.get_or_create(slug=SLUG, defaults={"name": "Bench framework", "order": 9})
        themes = [
            Theme.objects.get_or_create(framework=framework, code=str(n), defaults={"title": f"Theme {n}", "order": n})[
                0
            ]
            for n in range(1, 11)
        ]
        principles = [
            Principle.objects.get_or_create(
                framework=framework,
                code=f"B{n}",
                defaults={"title": f"Bench principle {n}", "theme": themes[(n - 1) % 10], "order": n},
            )[0]
            for n in range(1, principle_count + 1)
        ]
        organisations = []
        for n in range(organisation_count):
            org, _ = Organisation.objects.get_or_create(
                slug=f"bench-org-{n:04}",
                defaults={"name": f"Bench organisation {n:04}", "kind": KINDS[n % len(KINDS)], "country": "GB"},
            )
            organisations.append(org)
        secretariat, _ = Organisation.objects.get_or_create(
            slug="bench-secretariat", defaults={"name": "Bench secretariat", "kind": "secretariat", "country": "GB"}
        )
        communities = []
        for n in range(20):
            community, _ = Community.objects.get_or_create(
                slug=f"bench-community-{n}", defaults={"name": f"Bench community {n}"}
            )
            community.organisations.set(rng.sample(organisations, 40))
            communities.append(community)
        for email, org, role in [
            ("member@bench.example", organisations[0], Role.EDITOR),
            ("secretariat@bench.example", secretariat, Role.EDITOR),
        ]:
            user = User.objects.filter(email=email).first() or User.objects.create_user(email, "bench-password-1")
            Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": role})
            if org.kind == "secretariat" and not Authenticator.objects.filter(user=user).exists():
                TOTP.activate(user, generate_totp_secret())  # secretariat staff must use a second factor
        ImplementationRecord.objects.filter(principle__framework=framework).delete()
        rows = []
        for cycle in range(year - cycle_count + 1, year + 1):
            for org in organisations:
                for principle in principles:
                    audience, tlp = rng.choice(SHARING)
                    rows.append(
                        ImplementationRecord(
                            organisation=org,
                            principle=principle,
                            cycle=cycle,
                            status="done",
                            result=rng.choice(RESULTS),
                            maturity=rng.randint(0, 4),
                            audience=audience,
                            tlp=tlp,
                            evidence="Evidence text.",
                            evidence_html="<p>Evidence text.</p>",
                        )
                    )
        ImplementationRecord.objects.bulk_create(rows, batch_size=BATCH)
        named = ImplementationRecord.objects.filter(principle__framework=framework, audience="named").values_list(
            "pk", flat=True
        )
        through_orgs = ImplementationRecord.audience_organisations.through
        through_communities = ImplementationRecord.audience_communities.through
        org_links, community_links = [], []
        for pk in named.iterator():
            if rng.random() < 0.5:
                for org in rng.sample(organisations, 3):
                    org_links.append(through_orgs(implementationrecord_id=pk, organisation_id=org.pk))
            else:
                community_links.append(
                    through_communities(implementationrecord_id=pk, community_id=rng.choice(communities).pk)
                )
        through_orgs.objects.bulk_create(org_links, batch_size=BATCH)
        through_communities.objects.bulk_create(community_links, batch_size=BATCH)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        json.dumps(
            {
                "database": database_label(),
                "records": ImplementationRecord.objects.filter(principle__framework__slug=SLUG).count(),
                "organisations": organisation_count,
                "principles": principle_count,
                "cycles": cycle_count,
            }
        )
    )


def time_pages(runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from coalition.accounts.models import User

    url = reverse("principles:matrix", args=[SLUG])
    results = {"database": database_label(), "runs": runs}
    for label, email in [
        ("member editor", "member@bench.example"),
        ("secretariat editor", "secretariat@bench.example"),
        ("visitor", None),
    ]:
        client = Client(SERVER_NAME="localhost")
        if email:
            client.force_login(User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend")
        client.get(reverse("principles:index"))

        def fetch(client: Client = client) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = len(captured.captured_queries)  # now: the next request empties connection.queries
        rows = response.content.decode().count('<th scope="row">')
        results[label] = {
            **timed(fetch, runs),
            "queries": queries,
            "organisations_on_page": rows,
        }
        print(label, results[label], flush=True)
    print(json.dumps(results))


def _counting(executed: list[str]) -> Any:
    def wrapper(run: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return run(sql, params, many, context)

    return wrapper


def time_report(runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from coalition.accounts.models import User
    from coalition.principles import report_services

    year = timezone.localdate().year
    results: dict[str, object] = {"database": database_label(), "runs": runs}
    member = Client(SERVER_NAME="localhost")
    member.force_login(
        User.objects.get(email="member@bench.example"), backend="django.contrib.auth.backends.ModelBackend"
    )
    member.get(reverse("principles:index"))
    for fmt in ("csv", "xlsx"):
        url = reverse("principles:export_matrix", args=[SLUG, fmt])

        def export(url: str = url) -> None:
            response = member.post(url, {"cycle": year})
            assert response.status_code == 200, response.status_code

        executed: list[str] = []
        with connection.execute_wrapper(_counting(executed)):
            response = member.post(url, {"cycle": year})
        cells = response.content.count(b"\n") if fmt == "csv" else None
        results[f"export {fmt} (member editor)"] = {**timed(export, runs), "queries": len(executed), "lines": cells}
        print(fmt, results[f"export {fmt} (member editor)"], flush=True)
    results["build and render the report (preview)"] = timed(
        lambda: report_services.render_body(report_services.build(year)), max(3, runs // 5)
    )
    print("build", results["build and render the report (preview)"], flush=True)
    publisher = User.objects.get(email="secretariat@bench.example")
    results["publish (HTML and PDF)"] = timed(
        lambda: report_services.publish(acting_user=publisher, cycle=year), max(2, runs // 10)
    )
    print("publish", results["publish (HTML and PDF)"], flush=True)
    visitor = Client(SERVER_NAME="localhost")
    url = reverse("principles:report", args=[year])
    executed = []
    with connection.execute_wrapper(_counting(executed)):
        visitor.get(url)
    results["published report page (visitor)"] = {**timed(lambda: visitor.get(url), runs), "queries": len(executed)}
    print("page", results["published report page (visitor)"], flush=True)
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["generate", "time", "report"])
    parser.add_argument("--organisations", type=int, default=500)
    parser.add_argument("--principles", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    setup_django()
    if args.command == "generate":
        generate(args.organisations, args.principles, args.cycles, args.seed)
    elif args.command == "report":
        time_report(args.runs)
    else:
        time_pages(args.runs)


if __name__ == "__main__":
    main()
