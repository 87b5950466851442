"""The people of the authorisation matrix (tests/conftest.py) and a world of tasks for them: a
review waiting at a step of Acme's contributors, a ratification, an acknowledgement request, a
proposal and a comment thread from Globex, a draft, a document due for review."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from coalition.accounts.models import User
from coalition.drafting import services as drafting
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role

BODY = """# Principles

## Scope

These principles apply to every service a member runs.

## Reporting

Members report suspected abuse to the hotline within 24 hours.
"""

PEOPLE = (
    "acme_admin",
    "acme_editor",
    "acme_contributor",
    "acme_reader",
    "acme_signatory",
    "globex_admin",
    "secretariat_admin",
    "outsider",
)


@pytest.fixture
def people(
    acme_admin: User,
    acme_editor: User,
    acme_contributor: User,
    acme_reader: User,
    acme_signatory: User,
    globex_admin: User,
    secretariat_admin: User,
    outsider: User,
) -> dict[str, User]:
    return {
        "acme_admin": acme_admin,
        "acme_editor": acme_editor,
        "acme_contributor": acme_contributor,
        "acme_reader": acme_reader,
        "acme_signatory": acme_signatory,
        "globex_admin": globex_admin,
        "secretariat_admin": secretariat_admin,
        "outsider": outsider,
    }


@pytest.fixture
def make_document(acme: Organisation, acme_editor: User) -> Callable[..., Document]:
    """An Acme document written by its editor: coalition-wide TLP:GREEN principles unless told."""

    def make(
        *,
        title: str = "Shared principles",
        kind: str = Document.Kind.PRINCIPLES,
        audience: str = Audience.COALITION,
        tlp: str = TLP.GREEN,
        publish: bool = False,
        by: User | None = None,
        **extra: Any,
    ) -> Document:
        author = by or acme_editor
        document = library.create_document(
            acting_user=author, owner=acme, title=title, kind=kind, body=BODY, audience=audience, tlp=tlp, **extra
        )
        if publish:
            drafting.publish(acting_user=author, document=document)
        document.refresh_from_db()
        return document

    return make


def step(name: str, role: str, *, organisation: Organisation) -> drafting.StepSpec:
    return drafting.StepSpec(name=name, role=role, organisation=organisation)


@pytest.fixture
def review(make_document: Callable[..., Document], acme: Organisation, acme_editor: User) -> Any:
    """A draft whose single review step (Acme's contributors and above) waits; Acme's editor asked."""
    document = make_document(title="Draft under review")
    drafting.set_review_steps(
        acting_user=acme_editor, document=document, steps=[step("Acme check", Role.CONTRIBUTOR, organisation=acme)]
    )
    return drafting.request_review(acting_user=acme_editor, document=document)


@pytest.fixture
def ratification(make_document: Callable[..., Document], acme_editor: User) -> Any:
    document = make_document(title="Principles to ratify", publish=True)
    return drafting.open_ratification(acting_user=acme_editor, document=document)


@pytest.fixture
def acknowledgement(
    make_document: Callable[..., Document], acme_editor: User, acme: Organisation, globex: Organisation
) -> Any:
    document = make_document(title="Guidance to acknowledge", kind=Document.Kind.GUIDANCE, publish=True)
    return drafting.request_acknowledgement(acting_user=acme_editor, document=document, organisations=[acme, globex])


@pytest.fixture
def proposal(make_document: Callable[..., Document], globex_admin: User) -> Any:
    document = make_document(title="Principles open to proposals", publish=True)
    return drafting.propose(
        acting_user=globex_admin,
        document=document,
        anchor="section",
        section="doc-reporting",
        replacement="Members report suspected abuse to the hotline within 12 hours.\n",
        rationale="Faster is safer.",
    )


@pytest.fixture
def thread(make_document: Callable[..., Document], globex_admin: User) -> Any:
    document = make_document(title="Principles open to comment", publish=True)
    return drafting.add_comment(acting_user=globex_admin, document=document, body="Does this cover livestreams?")


@pytest.fixture
def draft(make_document: Callable[..., Document]) -> Document:
    return make_document(title="A draft of mine", audience=Audience.ORGANISATION, tlp=TLP.AMBER)


@pytest.fixture
def due(make_document: Callable[..., Document]) -> Document:
    """Published, its review owner (its author, Acme's editor) due to review it in three days."""
    return make_document(
        title="Policy due for review", publish=True, review_by=timezone.localdate() + datetime.timedelta(days=3)
    )


def work_of(client_for: Callable[[User | None], Client], user: User) -> Any:
    response = client_for(user).get("/")
    assert response.status_code == 200
    return response.context["work"]
