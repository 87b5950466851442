"""Publication, and the document workflow around it: saving and restoring revisions, archiving and
taking back to draft, each keeping the review in step (the library knows nothing of reviews)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.access import Action
from coalition.core.errors import ServiceError
from coalition.drafting.models import (
    Ratification,
    Review,
)
from coalition.drafting.services.common import (
    audit,
    locked,
    mark_done,
    notify_watchers,
    require,
)
from coalition.drafting.services.review import on_new_revision, open_review, review_task
from coalition.library import services as library
from coalition.library.models import Document, Revision
from coalition.search import index as search_index


@transaction.atomic
def publish(*, acting_user: Any, document: Document) -> Document:
    """Publish the current revision: only once every review step has approved it (a document with
    no review steps and no open review is published by its owner's editors directly)."""
    document = locked(document)
    require(acting_user, Action.PUBLISH_DOCUMENT, document)
    current = document.current_revision
    if current is None:
        raise ServiceError("There is no text to publish yet.", code="status")
    if document.status == Document.Status.PUBLISHED and document.published_revision_id == current.pk:
        raise ServiceError(f"Revision {current.number} is already published.", code="status")
    review = open_review(document)
    has_steps = document.review_steps.exists()
    if review is not None or has_steps:
        if review is None:
            raise ServiceError(
                "This document has review steps: ask for review; it can be published once every step has approved.",
                code="status",
            )
        if review.state != Review.State.APPROVED or review.revision_id != current.pk:
            raise ServiceError(
                f"Publishing needs every review step's approval of revision {current.number}; "
                f"the review is {review.get_state_display().lower()}.",
                code="status",
            )
        review.state, review.closed_at = Review.State.COMPLETED, timezone.now()
        review.save(update_fields=["state", "closed_at"])
        mark_done(task=review_task(review), prefix=True)
    before = document.status
    now = timezone.now()
    Revision.objects.filter(pk=current.pk).update(published_at=now)
    document.status = Document.Status.PUBLISHED
    document.published_revision = current
    document.save(update_fields=["status", "published_revision", "updated_at"])
    search_index.index_document(document, changed_by=acting_user)
    superseded = document.ratifications.filter(state=Ratification.State.OPEN).exclude(revision=current)
    for ratification in superseded.select_for_update():
        ratification.state, ratification.closed_at = Ratification.State.SUPERSEDED, now
        ratification.save(update_fields=["state", "closed_at"])
        audit("ratification.superseded", acting_user=acting_user, document=document, ratification=ratification.pk)
        mark_done(task=f"ratification:{ratification.pk}")
    audit(
        "document.published",
        acting_user=acting_user,
        document=document,
        revision=current.number,
        before=before,
        review=review.pk if review else None,
    )
    notify_watchers(
        document=document,
        actor=acting_user,
        verb=f"published revision {current.number} of",
        url=reverse("library:detail", args=[document.pk]),
    )
    return document


# --- The document workflow: the library's writes, with the review kept in step -------------------


@transaction.atomic
def save_revision(*, acting_user: Any, document: Document, body: str, base_number: int, message: str = "") -> Revision:
    """Save a new revision (refused as a conflict if `base_number` is no longer the current one);
    an open review starts again at its first step."""
    revision = library.save_revision(
        acting_user=acting_user, document=document, body=body, base_number=base_number, message=message
    )
    on_new_revision(acting_user=acting_user, document=document, revision=revision)
    return revision


@transaction.atomic
def restore_revision(*, acting_user: Any, document: Document, number: int) -> Revision:
    """Restore an earlier revision as a new one; an open review starts again at its first step."""
    revision = library.restore_revision(acting_user=acting_user, document=document, number=number)
    on_new_revision(acting_user=acting_user, document=document, revision=revision)
    return revision


@transaction.atomic
def set_status(*, acting_user: Any, document: Document, status: str) -> Document:
    """Publish (through the review rules above), archive, or take back to draft. Archiving ends an
    open review (nobody should go on reviewing a text being put away); going back to draft while a
    review is open is refused (withdraw it first)."""
    if status == Document.Status.PUBLISHED:
        return publish(acting_user=acting_user, document=document)
    document = locked(document)
    action = Action.ARCHIVE_DOCUMENT if status == Document.Status.ARCHIVED else Action.SHARE_DOCUMENT
    require(acting_user, action, document)
    review = open_review(document) if status != document.status else None
    if review is not None:
        if status == Document.Status.DRAFT:
            raise ServiceError(_("A review is open: withdraw it first."), code="status")
        if status == Document.Status.ARCHIVED:
            review.state, review.closed_at = Review.State.WITHDRAWN, timezone.now()
            review.save(update_fields=["state", "closed_at"])
            audit("review.withdrawn", acting_user=acting_user, document=document, review=review.pk)
            mark_done(task=review_task(review), prefix=True)
    document = library.set_status(acting_user=acting_user, document=document, status=status)
    notify_watchers(
        document=document,
        actor=acting_user,
        verb="archived" if status == Document.Status.ARCHIVED else "took back to draft",
        url=reverse("library:detail", args=[document.pk]),
    )
    return document
