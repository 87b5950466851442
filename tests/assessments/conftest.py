"""The crosswalk and self-assessment world: the reporting cast (tests/conftest.py: Acme reports;
Globex is named in audiences, Umbrella is in a named community, Initech is another member; the
secretariat's staff; an outsider; an anonymous visitor), the seeded questionnaire and crosswalk.
Three small frameworks A, B and C let the inference tests set every relation by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from coalition.assessments.models import Crosswalk, CrosswalkLink, Questionnaire
from coalition.organisations.models import Organisation
from coalition.principles.models import Framework, ImplementationRecord, Principle
from tests.conftest import Cast, cycle


@dataclass
class World(Cast):
    questionnaire: Questionnaire
    crosswalk: Crosswalk  # the seeded Voluntary Principles -> Safety by Design


@pytest.fixture
def world(reporting_cast: Cast) -> World:
    return World(
        **vars(reporting_cast),
        questionnaire=Questionnaire.objects.get(slug="safety-by-design"),
        crosswalk=Crosswalk.objects.get(slug="voluntary-principles-to-safety-by-design"),
    )


@dataclass
class Frameworks:
    a: Framework
    b: Framework
    c: Framework
    p: dict[str, Principle]  # "A1" ... "C3"


@pytest.fixture
def frameworks(db: Any) -> Frameworks:
    made = {}
    principles = {}
    for order, letter in enumerate("ABC", start=10):
        framework = Framework.objects.create(name=f"Framework {letter}", slug=f"fw-{letter.lower()}", order=order)
        made[letter] = framework
        for n in range(1, 4):
            code = f"{letter}{n}"
            principles[code] = Principle.objects.create(
                framework=framework, code=code, title=f"Principle {code}", order=n
            )
    return Frameworks(made["A"], made["B"], made["C"], principles)


def crosswalk(fw: Frameworks, source: Framework, target: Framework, links: list[tuple[str, str, str]]) -> Crosswalk:
    item = Crosswalk.objects.create(
        name=f"{source.name} to {target.name}", slug=f"{source.slug}-to-{target.slug}", source=source, target=target
    )
    for code_from, relation, code_to in links:
        CrosswalkLink.objects.create(
            crosswalk=item, source=fw.p[code_from], target=fw.p[code_to], relation=relation, rationale="Because."
        )
    return item


def record(organisation: Organisation, principle: Principle, result: str, **extra: Any) -> ImplementationRecord:
    return ImplementationRecord.objects.create(
        organisation=organisation, principle=principle, cycle=extra.pop("cycle", cycle()), result=result, **extra
    )
