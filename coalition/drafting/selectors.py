"""Reads for the discussion pages: comment threads, change proposals and the disposition table.

Everything here starts from what the person may see: someone who reads a document only through its
audience sees comments and proposals made on published revisions, never those on a draft in
progress (the same rule as coalition.library.selectors.revisions_for).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from coalition import access
from coalition.drafting import anchors, services
from coalition.drafting.models import Comment, Endorsement, Proposal, Ratification
from coalition.library import selectors as library_selectors
from coalition.library.models import Document, Revision
from coalition.organisations.models import Membership, Organisation

THREADS_PER_PAGE = 20
STATUSES = {"all": "All threads", "open": "Open", "resolved": "Resolved"}
# The revision's text is not needed to show who said what where; it can be large.
_REVISION_TEXT = ("revision__body", "revision__html")


def _on_visible_revisions[M: (Comment, Proposal)](user: Any, document: Document, queryset: QuerySet[M]) -> QuerySet[M]:
    revisions = library_selectors.revisions_for(user, document)
    return queryset.filter(document=document, revision__in=revisions.values("pk"))


def visible_comments(user: Any, document: Document) -> QuerySet[Comment]:
    return _on_visible_revisions(user, document, Comment.objects.all())


def visible_proposals(user: Any, document: Document) -> QuerySet[Proposal]:
    return _on_visible_revisions(user, document, Proposal.objects.all())


# --- Threads ---------------------------------------------------------------------------------------


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment]
    outdated: bool
    can_resolve: bool


@dataclass
class ThreadPage:
    threads: list[Thread]
    page: Page[Any]
    counts: dict[str, int]


def outdated(item: Comment | Proposal, shown: Revision | None) -> bool:
    """The item's anchor no longer points at anything in the revision the viewer reads."""
    if shown is None or item.revision_id == shown.pk:
        return False
    return not anchors.still_matches(anchor=item.anchor, section=item.section, quote=item.quote, revision=shown)


