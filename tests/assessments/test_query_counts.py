"""The new list pages cost the same number of queries with few or many items: the crosswalks, the
self-assessments one may see, a crosswalk's links, and a self-assessment's report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coalition.assessments.models import Crosswalk, CrosswalkLink, SelfAssessment
from coalition.principles.models import Framework, Principle
from tests.assessments.conftest import World, cycle
from tests.assessments.helpers import answer_all

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def _add(world: World, make_org: Callable[..., Any], start: int, count: int) -> None:
    vp = Framework.objects.get(slug="voluntary-principles")
    sbd = Framework.objects.get(slug="safety-by-design")
    sources = list(Principle.objects.filter(framework=vp))
    targets = list(Principle.objects.filter(framework=sbd))
    for n in range(start, start + count):
        crosswalk = Crosswalk.objects.create(name=f"Crosswalk {n:03}", slug=f"crosswalk-{n:03}", source=vp, target=sbd)
        for i, source in enumerate(sources[:3]):
            CrosswalkLink.objects.create(
                crosswalk=crosswalk, source=source, target=targets[i % 3], relation="subset", rationale="r"
            )
        organisation = make_org(f"Member {n:03}", slug=f"member-{n:03}")
        SelfAssessment.objects.create(
            questionnaire=world.questionnaire,
            organisation=organisation,
            cycle=cycle(),
            audience="coalition",
            tlp="green",
        )
        # The seeded crosswalk's page grows too (pairs it does not have yet).
        CrosswalkLink.objects.get_or_create(
            crosswalk=world.crosswalk,
            source=sources[n % len(sources)],
            target=targets[(n + 1) % 3],
            defaults={"relation": "intersect", "rationale": "r"},
        )


@pytest.mark.parametrize("viewer", ["editor", "named_org", "secretariat"])
def test_list_pages_cost_the_same_with_few_or_many_items(
    viewer: str, world: World, make_org: Callable[..., Any], client_for: Callable[[Any], Any]
) -> None:
    own = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
    SelfAssessment.objects.filter(pk=own.pk).update(audience="coalition", tlp="green")
    client = client_for(world.people[viewer])
    pages = [
        reverse("assessments:crosswalks"),
        reverse("assessments:index"),
        reverse("assessments:crosswalk", args=[world.crosswalk.slug]),
        reverse("assessments:report", args=[own.pk]),
    ]
    client.get(pages[0])  # the session's first request does its own bookkeeping
    _add(world, make_org, 0, 2)
    small = [_queries(client, url) for url in pages]
    _add(world, make_org, 2, 12)
    large = [_queries(client, url) for url in pages]
    assert small == large
