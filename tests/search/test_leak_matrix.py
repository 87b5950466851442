"""Search finds, for every person of the library's authorisation matrix, exactly what they may read:
every document at every audience x TLP label x status, and of each only the revision they read.

The world is the library matrix's (tests/library/test_access_matrix.py): documents with a first and
a second revision, the second published where the document is out. Here each document that may be
edited also gets a third revision, a working draft, with a word of its own. The expected sets come
from that module's reference rules (`may_read`, `may_see_drafts`), never from the access module:

- the draft's word: found by those who may read the document and see its working copy;
- the published text's word: found by those who read the document and not its working copy (and,
  where no draft was made, by every reader);
- a word of every title: found by every reader;
- a comment's word, on the second revision: found by readers of the document who read that
  revision (every reader once it is published, otherwise those who see the working copy);
- a proposal's word, on the working draft: found by those who see the working copy;
in the results, the count, the snippets, the facets, the suggestions, "did you mean" and the page.
On SQLite and PostgreSQL (CI runs both)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from coalition.accounts.models import User
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library import services
from coalition.search import backends
from coalition.search.query import parse
from tests.library.test_access_matrix import (
    DOCS,
    VIEWERS,
    Doc,
    Viewer,
    World,
    _client,
    may_read,
    may_see_drafts,
    world,
)

__all__ = ["world"]  # the matrix's module fixture, built again for this module

DRAFT_WORD = "zephyrdraft"
PUBLISHED_WORD = "revised"  # in SECOND_TEXT, the published revision
TITLE_WORD = "document"  # every title is "Document <key>"
COMMENT_WORD = "zephyrremark"  # a comment on revision 2 of every document
PROPOSAL_WORD = "zephyrproposal"  # a proposal on the working draft (revision 3)


@pytest.fixture(scope="module")
def drafted(world: World, django_db_blocker: Any) -> Iterator[set[str]]:
    """The keys of the documents given a working draft (revision 3) with the draft's word."""
    keys = set()
    author = User.objects.get(email="author@acme.example")
    with django_db_blocker.unblock():
        for key, document in world.documents.items():
            try:
                with transaction.atomic():
                    services.save_revision(
                        acting_user=author,
                        document=document,
                        body=f"# Scope\n\nA working draft: {DRAFT_WORD}.",
                        base_number=2,
                    )
            except (AccessDenied, ServiceError):
                continue  # archived: read, not edited
            keys.add(key)
        _discuss(world, author, keys)
    assert keys, "some documents take a draft"
    yield keys


def _discuss(world: World, author: Any, drafted: set[str]) -> None:
    """A comment on revision 2 of every document and a proposal on each working draft, written
    straight to the tables (the services would refuse some of them: an archived document, say)
    and indexed as the services index them."""
    from coalition.drafting.models import Comment, Proposal
    from coalition.search import index

    items: list[Any] = []
    for key, document in world.documents.items():
        second = document.revisions.get(number=2)
        items.append(
            Comment.objects.create(
                document=document,
                revision=second,
                author=author,
                organisation_id=document.owner_id,
                body=f"A remark: {COMMENT_WORD}.",
                html=f"<p>A remark: {COMMENT_WORD}.</p>",
            )
        )
        if key in drafted:
            items.append(
                Proposal.objects.create(
                    document=document,
                    revision=document.revisions.get(number=3),
                    author=author,
                    organisation_id=document.owner_id,
                    anchor="quote",
                    quote="A working draft",
                    original="A working draft",
                    replacement="A better draft",
                    rationale=f"Clearer: {PROPOSAL_WORD}.",
                )
            )
    for item in items:
        item.document = world.documents[next(k for k, d in world.documents.items() if d.pk == item.document_id)]
    index.index_discussion(items)


def _second_published(world: World) -> set[str]:
    return {
        key
        for key, document in world.documents.items()
        if document.revisions.filter(number=2, published_at__isnull=False).exists()
    }


def _person(world: World, viewer: Viewer) -> Any:
    return AnonymousUser() if viewer.role is None else User.objects.get(pk=world.people[viewer.key].pk)


def _found(world: World, viewer: Viewer, text: str) -> set[str]:
    ids = set(backends.matching(_person(world, viewer), parse(text)).values_list("document_id", flat=True))
    keys = {key for key, document in world.documents.items() if document.pk in ids}
    assert len(keys) == len(ids), "only matrix documents match"
    return keys


