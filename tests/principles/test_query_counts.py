"""The matrix, a principle's page and an organisation's page cost the same number of queries with
2 or 20 organisations reporting (one query for the visible cells, one for the aggregates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.principles.conftest import World, make_record

pytestmark = pytest.mark.django_db

PAGES = [
    ("principles:matrix", ["voluntary-principles"]),
    ("principles:principle", ["voluntary-principles", "P1"]),
    ("principles:organisation", ["voluntary-principles", "acme"]),
]


def _add_organisations(world: World, make_org: Callable[..., Any], count: int, start: int) -> None:
    audiences = [("coalition", "green"), ("named", "amber"), ("public", "clear"), ("organisation", "amber_strict")]
    for n in range(start, start + count):
        organisation = make_org(f"Member {n:03}", slug=f"member-{n:03}")
        for i, principle in enumerate(world.principles):
            audience, tlp = audiences[(n + i) % len(audiences)]
            make_record(organisation, principle, audience=audience, tlp=tlp, named=[world.globex])


def _queries(client: Any, name: str, args: list[str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("viewer", ["editor", "named_org", "secretariat", "anonymous"])
def test_query_counts_do_not_grow_with_organisations_and_records(
    viewer: str, world: World, make_org: Callable[..., Any], client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    client.get(reverse("principles:index"))  # the session's first request does its own bookkeeping
    _add_organisations(world, make_org, 2, 0)
    small = {name: _queries(client, name, args) for name, args in PAGES if viewer != "anonymous" or name != PAGES[2][0]}
    _add_organisations(world, make_org, 18, 2)
    large = {name: _queries(client, name, args) for name, args in PAGES if viewer != "anonymous" or name != PAGES[2][0]}
    assert small == large
    assert large["principles:matrix"] <= 14  # 12, and the cycle before's cells and aggregates


def test_the_visible_cells_are_one_query(
    world: World, make_org: Callable[..., Any], client_for: Callable[[Any], Any]
) -> None:
    _add_organisations(world, make_org, 5, 0)
    client = client_for(world.people["named_org"])
    client.get(reverse("principles:index"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("principles:matrix", args=["voluntary-principles"]))
    record_queries = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "principles_implementationrecord"')
    ]
    # The cells in one query, the aggregates in another (GROUP BY), and the same two for the cycle
    # before (year-on-year change); organisations read records in a subquery.
    assert len(record_queries) == 4
    assert len([sql for sql in record_queries if "GROUP BY" not in sql]) == 2
