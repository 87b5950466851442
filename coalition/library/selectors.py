"""Reads for the library pages, always through coalition.access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from coalition import access
from coalition.access import Action
from coalition.access.documents import first_visible_documents
from coalition.library.models import Document, Revision

PAGE_SIZE = 50
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "updated": ("-updated_at", "-id"),
    "title": ("title", "id"),
}
FILTERS = ("kind", "owner", "topic", "tlp", "status", "language")


@dataclass
class Page:
    documents: list[Document]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def readable_documents(user: Any) -> QuerySet[Document]:
    return access.visible(user, Document.objects.all(), Action.VIEW_DOCUMENT)


def library_page(user: Any, *, filters: dict[str, str], sort: str = "newest", page: int = 1) -> Page:
    """One page of the documents the user may read. No exact count: one row more than a page
    tells whether there is a next one (counting a large readable set on every request is slow)."""
    queryset = Document.objects.all()
    lookups = {
        "kind": "kind",
        "owner": "owner__slug",
        "topic": "topics__slug",
        "tlp": "tlp",
        "status": "status",
        "language": "language",
    }
    for name, lookup in lookups.items():
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name]})
    queryset = queryset.order_by(*SORTS.get(sort, SORTS["newest"]))
    start = (page - 1) * PAGE_SIZE
    # The rows readable_documents() would give; told the label and status asked for, access reads
    # drafts, TLP:RED and the like from the person's own routes instead of walking the library.
    queryset = first_visible_documents(
        user, queryset, rows=start + PAGE_SIZE + 1, tlp=filters.get("tlp") or "", status=filters.get("status") or ""
    )
    queryset = queryset.select_related("owner").prefetch_related("topics")
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return Page(documents=rows[:PAGE_SIZE], number=page, has_next=len(rows) > PAGE_SIZE)


def document_for(user: Any, pk: Any, action: Action = Action.VIEW_DOCUMENT) -> Document:
    """The document if the user may perform `action` on it; the same 404 otherwise."""
    queryset = Document.objects.select_related(
        "owner",
        "current_revision",
        "current_revision__author",
        "published_revision",
        "published_revision__author",
        "review_owner",
    )
    return access.get_object_or_404(user, action, queryset, pk=pk)


def shown_revision(user: Any, document: Document) -> Revision | None:
    """The text this person reads: drafters the current revision, the audience what was published
    (a new draft in preparation stays with its drafters)."""
    return document.current_revision if access.sees_working_copy(user, document) else document.published_revision


def revisions_for(user: Any, document: Document) -> QuerySet[Revision]:
    """The revisions this person may open, compare and comment on."""
    revisions = document.revisions.all()
    if not access.sees_working_copy(user, document):
        revisions = revisions.filter(published_at__isnull=False)
    return revisions
