"""The matrix's heat map by maturity, year-on-year change (only between cells the viewer may read
in both cycles), and suppression that a difference between filters cannot undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.principles import selectors
from tests.principles.conftest import World, cycle, make_record

pytestmark = pytest.mark.django_db


def _matrix(client: Any, **params: Any) -> str:
    response = client.get(reverse("principles:matrix", args=["voluntary-principles"]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_heat_map_by_maturity_colours_and_writes_the_level(world: World, client_for: Callable[..., Any]) -> None:
    client = client_for(world.people["reader"])
    by_result = _matrix(client)
    by_maturity = _matrix(client, by="maturity")
    assert 'class="r-implemented"' in by_result and 'class="m-2"' not in by_result
    assert 'class="m-2"' in by_maturity and ">M2 <span" in by_maturity
    assert "Maturity colours" in by_maturity
    assert 'class="r-implemented"' not in _matrix(client, by="nonsense").split("<tbody>")[0]


def test_year_on_year_change_shows_only_between_readable_cells(world: World, client_for: Callable[..., Any]) -> None:
    p9, p10 = world.principles[8], world.principles[9]
    # Globex improved on P9, shared with the coalition both years.
    make_record(world.globex, p9, audience="coalition", tlp="green", result="partially", cycle_year=cycle() - 1)
    make_record(world.globex, p9, audience="coalition", tlp="green", result="implemented")
    # On P10 it got worse, but last year's record stays within Globex.
    make_record(world.globex, p10, result="implemented", cycle_year=cycle() - 1)
    make_record(world.globex, p10, audience="coalition", tlp="green", result="partially")
    before = cycle() - 1
    other = _matrix(client_for(world.people["other_org"]))
    assert f"(Implemented, maturity 2; better than in {before})" in _cell(other, "Globex, P9")
    assert "(Partially implemented, maturity 2)</span>" in _cell(other, "Globex, P10")  # nothing about last year
    assert f"worse than in {before}" not in other
    own = _matrix(client_for(world.people["named_org"]))
    assert f"(Partially implemented, maturity 2; worse than in {before})" in _cell(own, "Globex, P10")


def _cell(page: str, name: str) -> str:
    """The link of one cell: the words a screen reader hears around its visible text."""
    start = page.index(f'<span class="visually-hidden">{name}: </span>')
    return page[start : page.index("</a>", start)]


def test_previous_cycle_aggregates_are_suppressed_alike(
    world: World, make_org: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    p1 = world.principles[0]
    for n in range(3):
        org = make_org(f"Reporter {n}", slug=f"reporter-{n}")
        make_record(org, p1, audience="coalition", tlp="green", result="implemented")
        if n < 2:
            make_record(org, p1, audience="coalition", tlp="green", result="partially", cycle_year=cycle() - 1)
    page = client_for(world.people["other_org"]).get(reverse("principles:matrix", args=["voluntary-principles"]))
    principle, now, then = page.context["matrix"].previous_list[0]
    assert principle == p1 and not now.suppressed and then.suppressed
    assert "3 of 3 organisations implement P1" in page.content.decode()


@pytest.fixture
def kinds(world: World, make_org: Callable[..., Any]) -> None:
    """P1 shared with the coalition by 3 members, 3 partners and 1 government organisation."""
    p1 = world.principles[0]
    for kind, count in (("member", 3), ("partner", 3), ("government", 1)):
        for n in range(count):
            org = make_org(f"{kind} {n}", slug=f"{kind}-{n}", kind=kind)
            make_record(org, p1, audience="coalition", tlp="green", result="implemented" if n else "partially")


def _aggregate(world: World, kind: str = "") -> selectors.Aggregate:
    p1 = world.principles[0]
    return selectors.aggregates(world.people["other_org"], cycle=cycle(), principle_ids=[p1.pk], kind=kind)[p1.pk]


def test_a_filter_cannot_reveal_a_suppressed_kind_by_difference(world: World, kinds: None) -> None:
    whole = _aggregate(world)
    assert (whole.contributing, whole.suppressed) == (7, False)
    assert _aggregate(world, "government").suppressed  # one organisation
    # Showing both members (3) and partners (3) beside the whole (7) would give the government's
    # answer as 7 - 3 - 3: one of them is suppressed too, so what is left out is 4 organisations.
    shown = [kind for kind in ("member", "partner") if not _aggregate(world, kind).suppressed]
    assert len(shown) == 1
    left_out = whole.contributing - sum(_aggregate(world, kind).contributing for kind in shown)
    assert left_out >= 3


def test_a_lone_small_kind_suppresses_the_complement_too(world: World, make_org: Callable[..., Any]) -> None:
    p1 = world.principles[0]
    for n in range(3):
        make_record(make_org(f"M {n}", slug=f"m-{n}"), p1, audience="coalition", tlp="green")
    make_record(make_org("Gov", slug="gov", kind="government"), p1, audience="coalition", tlp="green")
    assert not _aggregate(world).suppressed  # 4 organisations
    assert _aggregate(world, "government").suppressed
    assert _aggregate(world, "member").suppressed  # else 4 - 3 gives the government's answer


def test_an_organisation_page_shows_change_only_where_both_years_are_readable(
    world: World, client_for: Callable[..., Any]
) -> None:
    p9, p10 = world.principles[8], world.principles[9]
    make_record(world.globex, p9, audience="coalition", tlp="green", result="partially", cycle_year=cycle() - 1)
    make_record(world.globex, p9, audience="coalition", tlp="green", result="implemented")
    make_record(world.globex, p10, result="implemented", cycle_year=cycle() - 1)  # Globex only
    make_record(world.globex, p10, audience="coalition", tlp="green", result="partially")
    url = reverse("principles:organisation", args=["voluntary-principles", "globex"])
    other = client_for(world.people["other_org"]).get(url)
    rows = {p.code: change for p, _record, change in other.context["rows"]}
    assert (rows["P9"], rows["P10"]) == (1, None)
    own = client_for(world.people["named_org"]).get(url)
    assert {p.code: change for p, _record, change in own.context["rows"]}["P10"] == -1