def thread_counts(user: Any, document: Document) -> dict[str, int]:
    counts = (
        visible_comments(user, document)
        .filter(parent__isnull=True)
        .aggregate(
            open=Count("pk", filter=Q(resolved_at__isnull=True)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        )
    )
    return {"open": counts["open"], "resolved": counts["resolved"], "all": counts["open"] + counts["resolved"]}


def thread_page(
    user: Any,
    document: Document,
    *,
    shown: Revision | None,
    status: str = "all",
    revision_only: bool = False,
    page: Any = 1,
) -> ThreadPage:
    """One page of threads, the most recently active first (a new comment or reply comes to the top,
    where the notification about it leads). Three queries whatever the page holds: the count, the
    page, and the replies."""
    last_reply = Comment.objects.filter(parent=OuterRef("pk")).order_by("-created_at", "-id").values("created_at")[:1]
    threads = (
        visible_comments(user, document)
        .filter(parent__isnull=True)
        .select_related("author", "organisation", "resolved_by", "revision")
        .defer(*_REVISION_TEXT)
        .annotate(last_activity=Coalesce(Subquery(last_reply), F("created_at")))
        .order_by("-last_activity", "-id")
    )
    if status == "open":
        threads = threads.filter(resolved_at__isnull=True)
    elif status == "resolved":
        threads = threads.filter(resolved_at__isnull=False)
    if revision_only and shown is not None:
        threads = threads.filter(revision=shown)
    current = Paginator(threads, THREADS_PER_PAGE).get_page(page)
    roots = list(current.object_list)
    replies = Comment.objects.select_related("author", "organisation").order_by("created_at", "id")
    prefetch_related_objects(roots, Prefetch("replies", queryset=replies))
    items = []
    for comment in roots:
        # The page's document object carries the access answers already worked out for this request.
        comment.document = document
        items.append(
            Thread(
                comment=comment,
                replies=list(comment.replies.all()),
                outdated=outdated(comment, shown),
                can_resolve=services.can_resolve(user, comment),
            )
        )
    return ThreadPage(threads=items, page=current, counts=thread_counts(user, document))


def comment_for(user: Any, document: Document, comment_id: int) -> Comment:
    """A comment on the document the person may see, or 404 (the same for missing and not theirs)."""
    comment = (
        visible_comments(user, document)
        .select_related("author", "organisation", "revision", "parent")
        .defer(*_REVISION_TEXT)
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise Http404("No such page.")
    comment.document = document
    return comment


def thread_of(user: Any, document: Document, comment: Comment, shown: Revision | None) -> Thread:
    root = comment.parent or comment
    root = comment_for(user, document, root.pk)
    replies = list(root.replies.select_related("author", "organisation").order_by("created_at", "id"))
    return Thread(
        comment=root, replies=replies, outdated=outdated(root, shown), can_resolve=services.can_resolve(user, root)
    )


# --- Proposals ---------------------------------------------------------------------------------------


def proposal_list(user: Any, document: Document) -> list[Proposal]:
    """Every proposal the person may see: open ones first, then the newest."""
    return list(
        visible_proposals(user, document)
        .select_related("author", "organisation", "revision")
        .defer(*_REVISION_TEXT)
        .order_by(
            Case(When(status=Proposal.Status.OPEN, then=0), default=1, output_field=IntegerField()),
            "-created_at",
            "-id",
        )
    )


def proposal_for(user: Any, document: Document, proposal_id: int) -> Proposal:
    proposal = (
        visible_proposals(user, document)
        .select_related("author", "organisation", "revision", "decided_by", "result_revision")
        .defer(*_REVISION_TEXT, "result_revision__body", "result_revision__html")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404("No such page.")
    proposal.document = document
    return proposal


# --- Disposition table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DispositionRow:
    ref: str  # "C12" for comment 12, "P4" for proposal 4: stable references to cite in meetings
    kind: str  # "comment" or "proposal"
    pk: int
    clause: str
    revision: int
    organisation: str
    author: str
    text: str
    rationale: str
    replies: int | None
    response: str
    outcome: str
    created_at: datetime.datetime


def revision_numbers(user: Any, document: Document) -> list[int]:
    """The numbers of the revisions the person may see, oldest first (for an audience-only reader
    the published ones: numbers of drafts in between are not theirs to know)."""
    return sorted(library_selectors.revisions_for(user, document).values_list("number", flat=True))


def disposition_rows(user: Any, document: Document, *, first: int, last: int) -> list[DispositionRow]:
    """Every thread and proposal made on revisions `first` to `last`, in the order they were made on
    each revision. A thread is its first comment; its replies are counted, and the latest reply from
    the owner organisation is its response (the owner answers comments, as it decides proposals).
    Two queries, whatever the size."""
    replies = Comment.objects.filter(parent=OuterRef("pk")).order_by()
    reply_count = replies.values("parent").annotate(n=Count("pk")).values("n")
    owner_reply = replies.filter(organisation_id=document.owner_id).order_by("-created_at", "-id").values("body")[:1]
    comments = (
        visible_comments(user, document)
        .filter(parent__isnull=True, revision__number__gte=first, revision__number__lte=last)
        .select_related("author", "organisation", "revision")
        .defer(*_REVISION_TEXT)
        .annotate(
            reply_count=Coalesce(Subquery(reply_count, output_field=IntegerField()), 0),
            owner_reply=Subquery(owner_reply),
        )
    )
    proposals = (
        visible_proposals(user, document)
        .filter(revision__number__gte=first, revision__number__lte=last)
        .select_related("author", "organisation", "revision")
        .defer(*_REVISION_TEXT)
    )
    rows = [
        DispositionRow(
            ref=f"C{c.pk}",
            kind="comment",
            pk=c.pk,
            clause=c.clause,
            revision=c.revision.number,
            organisation=c.organisation.name,
            author=c.author.display_name,
            text=c.body,
            rationale="",
            replies=c.reply_count,  # type: ignore[attr-defined]
            response=c.owner_reply or ("Resolved" if c.is_resolved else ""),  # type: ignore[attr-defined]
            outcome="Resolved" if c.is_resolved else "Open",
            created_at=c.created_at,
        )
        for c in comments
    ]
    rows += [
        DispositionRow(
            ref=f"P{p.pk}",
            kind="proposal",
            pk=p.pk,
            clause=p.clause,
            revision=p.revision.number,
            organisation=p.organisation.name,
            author=p.author.display_name,
            text=p.replacement,
            rationale=p.rationale,
            replies=None,
            response=p.response,
            outcome=p.get_status_display(),
            created_at=p.created_at,
        )
        for p in proposals
    ]
    return sorted(rows, key=lambda row: (row.revision, row.created_at, row.ref))


# --- The public home ---------------------------------------------------------------------------------

FRONT_DOOR_ITEMS = 8
ENDORSERS_SHOWN = 12


@dataclass
class AdoptedText:
    ratification: Ratification
    endorsers: list[str]
    more: int


@dataclass
class FrontDoor:
    documents: list[Document]
    adopted: list[AdoptedText]


def front_door() -> FrontDoor:
    """What a visitor without an account sees first: the newest public documents and the adopted
    principles with the organisations that endorsed them, through the access module's rule for
    visitors (three queries)."""
    from django.contrib.auth.models import AnonymousUser

    public = library_selectors.readable_documents(AnonymousUser())
    documents = list(
        public.select_related("owner").prefetch_related("topics").order_by("-updated_at", "-pk")[:FRONT_DOOR_ITEMS]
    )
    endorsed = (
        Endorsement.objects.filter(decision=Endorsement.Decision.ENDORSE, withdrawn_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    ratifications = list(
        Ratification.objects.filter(
            state=Ratification.State.ADOPTED,
            document__kind=Document.Kind.PRINCIPLES,
            document__in=public.values("pk"),
        )
        .select_related("document", "document__owner", "revision")
        .defer("revision__body", "revision__html")
        .prefetch_related(Prefetch("endorsements", queryset=endorsed, to_attr="endorsed"))
        .order_by("-adopted_at", "-pk")[:FRONT_DOOR_ITEMS]
    )
    adopted = []
    for ratification in ratifications:
        names = [e.organisation.name for e in ratification.endorsed]  # type: ignore[attr-defined]
        adopted.append(
            AdoptedText(
                ratification=ratification,
                endorsers=names[:ENDORSERS_SHOWN],
                more=max(0, len(names) - ENDORSERS_SHOWN),
            )
        )
    return FrontDoor(documents=documents, adopted=adopted)


# --- Mention suggestions ---------------------------------------------------------------------------

MENTION_SUGGESTIONS = 8
MENTION_QUERY_MAX = 80


@dataclass(frozen=True)
class MentionSuggestion:
    name: str
    email: str
    organisation: str

    @property
    def mention(self) -> str:
        return f"@{self.email}"


def mention_suggestions(user: Any, document: Document, revision: Revision, query: str) -> list[MentionSuggestion]:
    """Up to MENTION_SUGGESTIONS people whose name contains, or whose email address starts with,
    `query`, among those who can read `revision` (the rule the comment service applies to every
    mention: coalition.access.revision_readers_condition). One query, whatever the number of
    people; the person asking is left out (a mention of oneself notifies nobody)."""
    wanted = query.strip().lstrip("@")[:MENTION_QUERY_MAX]
    if not wanted:
        return []
    # Shown beside the name so two people of the same name can be told apart (not an access decision).
    organisation = (
        Membership.objects.filter(user=OuterRef("pk"), organisation__status=Organisation.Status.ACTIVE)
        .order_by("organisation__name")
        .values("organisation__name")[:1]
    )
    people = (
        get_user_model()
        .objects.filter(access.revision_readers_condition(document, published=revision.published_at is not None))
        .filter(Q(name__icontains=wanted) | Q(email__istartswith=wanted))
        .exclude(pk=user.pk)
        .annotate(organisation_name=Subquery(organisation))
        .order_by("name", "email")
        .values_list("name", "email", "organisation_name")[:MENTION_SUGGESTIONS]
    )
    return [MentionSuggestion(name=name or email, email=email, organisation=org or "") for name, email, org in people]
