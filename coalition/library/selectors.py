"""Reads for the library pages, always through coalition.access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coalition import access
from coalition.access import Action
from coalition.access.documents import first_visible_documents
from coalition.library.models import Document, Revision

PAGE_SIZE = 20
COUNT_LIMIT = 1000  # beyond this the list says "1,000+" (no exact count of a large set per request)
MAX_PAGE = COUNT_LIMIT // PAGE_SIZE  # deeper pages cost a walk past every row before them: filter instead
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "updated": ("-updated_at", "-id"),
    "updated_oldest": ("updated_at", "id"),
    "title": ("title", "id"),
    "title_desc": ("-title", "-id"),
}
SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "updated": _("Recently changed"),
    "updated_oldest": _("Least recently changed"),
    "title": _("Title, A to Z"),
    "title_desc": _("Title, Z to A"),
}
FILTERS = ("kind", "owner", "topic", "tlp", "status", "language")


@dataclass
class Page:
    documents: list[Document]
    number: int
    has_next: bool
    count: int = 0  # capped at COUNT_LIMIT
    count_capped: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def last_number(self) -> int:
        """The last page there is, or the last within the counted rows when the count is capped."""
        return max(self.number, -(-self.count // PAGE_SIZE)) if self.count else self.number

    @property
    def first_row(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.documents) - 1

    def numbers(self) -> list[int | None]:
        """Page numbers to offer: the first, the last, and two either side of this one (None for
        a gap)."""
        last = self.last_number
        wanted = sorted({1, last, *range(max(1, self.number - 2), min(last, self.number + 2) + 1)})
        out: list[int | None] = []
        for previous, n in zip([0, *wanted], wanted, strict=False):
            if previous and n - previous > 1:
                out.append(None)
            out.append(n)
        return out


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
    hints = {"tlp": filters.get("tlp") or "", "status": filters.get("status") or ""}
    # The rows readable_documents() would give; told the label and status asked for, access reads
    # drafts, TLP:RED and the like from the person's own routes instead of walking the library.
    counted = first_visible_documents(user, queryset, rows=COUNT_LIMIT + 1, **hints)[: COUNT_LIMIT + 1].count()
    queryset = first_visible_documents(user, queryset, rows=start + PAGE_SIZE + 1, **hints)
    queryset = queryset.select_related("owner").prefetch_related("topics")
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return Page(
        documents=rows[:PAGE_SIZE],
        number=page,
        has_next=len(rows) > PAGE_SIZE and page < MAX_PAGE,
        count=min(counted, COUNT_LIMIT),
        count_capped=counted > COUNT_LIMIT,
    )


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
