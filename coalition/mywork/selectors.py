"""My work: what waits for the signed-in person, each list asked of coalition.access in SQL.

One query per section, whatever the number of documents, reviews or organisations: each section is
`access.visible(...)` (or the reading rule joined through a foreign key) with a limit, and the
page's query count is tested to stay the same as the data grows (tests/mywork/). A section holds at
most LIMIT items; the page says when there are more and links to a list where one exists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import BigIntegerField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.drafting.models import AcknowledgementRequest, Comment, Proposal, Ratification, Review
from coalition.library.models import Document, RecentView, Revision
from coalition.notifications.models import Follow

LIMIT = 10
DRAFT_STATUSES = (Document.Status.DRAFT, Document.Status.IN_REVIEW)


@dataclass
class Section:
    items: list[Any] = field(default_factory=list)
    more: bool = False  # there are more than LIMIT

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class MyWork:
    reviews: Section
    ratifications: Section
    acknowledgements: Section
    proposals: Section
    threads: Section
    drafts: Section
    review_due: Section
    recent: Section
    starred: Section
    today: datetime.date

    @property
    def waiting(self) -> int:
        """How many tasks wait (counting at most LIMIT + 1 of each kind)."""
        return sum(
            len(s.items) + s.more
            for s in (
                self.reviews,
                self.ratifications,
                self.acknowledgements,
                self.proposals,
                self.threads,
                self.review_due,
            )
        )


def _section(queryset: QuerySet[Any], limit: int = LIMIT) -> Section:
    rows = list(queryset[: limit + 1])
    return Section(items=rows[:limit], more=len(rows) > limit)


def reviews_waiting(user: Any) -> QuerySet[Review]:
    """Review steps waiting for the person's decision, oldest request first."""
    reviews = Review.objects.select_related("document", "document__owner").defer("document__summary", "steps_snapshot")
    return access.visible(user, reviews, Action.DECIDE_REVIEW).order_by("requested_at", "id")


def ratifications_waiting(user: Any) -> QuerySet[Ratification]:
    """Open ratifications one of the person's organisations has not decided, where they sign."""
    ratifications = Ratification.objects.select_related("document", "document__owner", "revision").defer(
        "document__summary", "revision__body", "revision__html"
    )
    return access.visible(user, ratifications, Action.ENDORSE).order_by(
        F("deadline").asc(nulls_last=True), "opened_at", "id"
    )


def acknowledgements_waiting(user: Any) -> QuerySet[AcknowledgementRequest]:
    """Acknowledgements asked of the person's organisations that they have not given."""
    requests = AcknowledgementRequest.objects.select_related("document", "document__owner", "revision").defer(
        "document__summary", "revision__body", "revision__html"
    )
    return access.visible(user, requests, Action.ACKNOWLEDGE).order_by("created_at", "id")


# What a proposal or a comment thread on My work shows: where it is anchored, on which document,
# from whom.
_ANCHORED_ITEM = (
    "pk",
    "created_at",
    "anchor",
    "section",
    "section_title",
    "quote",
    "document__title",
    "document__tlp",
    "organisation__name",
    "author__name",
    "author__email",
)


def proposals_waiting(user: Any) -> QuerySet[Proposal]:
    """Open proposals on documents whose proposals the person decides."""
    decides = access.visible(user, Document.objects.all(), Action.DECIDE_PROPOSAL)
    return (
        Proposal.objects.filter(status=Proposal.Status.OPEN, document_id__in=decides.values("pk"))
        .select_related("document", "organisation", "author")
        .only(*_ANCHORED_ITEM)
        .order_by("created_at", "id")
    )


def threads_waiting(user: Any) -> QuerySet[Comment]:
    """Open comment threads on documents the person may edit, whose latest word came from outside
    the owner organisation and not from the person: they wait for the owner's side to answer."""
    editable = access.visible(user, Document.objects.all(), Action.EDIT_DOCUMENT)
    latest = Comment.objects.filter(parent_id=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Comment.objects.filter(parent__isnull=True, resolved_at__isnull=True, document_id__in=editable.values("pk"))
        .annotate(
            last_organisation=Coalesce(
                Subquery(latest.values("organisation_id")[:1]), F("organisation_id"), output_field=BigIntegerField()
            ),
            last_author=Coalesce(
                Subquery(latest.values("author_id")[:1]), F("author_id"), output_field=BigIntegerField()
            ),
            last_at=Coalesce(Subquery(latest.values("created_at")[:1]), F("created_at")),
        )
        .exclude(last_organisation=F("document__owner_id"))
        .exclude(last_author=user.pk)
        .select_related("document", "organisation", "author")
        .only(*_ANCHORED_ITEM, "document__owner_id")
        .order_by("last_at", "id")
    )


def my_drafts(user: Any) -> QuerySet[Document]:
    """Drafts and texts in review that the person may edit and has written (created or revised)."""
    # The person's documents first (a UNION of two indexed look-ups), then the rest: with an OR,
    # PostgreSQL walked every document newest first looking for theirs (0.9 s at a million).
    theirs = (
        Document.objects.filter(created_by_id=user.pk)
        .values("pk")
        .union(Revision.objects.filter(author_id=user.pk).values("document_id"))
    )
    drafts = Document.objects.filter(status__in=DRAFT_STATUSES, pk__in=theirs)
    return (
        access.visible(user, drafts, Action.EDIT_DOCUMENT)
        .select_related("owner")
        .only("pk", "title", "tlp", "status", "updated_at", "owner__name")
        .order_by("-updated_at", "-id")
    )


def review_due(user: Any, today: datetime.date) -> QuerySet[Document]:
    """Documents whose review the person owns and whose review-by date is near or has passed."""
    horizon = today + datetime.timedelta(days=settings.REVIEW_REMINDER_DAYS)
    due = Document.objects.filter(review_owner_id=user.pk, review_by__isnull=False, review_by__lte=horizon).exclude(
        status=Document.Status.ARCHIVED
    )
    return (
        access.visible(user, due, Action.VIEW_DOCUMENT)
        .select_related("owner")
        .only("pk", "title", "tlp", "status", "review_by", "owner__name")
        .order_by("review_by", "id")
    )


def recently_viewed(user: Any) -> QuerySet[RecentView]:
    views = RecentView.objects.filter(user_id=user.pk).select_related("document", "document__owner")
    views = views.only("viewed_at", "document__title", "document__tlp", "document__status", "document__owner__name")
    return access.visible_documents_at(user, views, "document").order_by("-viewed_at", "-id")


def starred(user: Any) -> QuerySet[Follow]:
    follows = Follow.objects.filter(user_id=user.pk, starred=True).select_related("document", "document__owner")
    follows = follows.only(
        "starred_at", "document__title", "document__tlp", "document__status", "document__owner__name"
    )
    return access.visible_documents_at(user, follows, "document").order_by("-starred_at", "-id")


def my_work(user: Any) -> MyWork:
    today = timezone.localdate()
    return MyWork(
        reviews=_section(reviews_waiting(user)),
        ratifications=_section(ratifications_waiting(user)),
        acknowledgements=_section(acknowledgements_waiting(user)),
        proposals=_section(proposals_waiting(user)),
        threads=_section(threads_waiting(user)),
        drafts=_section(my_drafts(user)),
        review_due=_section(review_due(user, today)),
        recent=_section(recently_viewed(user)),
        starred=_section(starred(user), limit=2 * LIMIT),
        today=today,
    )
