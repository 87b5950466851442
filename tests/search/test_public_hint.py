"""The search entries' public hint (Entry.public): kept in step by every service that changes who
reads a document, used by the walk of those whose only audience is the public (a visitor, an
account in no organisation: backends._routes), and never more than a hint: a stale one hides an
entry from them, it never shows one. The suite checks after every test that no hint is out of step
(tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalition import access
from coalition.accounts.models import User
from coalition.drafting.services import comments
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Audience, Document
from coalition.search import backends, index
from coalition.search.models import Entry
from coalition.search.query import parse
from tests.search.test_search import _titles


def _hints(document: Document) -> set[tuple[str, bool]]:
    return set(Entry.objects.filter(document=document).values_list("kind", "public"))


def _fresh(document: Document) -> Document:
    return Document.objects.get(pk=document.pk)


def _published(editor: User, owner: Any, title: str, **kw: Any) -> Document:
    """A document with the word "hotline", published (as loaded again afterwards)."""
    document = services.create_document(acting_user=editor, owner=owner, title=title, body="hotline", **kw)
    workflow.publish(acting_user=editor, document=document)
    return _fresh(document)


def test_every_change_of_who_reads_a_document_moves_its_hint(acme_editor: User, acme: Any, outsider: User) -> None:
    visitor = AnonymousUser()
    doc = services.create_document(
        acting_user=acme_editor, owner=acme, title="Hotline guide", body="hotline", tlp=TLP.CLEAR
    )
    comments.add_comment(acting_user=acme_editor, document=doc, body="A hotline remark.")
    assert _hints(doc) == {("document", False), ("comment", False)}
    # Shared with the public while a draft: not public yet.
    services.share(acting_user=acme_editor, document=_fresh(doc), audience=Audience.PUBLIC)
    assert _hints(doc) == {("document", False), ("comment", False)}
    assert _titles(visitor, "hotline") == []
    # Published: the document and what was said on the published revision.
    workflow.publish(acting_user=acme_editor, document=_fresh(doc))
    assert _hints(doc) == {("document", True), ("comment", True)}
    assert _titles(visitor, "hotline") == ["Hotline guide", "Hotline guide"]
    assert _titles(outsider, "hotline") == ["Hotline guide", "Hotline guide"]
    # Kept to the coalition, then public again.
    services.share(acting_user=acme_editor, document=_fresh(doc), audience=Audience.COALITION)
    assert _hints(doc) == {("document", False), ("comment", False)}
    assert _titles(visitor, "hotline") == [] and _titles(outsider, "hotline") == []
    services.share(acting_user=acme_editor, document=_fresh(doc), audience=Audience.PUBLIC)
    assert _hints(doc) == {("document", True), ("comment", True)}
    # A new working draft: the public hint is on both the published text and the draft's entry
    # (whose readers the predicate decides), so the visitor finds the published words only.
    services.save_revision(acting_user=acme_editor, document=doc, body="hotline draft", base_number=1)
    assert set(Entry.objects.filter(document=doc, kind="document").values_list("variant", "public")) == {
        ("working", True),
        ("published", True),
    }
    assert _titles(visitor, "draft") == []
    # Archived: still public. Back to draft: no longer.
    services.set_status(acting_user=acme_editor, document=_fresh(doc), status="archived")
    assert _hints(doc) == {("document", True), ("comment", True)}
    assert _titles(visitor, "hotline") == ["Hotline guide", "Hotline guide"]
    services.share(acting_user=acme_editor, document=_fresh(doc), audience=Audience.COALITION)
    services.set_status(acting_user=acme_editor, document=_fresh(doc), status="draft")
    assert _hints(doc) == {("document", False), ("comment", False)}
    assert not index.out_of_step(Entry.objects.all()).exists()


def test_relabelling_takes_a_document_out_of_the_public_hint(acme_editor: User, acme: Any) -> None:
    # A public document is TLP:CLEAR (the TLP rules): relabelled, it is kept to the organisation first.
    doc = services.create_document(
        acting_user=acme_editor, owner=acme, title="Guide", body="hotline", tlp=TLP.CLEAR, audience=Audience.PUBLIC
    )
    workflow.publish(acting_user=acme_editor, document=doc)
    assert _hints(doc) == {("document", True)}
    services.share(acting_user=acme_editor, document=_fresh(doc), audience=Audience.ORGANISATION)
    services.relabel(acting_user=acme_editor, document=_fresh(doc), tlp=TLP.RED)
    assert _hints(doc) == {("document", False)}
    # The hint follows the database, not the caller's copy of the document.
    Document.objects.filter(pk=doc.pk).update(tlp=TLP.CLEAR, audience=Audience.PUBLIC)
    index.access_changed(doc)
    assert _hints(doc) == {("document", True)}


@pytest.mark.stale_search_hint
def test_a_stale_hint_never_shows_what_the_person_may_not_read(acme_editor: User, acme: Any, outsider: User) -> None:
    members_only = _published(acme_editor, acme, "Members' hotline notes", audience=Audience.COALITION)
    public = _published(acme_editor, acme, "Public guide", tlp=TLP.CLEAR, audience=Audience.PUBLIC)
    # Both hints wrong, as a service that forgot to keep them would leave them.
    Entry.objects.filter(document=members_only).update(public=True)
    Entry.objects.filter(document=public).update(public=False)
    for person in (AnonymousUser(), outsider):
        assert "Members' hotline notes" not in _titles(person, "hotline")
        assert [title for _, title in backends.suggest(person, "hotl")] in ([], ["Public guide"])
    if connection.vendor == "postgresql":  # SQLite searches FTS5 without the hint
        assert _titles(AnonymousUser(), "hotline") == []  # hidden until the hint is put right
    index.access_changed(public)
    index.access_changed(members_only)
    assert _titles(AnonymousUser(), "hotline") == ["Public guide"]


def test_someone_in_no_organisation_finds_the_public_and_what_is_granted_to_them(
    acme_editor: User, acme: Any, outsider: User, monkeypatch: Any
) -> None:
    public = _published(acme_editor, acme, "Public guide", tlp=TLP.CLEAR, audience=Audience.PUBLIC)
    granted = _published(acme_editor, acme, "Granted notes", audience=Audience.COALITION)
    _published(acme_editor, acme, "Members' notes", audience=Audience.COALITION)
    both = _published(acme_editor, acme, "Public and granted", tlp=TLP.CLEAR, audience=Audience.PUBLIC)
    red = services.create_document(
        acting_user=acme_editor, owner=acme, title="Red notes", body="hotline draft", tlp=TLP.RED
    )
    for document in (granted, both, red):
        services.grant(acting_user=acme_editor, document=_fresh(document), level="view", user=outsider)
    assert access.audience_is_public_only(outsider) and access.audience_is_public_only(AnonymousUser())
    assert not access.audience_is_public_only(acme_editor)
    person = User.objects.get(pk=outsider.pk)
    results = backends.search(person, parse("hotline"), sort="newest", with_facets=True)
    # Newest first across the public entries and the granted ones, each once.
    assert [h.document.title for h in results.hits] == [
        "Red notes",
        "Public and granted",
        "Granted notes",
        "Public guide",
    ]
    assert results.count == 4 and sum(n for _, _, n in results.facets["tlp"]) == 4
    assert {title for _, title in backends.suggest(person, "hotl")} == {
        "Red notes",
        "Public and granted",
        "Granted notes",
        "Public guide",
    }
    assert sorted(_titles(AnonymousUser(), "hotline")) == ["Public and granted", "Public guide"]
    # Beyond the cap, the newest of both kinds.
    monkeypatch.setattr(backends, "COUNT_LIMIT", 2)
    capped = backends.search(person, parse("hotline"), sort="newest")
    assert (capped.count, capped.count_capped) == (2, True)
    assert [h.document.title for h in capped.hits] == ["Red notes", "Public and granted"]
    # A grant revoked counts at once.
    services.revoke_grant(acting_user=acme_editor, document=_fresh(granted), user=outsider)
    monkeypatch.setattr(backends, "COUNT_LIMIT", 1000)
    assert "Granted notes" not in _titles(outsider, "hotline")
    assert public.pk in {h.document.pk for h in backends.search(person, parse("hotline")).hits}


@pytest.mark.parametrize("who", ["visitor", "no organisation"])
def test_the_public_walk_costs_the_same_queries_for_one_result_or_many(
    client_for: Any, acme_editor: User, acme: Any, outsider: User, who: str
) -> None:
    client = client_for(None if who == "visitor" else outsider)
    asked = [
        ("/search/", {"q": "hotline"}),
        ("/search/", {"q": '"hotline guide"', "sort": "newest"}),
        ("/search/suggestions/", {"q": "hotl"}),
    ]

    def publish(n: int) -> None:
        document = _published(acme_editor, acme, f"Hotline guide {n}", tlp=TLP.CLEAR, audience=Audience.PUBLIC)
        if n % 2:
            services.grant(acting_user=acme_editor, document=document, level="view", user=outsider)

    def queries() -> list[int]:
        counts = []
        for path, params in asked:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path, params).status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    publish(0)
    queries()  # warm
    one = queries()
    for n in range(1, 25):
        publish(n)
    assert queries() == one
    assert "25 results" in client.get("/search/", {"q": "hotline"}).content.decode()
