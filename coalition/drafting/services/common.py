"""What every drafting service shares: the access check, the audit record, notifying, the
document row lock, text limits, and which revision a person may speak about."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from coalition import access
from coalition.access import Action
from coalition.audit.services import record
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting import anchors
from coalition.drafting.models import (
    Anchor,
)
from coalition.library.models import Document, Revision

MAX_COMMENT_CHARS = 10_000


def require(user: Any, action: Action, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


def audit(action: str, *, acting_user: Any, document: Document, **data: Any) -> None:
    record(action=action, actor=acting_user, target=document, target_org_id=document.owner_id, data=data)


def notify(**kwargs: Any) -> None:
    from coalition.notifications.services import notify

    notify(**kwargs)


def notify_watchers(**kwargs: Any) -> None:
    """Tell the document's watchers (its owners' and co-drafters' editors by default, and whoever
    chose to watch it), except those in `told=`."""
    from coalition.notifications.services import notify_watchers

    notify_watchers(**kwargs)


def mark_done(**kwargs: Any) -> None:
    """The task named `task=` is done: its inbox items are marked done (for `recipients=`, or all)."""
    from coalition.notifications.services import mark_done

    mark_done(**kwargs)


def is_draft(revision: Revision) -> bool:
    """Whether what is said about `revision` is about unpublished text (notifications about it
    reach, and stay with, only those who work on the document's current text)."""
    return revision.published_at is None


def locked(document: Document) -> Document:
    """The document row locked for this transaction: decisions on one document queue up here."""
    return (
        Document.objects.select_for_update(of=("self",)).select_related("current_revision", "owner").get(pk=document.pk)
    )


def clean_text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"Write {label}.", code=field)
    if len(value) > limit:
        raise ServiceError(
            f"{label.capitalize()} is too long ({len(value):,} characters; the limit is {limit:,}).", code=field
        )
    return value


def discussion_url(document: Document, fragment: str = "") -> str:
    url = reverse("drafting:discussion", args=[document.pk])
    return f"{url}#{fragment}" if fragment else url


# --- Revisions a person can speak about -------------------------------------------------------


def revision_for(user: Any, document: Document, number: int | None) -> Revision:
    """The revision someone comments on or proposes against: one they can see. Readers who reach the
    document only through its audience see published revisions, drafters any revision."""
    working = access.sees_working_copy(user, document)
    if number is None:
        revision = document.current_revision if working else document.published_revision
        if revision is None:
            raise ServiceError("This document has no text to comment on yet.", code="revision")
        return revision
    revisions = document.revisions.filter(number=number)
    if not working:
        revisions = revisions.filter(published_at__isnull=False)
    revision = revisions.first()
    if revision is None:
        raise ServiceError(f"There is no revision {number} you can see.", code="revision")
    return revision


def anchor_fields(*, anchor: str, section: str, quote: str, revision: Revision) -> dict[str, str]:
    if anchor == Anchor.DOCUMENT:
        return {"anchor": anchor, "section": "", "section_title": "", "quote": ""}
    if anchor == Anchor.SECTION:
        title = anchors.section_title(revision, section)
        if title is None:
            raise ServiceError(f"Revision {revision.number} has no section “{section[:80]}”.", code="section")
        return {"anchor": anchor, "section": section, "section_title": title[:300], "quote": ""}
    if anchor == Anchor.QUOTE:
        quote = anchors.normalise(quote)
        if not quote:
            raise ServiceError("Paste the passage you mean.", code="quote")
        if len(quote) > 2000:
            raise ServiceError("Quote at most 2,000 characters; a section anchor suits longer text.", code="quote")
        if not anchors.quote_found(revision, quote):
            raise ServiceError(
                f"The quoted passage must appear word for word in revision {revision.number}.", code="quote"
            )
        return {"anchor": anchor, "section": "", "section_title": "", "quote": quote}
    raise ServiceError(f"“{anchor}” is not a place in the text.", code="anchor")


def can_see_revision(user: Any, document: Document, revision: Revision) -> bool:
    """Whether what is said about `revision` may reach `user`: a published revision, or any for
    those who work on the text (audience readers never hear of a draft)."""
    return revision.published_at is not None or access.sees_working_copy(user, document)
