"""The principles world: the reporting cast (tests/conftest.py: Acme reports; Globex is named in
audiences, Umbrella is in a named community, Initech is another member nothing is shared with; the
secretariat; an outsider) and Acme's records.

Acme has one record per audience x TLP label the rules allow (records never carry TLP:RED), each
for its own principle of the Voluntary Principles in the current cycle, with a secret marker in
the evidence of every record that is not TLP:CLEAR."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from coalition.core import markdown
from coalition.organisations.models import Community, Organisation
from coalition.principles.models import Framework, ImplementationRecord, Principle
from tests.conftest import Cast, cycle

AUDIENCES = ("organisation", "named", "coalition", "public")
RECORD_TLPS = ("clear", "green", "amber", "amber_strict")
CASES = [(a, t) for a, t in itertools.product(AUDIENCES, RECORD_TLPS) if a != "public" or t == "clear"]
RESULTS = ("implemented", "partially", "not_implemented", "implemented", "not_applicable")


def marker(record: ImplementationRecord) -> str:
    return f"SECRET-MARKER-{record.audience}-{record.tlp}-{record.pk}"


@dataclass
class World(Cast):
    records: dict[tuple[str, str], ImplementationRecord]
    framework: Framework
    principles: list[Principle]


def make_record(
    organisation: Organisation,
    principle: Principle,
    *,
    audience: str = "organisation",
    tlp: str = "amber_strict",
    result: str = "implemented",
    cycle_year: int | None = None,
    named: list[Organisation] | None = None,
    communities: list[Community] | None = None,
    evidence: str = "",
) -> ImplementationRecord:
    record = ImplementationRecord.objects.create(
        organisation=organisation,
        principle=principle,
        cycle=cycle_year or cycle(),
        result=result,
        maturity=2,
        audience=audience,
        tlp=tlp,
        evidence=evidence,
        evidence_html=markdown.render(evidence),
    )
    if audience == "named":
        record.audience_organisations.set(named or [])
        record.audience_communities.set(communities or [])
    return record


@pytest.fixture
def world(reporting_cast: Cast) -> World:
    acme, globex, community = reporting_cast.acme, reporting_cast.globex, reporting_cast.community
    framework = Framework.objects.get(slug="voluntary-principles")
    principles = list(framework.principles.order_by("order"))
    # One principle per case: the Voluntary Principles' 11, then Safety by Design's.
    every = principles + list(Principle.objects.filter(framework__slug="safety-by-design").order_by("order"))
    records = {}
    for (audience, tlp), principle in zip(CASES, every, strict=False):
        # The named records name Globex and the community Umbrella is in.
        record = make_record(acme, principle, audience=audience, tlp=tlp, named=[globex], communities=[community])
        if tlp != "clear":
            record.evidence = f"Our work, see {marker(record)}"
            record.evidence_html = markdown.render(record.evidence)
            record.save(update_fields=["evidence", "evidence_html"])
        records[(audience, tlp)] = record
    return World(**vars(reporting_cast), records=records, framework=framework, principles=principles)


def may_read(viewer: str, audience: str, tlp: str) -> bool:
    """Written from docs/principles.md, never from the access module."""
    if audience == "public" and tlp == "clear":
        return True
    if viewer in ("admin", "editor", "contributor", "reader"):
        return True
    if viewer in ("anonymous", "outsider"):
        return False
    if audience == "coalition":
        return True
    if audience == "named":
        return viewer in ("named_org", "community_org")
    return False


def may_write(viewer: str) -> bool:
    return viewer in ("admin", "editor")


def client_as(client_for: Callable[[Any], Any], world: World, viewer: str) -> Any:
    return client_for(world.people[viewer])
