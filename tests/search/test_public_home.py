"""The public home: what a visitor without an account sees first, through the visitors' rule."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.accounts.models import User
from coalition.drafting.models import Endorsement, Ratification
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Audience, Document


def _published(editor: User, owner: Any, title: str, **fields: Any) -> Document:
    document = services.create_document(acting_user=editor, owner=owner, title=title, body="# Text\n\nWords.", **fields)
    return workflow.publish(acting_user=editor, document=Document.objects.get(pk=document.pk))


def _adopt(document: Document, opener: User, endorsers: list[tuple[Any, User, str, bool]]) -> Ratification:
    ratification = Ratification.objects.create(
        document=document,
        revision=document.published_revision,
        quorum=1,
        eligible=len(endorsers),
        state=Ratification.State.ADOPTED,
        opened_by=opener,
        adopted_at=timezone.now(),
    )
    for organisation, signatory, decision, withdrawn in endorsers:
        Endorsement.objects.create(
            ratification=ratification,
            organisation=organisation,
            revision=document.published_revision,
            signatory=signatory,
            decision=decision,
            reason="Not yet." if decision == "decline" else "",
            withdrawn_at=timezone.now() if withdrawn else None,
        )
    return ratification


def test_visitors_see_public_documents_and_adopted_principles(
    client: Any, acme_editor: User, acme: Any, globex: Any, make_org: Any, globex_admin: User
) -> None:
    public = dict(audience=Audience.PUBLIC, tlp=TLP.CLEAR)
    principles = _published(acme_editor, acme, "Shared principles", kind="principles", **public)
    _published(acme_editor, acme, "Open policy", **public)
    _published(acme_editor, acme, "Members only policy", audience=Audience.COALITION, tlp=TLP.GREEN)
    services.create_document(acting_user=acme_editor, owner=acme, title="Public draft", **public)
    initech = make_org("Initech", slug="initech")
    _adopt(
        principles,
        acme_editor,
        [
            (acme, acme_editor, "endorse", False),
            (globex, globex_admin, "decline", False),
            (initech, acme_editor, "endorse", True),
        ],
    )
    secret = _published(acme_editor, acme, "Members principles", kind="principles", audience=Audience.COALITION)
    _adopt(secret, acme_editor, [(acme, acme_editor, "endorse", False)])

    page = client.get("/").content.decode()
    assert "Shared principles" in page and "Open policy" in page
    assert "Members only policy" not in page and "Public draft" not in page and "Members principles" not in page
    adopted = page.partition('id="front-adopted"')[2].partition("</section>")[0]
    assert "Endorsed by" in adopted and "Acme" in adopted
    assert "Globex" not in adopted and "Initech" not in adopted  # declined; withdrawn
    assert 'action="/search/"' in page and "tlp%3Aclear" in page


def test_the_public_home_costs_the_same_queries_for_few_or_many(client: Any, acme_editor: User, acme: Any) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured.captured_queries)

    document = _published(acme_editor, acme, "P 0", kind="principles", audience=Audience.PUBLIC, tlp=TLP.CLEAR)
    _adopt(document, acme_editor, [(acme, acme_editor, "endorse", False)])
    queries()
    few = queries()
    for n in range(1, 12):
        document = _published(acme_editor, acme, f"P {n}", kind="principles", audience=Audience.PUBLIC, tlp=TLP.CLEAR)
        _adopt(document, acme_editor, [(acme, acme_editor, "endorse", False)])
    assert queries() == few


def test_an_empty_portal_says_so(client: Any, db: Any) -> None:
    page = client.get("/").content.decode()
    assert "No principles have been adopted" in page and "Nothing has been published for everyone yet" in page