def _expected(viewer: Viewer, word: str, drafted: set[str], published: set[str] | None = None) -> set[str]:
    def reads_draft(d: Doc) -> bool:
        return d.key in drafted and may_see_drafts(viewer, d)

    readable = [d for d in DOCS if may_read(viewer, d)]
    if word == COMMENT_WORD:
        assert published is not None
        return {d.key for d in readable if d.key in published or may_see_drafts(viewer, d)}
    if word == PROPOSAL_WORD:
        return {d.key for d in readable if reads_draft(d)}
    if word == DRAFT_WORD:
        return {d.key for d in readable if reads_draft(d)}
    if word == PUBLISHED_WORD:
        # A draft never published has no published text; its readers all see the working copy.
        return {d.key for d in readable if not reads_draft(d)}
    return {d.key for d in readable}


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.key)
def test_each_person_finds_exactly_the_texts_they_read(
    world: World, drafted: set[str], viewer: Viewer, db: Any
) -> None:
    published = _second_published(world)
    for word in (DRAFT_WORD, PUBLISHED_WORD, TITLE_WORD, COMMENT_WORD, PROPOSAL_WORD):
        assert _found(world, viewer, word) == _expected(viewer, word, drafted, published), word


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.key)
def test_comments_and_proposals_are_found_where_they_may_be_read(
    world: World, drafted: set[str], viewer: Viewer, db: Any
) -> None:
    published = _second_published(world)
    for word, kind in ((COMMENT_WORD, "comment"), (PROPOSAL_WORD, "proposal")):
        expected = _expected(viewer, word, drafted, published)
        results = backends.search(_person(world, viewer), parse(word), with_facets=True)
        assert results.count == len(expected), word
        assert {h.kind for h in results.hits} <= {kind}
        assert {h.document.title.removeprefix("Document ") for h in results.hits} == expected
        assert all(word in h.snippet for h in results.hits)
        assert sum(n for _, _, n in results.facets.get("type", [])) == len(expected)
        # Titles are suggested from documents, never from what was said about them.
        assert backends.suggest(_person(world, viewer), word[:-2]) == []


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.key)
def test_the_results_page_count_and_snippets_say_no_more(
    world: World, drafted: set[str], viewer: Viewer, db: Any
) -> None:
    expected = _expected(viewer, DRAFT_WORD, drafted)
    results = backends.search(_person(world, viewer), parse(DRAFT_WORD), with_facets=True)
    assert results.count == len(expected)
    # Facets count the readable results only: every facet adds up to the count (one value each).
    for name in ("kind", "tlp", "status", "language", "owner", "year"):
        assert sum(n for _, _, n in results.facets.get(name, [])) == len(expected), name
    assert {h.document.title.removeprefix("Document ") for h in results.hits} == expected
    assert all(DRAFT_WORD in h.snippet for h in results.hits)
    # Suggestions while typing the draft's word: titles of readable documents only.
    suggested = {title.removeprefix("Document ") for _, title in backends.suggest(_person(world, viewer), "zephyrdr")}
    assert suggested <= expected and len(suggested) == min(len(expected), backends.SUGGESTIONS)
    page = _client(world, viewer).get("/search/", {"q": DRAFT_WORD}).content.decode()
    listed = page.partition('<ol class="search-results"')[2].partition("</ol>")[0]
    assert (f"<mark>{DRAFT_WORD}</mark>" in listed) == bool(expected)
    assert ("Nothing you can read matches" in page) == (not expected)
    for key, document in world.documents.items():
        assert (f'href="/library/{document.pk}/"' in page) == (key in expected), key


def test_the_matrix_covers_drafts_readers_and_outsiders(drafted: set[str]) -> None:
    # Somebody finds the draft's word and somebody else the published word of the same document.
    assert any(_expected(v, DRAFT_WORD, drafted) for v in VIEWERS)
    assert any(
        _expected(v, PUBLISHED_WORD, drafted) & drafted and not _expected(v, DRAFT_WORD, drafted) for v in VIEWERS
    )
    assert any(not _expected(v, TITLE_WORD, drafted) - {d.key for d in DOCS if d.audience == "public"} for v in VIEWERS)


def test_saved_search_alerts_reach_exactly_those_who_read_the_matching_text(
    world: World, drafted: set[str], db: Any
) -> None:
    """Everyone of the matrix saves a search for the draft's word; every document is then matched
    as if it had just changed. Each person is alerted about exactly the documents whose working
    copy they read, and the alert says no more than the document's title to anyone else."""
    from coalition.notifications.models import Notification, Preference
    from coalition.search import alerts
    from coalition.search.models import SavedSearch

    people = {v.key: world.people[v.key] for v in VIEWERS if v.role is not None}
    SavedSearch.objects.bulk_create([SavedSearch(user=person, text=DRAFT_WORD) for person in people.values()])
    # The inbox is what is checked here; emails follow the notifications' own tested rules.
    Preference.objects.bulk_create([Preference(user=p, kind="saved_search", mode="off") for p in people.values()])
    alerts.alert_saved_searches([document.pk for document in world.documents.values()])
    by_person: dict[int, set[int]] = {}
    for recipient, document_id in Notification.objects.filter(kind="saved_search").values_list(
        "recipient_id", "document_id"
    ):
        by_person.setdefault(recipient, set()).add(document_id)
    for viewer in VIEWERS:
        if viewer.role is None:
            continue
        person = people[viewer.key]
        expected = {world.documents[key].pk for key in _expected(viewer, DRAFT_WORD, drafted)}
        if not person.is_active:
            expected = set()
        assert by_person.get(person.pk, set()) == expected, viewer.key
    # Matching again alerts nobody twice.
    before = Notification.objects.filter(kind="saved_search").count()
    alerts.alert_saved_searches([document.pk for document in world.documents.values()])
    assert Notification.objects.filter(kind="saved_search").count() == before


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.key)
def test_did_you_mean_offers_only_words_the_person_may_read(
    world: World, drafted: set[str], viewer: Viewer, db: Any
) -> None:
    from coalition.search import spelling

    published = _second_published(world)
    person = _person(world, viewer)
    for typo, word in (("zephyrdraff", DRAFT_WORD), ("zephyremark", COMMENT_WORD), ("zephyrproposl", PROPOSAL_WORD)):
        expected = _expected(viewer, word, drafted, published)
        assert spelling.did_you_mean(person, typo) == (word if expected else None), typo
    page = _client(world, viewer).get("/search/", {"q": "zephyrdraff"}).content.decode()
    assert ("Did you mean" in page) == bool(_expected(viewer, DRAFT_WORD, drafted))
