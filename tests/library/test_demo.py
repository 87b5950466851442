"""The demo library: seeded through the services, idempotent, varied, and still private where it says so."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from coalition import access
from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.demo.library import DOCUMENTS
from coalition.library.models import (
    TLP,
    Audience,
    Document,
    DocumentGroupGrant,
    DocumentUserGrant,
    Revision,
    Topic,
)
from coalition.organisations.models import Organisation


@pytest.fixture
def seeded(db: Any, settings: Any) -> str:
    settings.DEMO_DATA = True  # seed_demo refuses to run outside development otherwise
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _state() -> tuple[int, ...]:
    return (
        Document.objects.count(),
        Revision.objects.count(),
        Topic.objects.count(),
        DocumentUserGrant.objects.count(),
        DocumentGroupGrant.objects.count(),
        AuditEvent.objects.count(),
    )


def test_seeding_twice_creates_nothing_the_second_time(seeded: str) -> None:
    assert f"Library: {len(DOCUMENTS)} demo documents created" in seeded
    assert "Drafting: 3 demo drafting rounds created" in seeded
    before = _state()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 new rows, 0 new documents" in out.getvalue()
    assert _state() == before


def test_the_library_covers_every_label_audience_kind_status_and_owner(seeded: str) -> None:
    documents = Document.objects.all()
    assert set(documents.values_list("tlp", flat=True)) == set(TLP.values)
    assert set(documents.values_list("audience", flat=True)) == set(Audience.values)
    assert set(documents.values_list("kind", flat=True)) == set(Document.Kind.values)
    assert {"draft", "published", "archived"} <= set(documents.values_list("status", flat=True))
    owners = set(documents.values_list("owner_id", flat=True))
    # Every organisation owns documents, but the oversight body, which audits access and shares nothing.
    assert owners == set(Organisation.objects.filter(oversight_body=False).values_list("pk", flat=True))
    # TLP 2.0 as the portal enforces it: public only CLEAR, RED only to named people.
    assert not documents.filter(audience=Audience.PUBLIC).exclude(tlp=TLP.CLEAR).exists()
    red = documents.filter(tlp=TLP.RED)
    assert not red.exclude(audience=Audience.ORGANISATION).exists()
    assert not DocumentGroupGrant.objects.filter(content_object__in=red).exists()
    assert all(DocumentUserGrant.objects.filter(content_object=d).count() > 1 for d in red)
    # Every document has its text, some have a history, and some are co-drafted.
    assert not documents.filter(current_revision__isnull=True).exists()
    assert Revision.objects.filter(number__gte=3).exists()
    assert documents.filter(co_drafters__isnull=False).exists()


def test_a_reader_sees_a_living_library_but_not_another_companys_private_documents(seeded: str) -> None:
    cian = User.objects.get(email="cian@bluepeak.example")  # reader at Bluepeak Video
    leo = User.objects.get(email="leo@northwind.example")  # reader at Northwind Social
    for reader, other in ((cian, "northwind"), (leo, "bluepeak")):
        private = Document.objects.filter(owner__slug=other, audience=Audience.ORGANISATION)
        assert private.exists()
        visible = access.visible(reader, Document.objects.all(), access.Action.VIEW_DOCUMENT)
        assert not visible.filter(pk__in=private).exists()
        assert not any(access.can(reader, access.Action.VIEW_DOCUMENT, d) for d in private)
        assert 20 < visible.count() < Document.objects.count()
    anonymous = access.visible(AnonymousUser(), Document.objects.all(), access.Action.VIEW_DOCUMENT)
    assert set(anonymous.values_list("audience", "tlp").distinct()) == {(Audience.PUBLIC, TLP.CLEAR)}


def test_the_numbers_readme_gives_for_the_demo_are_true(seeded: str) -> None:
    """README tells a new user what each demo login sees; parsed here, so README and data cannot drift."""
    import re
    from pathlib import Path

    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    match = re.search(
        r"The demo library holds (\d+) documents \((\d+) across .*? and the (\d+) drafting rounds below\),"
        r".*?an editor at Northwind sees (\d+), a reader at the Ministry (\d+), a visitor without an account"
        r" the (\d+) public ones",
        readme,
    )
    assert match, "README no longer states the demo counts in the sentence this test reads"
    total, library, rounds, editor, reader, visitor = map(int, match.groups())
    assert f"Library: {library} demo documents created" in seeded
    assert f"Drafting: {rounds} demo drafting rounds created" in seeded
    assert Document.objects.count() == total == library + rounds
    seen = {
        email: access.visible(User.objects.get(email=email), Document.objects.all(), "document.view").count()
        for email in ("owen@northwind.example", "henry@mda.example")
    }
    assert seen == {"owen@northwind.example": editor, "henry@mda.example": reader}
    assert access.visible(AnonymousUser(), Document.objects.all(), "document.view").count() == visitor
    assert "owen@northwind.example | Northwind Social | editor" in readme
    assert "henry@mda.example | Ministry of Digital Affairs | reader" in readme
