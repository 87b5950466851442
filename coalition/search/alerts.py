"""Saved searches: keeping them, and telling their owners when a new or changed document matches.

When a service changes what a document says (index.index_document), a task runs after the commit
and asks, for each saved search, whether the document now matches it *as its owner reads it*: the
same permission-filtered search as the results page, so a search never tells of a document, or of
a draft's words, that its owner may not read. One alert per saved search, document and revision
read (SavedSearchAlert), through the notifications (inbox; email at once, in the digest or not, as
chosen; the email rules of every notification: can(view) again at send time, no text above
TLP:GREEN).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.tasks import task
from django.urls import reverse

from coalition.audit.services import record
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.models import Document
from coalition.notifications.models import Kind
from coalition.notifications.services import notify
from coalition.search import backends
from coalition.search.models import Entry, SavedSearch, SavedSearchAlert
from coalition.search.query import QueryError, parse

MAX_SAVED = 50


@transaction.atomic
def save_search(*, acting_user: Any, text: str) -> SavedSearch:
    text = " ".join((text or "").split())
    try:
        parse(text)
    except QueryError as error:
        raise ServiceError(str(error), code="q") from None
    if SavedSearch.objects.filter(user=acting_user, text=text).exists():
        raise ServiceError("You have already saved this search.", code="q")
    if SavedSearch.objects.filter(user=acting_user).count() >= MAX_SAVED:
        raise ServiceError(f"You can keep up to {MAX_SAVED} saved searches: delete one first.", code="q")
    try:
        with transaction.atomic():
            saved = SavedSearch.objects.create(user=acting_user, text=text)
    except IntegrityError:
        raise ServiceError("You have already saved this search.", code="q") from None
    record(action="search.saved", actor=acting_user, target=saved, data={"query": text})
    return saved


@transaction.atomic
def delete_saved_search(*, acting_user: Any, saved: SavedSearch) -> None:
    if saved.user_id != acting_user.pk:
        raise AccessDenied("search.delete")
    record(action="search.deleted", actor=acting_user, target=saved, data={"query": saved.text})
    saved.delete()


def document_changed(document: Document, *, actor: Any = None) -> None:
    """Called in the changing service's transaction: the matching runs after it commits."""
    if not SavedSearch.objects.exists():
        return  # nobody to tell: no task
    document_id, actor_id = document.pk, getattr(actor, "pk", None)
    transaction.on_commit(lambda: match_saved_searches.enqueue(document_id, actor_id), robust=True)


@task()
def match_saved_searches(document_id: int, actor_id: int | None = None) -> int:
    return alert_saved_searches([document_id], actor_id=actor_id)


def alert_saved_searches(document_ids: list[int], *, actor_id: int | None = None) -> int:
    """Alert the owner of every saved search these documents now match; returns how many alerts
    were sent. One query per saved search for all the documents (in the worker, never in a
    request)."""
    documents = Document.objects.select_related("published_revision").in_bulk(document_ids)
    if not documents:
        return 0
    sent = 0
    searches = SavedSearch.objects.select_related("user").filter(user__is_active=True)
    if actor_id is not None:
        searches = searches.exclude(user_id=actor_id)  # who made the change knows of it
    for saved in searches.order_by("pk").iterator(chunk_size=500):
        try:
            query = parse(saved.text)
        except QueryError:
            continue  # saved under older rules; the list page says so
        reads = backends.matching(saved.user, query).filter(document_id__in=list(documents), kind=Entry.Kind.DOCUMENT)
        for document_id, revision_number in reads.values_list("document_id", "revision_number"):
            sent += _alert(saved, documents[document_id], revision_number or 0)
    return sent


@transaction.atomic
def _alert(saved: SavedSearch, document: Document, revision_number: int) -> int:
    _, created = SavedSearchAlert.objects.get_or_create(
        saved_search=saved, document=document, revision_number=revision_number
    )
    if not created:
        return 0
    published = document.published_revision.number if document.published_revision else None
    notified = notify(
        kind=Kind.SAVED_SEARCH,
        recipients=[saved.user],
        document=document,
        actor=None,
        verb="found a new match for your saved search:",
        url=reverse("library:detail", args=[document.pk]),
        # A match in a working draft: the alert leaves the inbox of whoever loses draft access.
        draft=revision_number != published,
    )
    if not notified:
        return 0
    record(
        action="search.alerted",
        actor=None,
        target=saved,
        target_org_id=document.owner_id,
        data={"document": document.pk, "revision": revision_number},
    )
    return 1
