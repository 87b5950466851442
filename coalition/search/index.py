"""Keeping the index in step with the library. The services that change what a document says (a
revision saved or restored, a proposal accepted, publication, its title, summary, topics or
language) call index_document() in their own transaction, and those that write a comment or a
proposal call index_comment() or index_proposal(); those that change who reads it (a share, a
relabel, a change of status) call access_changed(), which keeps the entries' public hint in step;
`manage.py search_rebuild` rebuilds the whole index. Who may read a document is never copied here:
the hint only narrows where some searches look (see models.py)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from coalition import access
from coalition.drafting.models import Comment, Proposal
from coalition.library.models import Document, Revision
from coalition.search import alerts, spelling
from coalition.search.models import Entry, Word

CONFIGS = {"en": "english", "fr": "french"}
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def config_for(language: str) -> str:
    """The text search configuration for a document's language (stemming and stop words)."""
    return CONFIGS.get((language or "").split("-")[0].lower(), "simple")


def plain_text(revision: Revision | None) -> str:
    """A revision's words without its markup, from the sanitised HTML rendered when it was saved
    (so `## Scope` is indexed and shown as `Scope`)."""
    if revision is None:
        return ""
    return words_of(revision.html)


def words_of(markup: str) -> str:
    """Sanitised HTML as the plain text it shows."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def _entries_for(document: Document) -> list[Entry]:
    topics = ", ".join(topic.name for topic in document.topics.all())
    common = {
        "document_id": document.pk,
        "title": document.title,
        "summary": document.summary,
        "topics": topics,
        "config": config_for(document.language),
        "public": access.is_public(document),
    }
    current, published = document.current_revision, document.published_revision
    if document.current_revision_id == document.published_revision_id:
        return [Entry(variant=Entry.Variant.ALL, revision_number=_number(current), body=plain_text(current), **common)]
    return [
        Entry(variant=variant, revision_number=_number(revision), body=plain_text(revision), **common)
        for variant, revision in ((Entry.Variant.WORKING, current), (Entry.Variant.PUBLISHED, published))
    ]


def _number(revision: Revision | None) -> int | None:
    return revision.number if revision is not None else None


def _documents(ids: Iterable[int]) -> list[Document]:
    return list(
        Document.objects.filter(pk__in=list(ids))
        .select_related("current_revision", "published_revision")
        .prefetch_related("topics")
        .order_by("pk")
    )


@transaction.atomic
def index_documents(ids: Iterable[int], *, known_words: set[str] | None = None) -> None:
    """(Re)index these documents: their entries are replaced, in the caller's transaction."""
    documents = _documents(ids)
    document_ids = [d.pk for d in documents]
    old = list(
        Entry.objects.filter(document_id__in=document_ids, kind=Entry.Kind.DOCUMENT).values_list("pk", flat=True)
    )
    _backend_forget(old)
    Entry.objects.filter(pk__in=old).delete()
    entries = Entry.objects.bulk_create([entry for document in documents for entry in _entries_for(document)])
    _backend_store(entries, known_words)
    # Discussion on a revision that has since been published is now read by the whole audience.
    Entry.objects.filter(document_id__in=document_ids, variant=Entry.Variant.WORKING).filter(
        Q(comment__revision__published_at__isnull=False) | Q(proposal__revision__published_at__isnull=False)
    ).update(variant=Entry.Variant.ALL)
    # Publication makes the discussion of a public document public too.
    _keep_public_hint(Entry.objects.filter(document_id__in=document_ids).exclude(kind=Entry.Kind.DOCUMENT))


def access_changed(document: Document) -> None:
    """After a document is shared, relabelled or its status changed, in the service's transaction:
    its entries' public hint (models.Entry.public) follows it, in place (the entries keep their ids,
    which is their age for the newest-first walk)."""
    _keep_public_hint(Entry.objects.filter(document_id=document.pk))


def _keep_public_hint(entries: QuerySet[Entry]) -> None:
    """The hint from the document's columns as they are now in the database, in one statement;
    rows already right are not written again."""
    out_of_step(entries).update(public=_public_now())


