"""The crosswalk and self-assessment world: Acme reports (its admin, editor, contributor, reader);
Globex is named in audiences, Umbrella is in a named community, Initech is another member; the
secretariat's staff; an outsider; an anonymous visitor. Three small frameworks A, B and C let the
inference tests set every relation by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from coalition.accounts.models import User
from coalition.assessments.models import Crosswalk, CrosswalkLink, Questionnaire
from coalition.organisations.models import Community, Organisation, Role
from coalition.principles.models import Framework, ImplementationRecord, Principle
from tests.conftest import enrol_totp


def cycle() -> int:
    return timezone.localdate().year


@dataclass
class World:
    acme: Organisation
    globex: Organisation
    umbrella: Organisation
    initech: Organisation
    community: Community
    people: dict[str, User | None]
    questionnaire: Questionnaire
    crosswalk: Crosswalk  # the seeded Voluntary Principles -> Safety by Design


@pytest.fixture
def world(make_org: Callable[..., Organisation], make_member: Callable[..., User], outsider: User) -> World:
    acme = make_org("Acme", slug="acme")
    globex = make_org("Globex", slug="globex")
    umbrella = make_org("Umbrella", slug="umbrella", kind=Organisation.Kind.PARTNER)
    initech = make_org("Initech", slug="initech")
    secretariat = make_org("Coalition Secretariat", slug="secretariat", kind=Organisation.Kind.SECRETARIAT)
    community = Community.objects.create(name="Research group", slug="research")
    community.organisations.set([umbrella])
    people: dict[str, User | None] = {
        "admin": make_member(acme, Role.ADMIN, email="admin@acme.example"),
        "editor": make_member(acme, Role.EDITOR, email="editor@acme.example"),
        "contributor": make_member(acme, Role.CONTRIBUTOR, email="contributor@acme.example"),
        "reader": make_member(acme, Role.READER, email="reader@acme.example"),
        "named_org": make_member(globex, Role.ADMIN, email="admin@globex.example"),
        "community_org": make_member(umbrella, Role.EDITOR, email="editor@umbrella.example"),
        "other_org": make_member(initech, Role.ADMIN, email="admin@initech.example"),
        "secretariat": make_member(secretariat, Role.EDITOR, email="staff@secretariat.example"),
        "outsider": outsider,
        "anonymous": None,
    }
    for key in ("admin", "named_org", "other_org", "secretariat"):
        enrol_totp(people[key])  # type: ignore[arg-type]
    return World(
        acme,
        globex,
        umbrella,
        initech,
        community,
        people,
        Questionnaire.objects.get(slug="safety-by-design"),
        Crosswalk.objects.get(slug="voluntary-principles-to-safety-by-design"),
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
