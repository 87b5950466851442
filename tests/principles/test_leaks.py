"""Nothing of a record reaches someone who may not read it: the secret marker in every non-CLEAR
record's evidence never shows on the matrix, a principle's page, an organisation's page or in an
aggregate; aggregates count only readable records and are suppressed below the threshold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.organisations.models import Role
from coalition.principles import selectors
from coalition.principles.models import Principle
from tests.principles.conftest import World, cycle, make_record, marker, may_read
from tests.principles.test_access_matrix import VIEWERS

pytestmark = pytest.mark.django_db


def _pages(client: Any, world: World) -> str:
    urls = [reverse("principles:index")]
    for slug in ("voluntary-principles", "safety-by-design"):
        urls.append(reverse("principles:matrix", args=[slug]))
        urls.append(reverse("principles:organisation", args=[slug, "acme"]))
        urls += [
            reverse("principles:principle", args=[slug, p.code]) for p in Principle.objects.filter(framework__slug=slug)
        ]
    return "".join(client.get(url).content.decode() for url in urls)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_marker_of_an_unreadable_record_reaches_any_page(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    pages = _pages(client, world)
    for (audience, tlp), record in world.records.items():
        if tlp == "clear":
            continue
        assert marker(record) not in pages, f"{viewer} sees {audience}/{tlp}"
        # Readers who may read it find it on its own page (the marker is really there to find).
        if may_read(viewer, audience, tlp):
            assert marker(record) in client.get(reverse("principles:record", args=[record.pk])).content.decode()


def _aggregate_for(world: World, viewer: str, principle: Principle, **filters: Any) -> selectors.Aggregate:
    return selectors.aggregates(world.people[viewer], cycle=cycle(), principle_ids=[principle.pk], **filters)[
        principle.pk
    ]


@pytest.fixture
def reporting(world: World, make_org: Callable[..., Any], make_member: Callable[..., Any]) -> list[Any]:
    """Four more members report on P1 and share it with the coalition; one of them as partner."""
    p1 = world.principles[0]
    orgs = [make_org(f"Reporter {n}", slug=f"reporter-{n}") for n in range(3)]
    orgs.append(make_org("Lone Government", slug="lone-gov", kind="government"))
    results = ["implemented", "implemented", "partially", "not_implemented"]
    for organisation, result in zip(orgs, results, strict=True):
        make_record(organisation, p1, audience="coalition", tlp="amber", result=result)
    make_member(orgs[0], Role.READER, email="reader@reporter.example")
    return orgs


def test_aggregates_count_only_records_the_viewer_may_read(world: World, reporting: list[Any]) -> None:
    p1 = world.principles[0]  # Acme's P1 record is for Acme only (TLP:CLEAR, organisation audience)
    other = _aggregate_for(world, "other_org", p1)
    assert (other.implemented, other.partially, other.contributing, other.suppressed) == (2, 1, 4, False)
    # Acme's reader also reads Acme's own P1 record (organisation only), which is implemented.
    own = _aggregate_for(world, "reader", p1)
    assert (own.implemented, own.contributing) == (3, 5)
    # A visitor reads no P1 record: nothing to show, and it says so rather than "0 of 0".
    assert _aggregate_for(world, "anonymous", p1).suppressed


def test_an_aggregate_below_the_threshold_is_suppressed(world: World, reporting: list[Any], settings: Any) -> None:
    p1 = world.principles[0]
    settings.PRINCIPLES_MIN_AGGREGATE = 5
    suppressed = _aggregate_for(world, "other_org", p1)
    assert suppressed.suppressed and (suppressed.implemented, suppressed.contributing) == (0, 0)
    settings.PRINCIPLES_MIN_AGGREGATE = 4
    assert not _aggregate_for(world, "other_org", p1).suppressed


def test_a_filter_isolating_one_organisation_is_suppressed(
    world: World, reporting: list[Any], client_for: Callable[[Any], Any]
) -> None:
    p1 = world.principles[0]
    # The only government organisation: its answer alone would be the aggregate.
    assert _aggregate_for(world, "other_org", p1, kind="government").suppressed
    client = client_for(world.people["other_org"])
    page = client.get(reverse("principles:principle", args=["voluntary-principles", "P1"]), {"kind": "government"})
    text = page.content.decode()
    assert "Too few organisations to show" in text and "organisations implement P1" not in text
    matrix = client.get(reverse("principles:matrix", args=["voluntary-principles"]), {"kind": "government"})
    assert "organisations implement P1" not in matrix.content.decode()
    unfiltered = client.get(reverse("principles:principle", args=["voluntary-principles", "P1"])).content.decode()
    assert "2 of 4 organisations implement P1" in unfiltered


def test_the_matrix_never_lists_an_organisation_that_shared_nothing_with_the_viewer(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    page = client_for(world.people["other_org"]).get(reverse("principles:matrix", args=["voluntary-principles"]))
    names = [row.organisation.name for row in page.context["matrix"].rows]
    assert names == ["Acme", "Initech"]  # Acme shares with the coalition; Initech is the viewer's own
    # Acme's one public record is on Safety by Design; visitors see nobody on the other framework.
    anonymous = client_for(None).get(reverse("principles:matrix", args=["safety-by-design"]))
    assert [row.organisation.name for row in anonymous.context["matrix"].rows] == ["Acme"]
    nobody = client_for(None).get(reverse("principles:matrix", args=["voluntary-principles"]))
    assert nobody.context["matrix"].rows == []
    assert "Globex" not in anonymous.content.decode() and "Initech" not in anonymous.content.decode()


def test_an_organisation_page_is_404_for_someone_it_shared_nothing_with(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    url = reverse("principles:organisation", args=["voluntary-principles", "initech"])
    assert client_for(world.people["named_org"]).get(url).status_code == 404
    assert client_for(world.people["other_org"]).get(url).status_code == 200