def out_of_step(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Those of `entries` whose public hint is not what their document is now (none, when every
    service keeps it in step: the test suite checks this after each test)."""
    return entries.exclude(public=_public_now())


def _public_now() -> Exists:
    return Exists(Document.objects.filter(access.public_condition(), pk=OuterRef("document_id")))


def _discussion_entry(item: Comment | Proposal) -> Entry:
    if isinstance(item, Comment):
        kind, text, link = Entry.Kind.COMMENT, words_of(item.html), {"comment_id": item.pk}
    else:
        kind, link = Entry.Kind.PROPOSAL, {"proposal_id": item.pk}
        text = " ".join(part for part in (item.rationale, item.replacement, item.response) if part)
    document, published = item.document, item.revision.published_at is not None
    return Entry(
        kind=kind,
        document_id=document.pk,
        variant=Entry.Variant.ALL if published else Entry.Variant.WORKING,
        revision_number=item.revision.number,
        title="",
        summary=item.section_title,
        body=text,
        config=config_for(document.language),
        **link,
    )


@transaction.atomic
def index_discussion(items: Iterable[Comment | Proposal], *, known_words: set[str] | None = None) -> None:
    """(Re)index these comments and proposals (each with its revision and document loaded)."""
    items = list(items)
    comments = [item.pk for item in items if isinstance(item, Comment)]
    proposals = [item.pk for item in items if isinstance(item, Proposal)]
    old = list(
        Entry.objects.filter(Q(comment_id__in=comments) | Q(proposal_id__in=proposals)).values_list("pk", flat=True)
    )
    _backend_forget(old)
    Entry.objects.filter(pk__in=old).delete()
    entries = Entry.objects.bulk_create([_discussion_entry(item) for item in items])
    # The hint from the documents as the database has them (the items' own may be loaded earlier).
    _keep_public_hint(Entry.objects.filter(pk__in=[entry.pk for entry in entries]))
    _backend_store(entries, known_words)


def index_comment(comment: Comment) -> None:
    """After a comment or reply is written or edited, in the service's transaction."""
    index_discussion([comment])


def index_proposal(proposal: Proposal) -> None:
    """After a proposal is made or answered, in the service's transaction."""
    index_discussion([proposal])


def index_document(document: Document, *, changed_by: Any = None) -> None:
    """Reindex one document after a change, and match the saved searches once it is committed."""
    index_documents([document.pk])
    alerts.document_changed(document, actor=changed_by)


def rebuild(*, batch: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Drop and rebuild the whole index, `batch` documents (then comments, then proposals) per
    transaction; returns how many were indexed."""
    with transaction.atomic():
        _backend_clear()
        Entry.objects.all().delete()
    known_words = set(Word.objects.values_list("text", flat=True))
    total = Document.objects.count() + Comment.objects.count() + Proposal.objects.count()
    done = 0
    for ids in _batches(Document, batch):
        index_documents(ids, known_words=known_words)
        done += len(ids)
        if progress is not None:
            progress(done, total)
    for model in (Comment, Proposal):
        for ids in _batches(model, batch):
            items = model.objects.filter(pk__in=ids).select_related("document", "revision")
            index_discussion(items, known_words=known_words)
            done += len(ids)
            if progress is not None:
                progress(done, total)
    return done


def _batches(model: Any, size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


# --- The backend's own index -------------------------------------------------------------------

_PG_VECTOR = (
    "setweight(to_tsvector(config::regconfig, title), 'A')"
    " || setweight(to_tsvector(config::regconfig, summary || ' ' || topics), 'B')"
    " || setweight(to_tsvector(config::regconfig, body), 'C')"
)


def _backend_store(entries: list[Entry], known_words: set[str] | None = None) -> None:
    """The entries' words into the backend's index and the known words (`known_words`: those a
    rebuild has stored already, so each is sent to the database once)."""
    if not entries:
        return
    texts = (text for e in entries for text in (e.title, e.summary, e.topics, e.body))
    spelling.remember(texts, known=known_words)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE search_entry SET vector = {_PG_VECTOR} WHERE id = ANY(%s)",  # noqa: S608 - constant text
                [[entry.pk for entry in entries]],
            )
        elif connection.vendor == "sqlite":
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, summary, topics, body) VALUES (%s, %s, %s, %s, %s)",
                [(e.pk, e.title, e.summary, e.topics, e.body) for e in entries],
            )


def _backend_forget(entry_ids: list[int]) -> None:
    if entry_ids and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for start in range(0, len(entry_ids), 500):
                chunk = entry_ids[start : start + 500]
                cursor.execute(
                    f"DELETE FROM search_fts WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                    chunk,
                )


def _backend_clear() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
