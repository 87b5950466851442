"""Comment threads: anchored to a section, a quoted passage or the whole document of one revision;
replies, edits, resolving, and @mentions of people who can read that revision."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.core import markdown
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting.models import (
    Anchor,
    Comment,
)
from coalition.drafting.services.common import (
    MAX_COMMENT_CHARS,
    anchor_fields,
    audit,
    can_see_revision,
    clean_text,
    discussion_url,
    is_draft,
    locked,
    mark_done,
    notify,
    notify_watchers,
    revision_for,
)
from coalition.library.models import Document, Revision
from coalition.search import index as search_index

# "@" followed by an email address: unambiguous, and what people already know of each other.
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def _mentioned(body: str, *, document: Document, author: Any, revision: Revision) -> list[Any]:
    """The people an @mention names; each must be able to read the document and the revision the
    comment is about."""
    addresses = {m.lower() for m in MENTION.findall(body)}
    if not addresses:
        return []
    if len(addresses) > 20:
        raise ServiceError("Mention at most 20 people in one comment.", code="body")
    users = {u.email.lower(): u for u in get_user_model().objects.filter(email__in=addresses, is_active=True)}

    def can_see(user: Any) -> bool:
        # Fix (drafting tests): reading the document was enough, so a discussion of an unpublished
        # draft could be mentioned to someone who reads only what was published, and the mention
        # (with the comment's text) reached their inbox.
        if not access.can(user, Action.VIEW_DOCUMENT, document):
            return False
        return revision.published_at is not None or access.sees_working_copy(user, document)

    refused = sorted(a for a in addresses if a not in users or not can_see(users[a]))
    if refused:
        # One message for "no such person" and "cannot read it": a mention never confirms an account.
        raise ServiceError(
            "You can mention only people who can read this document: "
            + ", ".join(f"@{a}" for a in refused)
            + " cannot.",
            code="body",
        )
    return [u for a, u in users.items() if u.pk != author.pk]


@transaction.atomic
def add_comment(
    *,
    acting_user: Any,
    document: Document,
    body: str,
    anchor: str = Anchor.DOCUMENT,
    section: str = "",
    quote: str = "",
    revision_number: int | None = None,
) -> Comment:
    document = locked(document)
    membership = access.commenting_membership(acting_user, document)
    if membership is None:
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    body = clean_text(body, field="body", label="your comment", limit=MAX_COMMENT_CHARS)
    revision = revision_for(acting_user, document, revision_number)
    fields = anchor_fields(anchor=anchor, section=section, quote=quote, revision=revision)
    mentioned = _mentioned(body, document=document, author=acting_user, revision=revision)
    comment = Comment.objects.create(
        document=document,
        revision=revision,
        author=acting_user,
        organisation_id=membership.organisation_id,
        body=body,
        html=markdown.render(body),
        **fields,
    )
    comment.mentions.set(mentioned)
    search_index.index_comment(comment)
    audit(
        "comment.added",
        acting_user=acting_user,
        document=document,
        comment=comment.pk,
        revision=revision.number,
        anchor=fields["anchor"],
        mentions=[u.pk for u in mentioned],
    )
    _notify_mentions(comment, mentioned, acting_user)
    notify_watchers(
        kind="document_comment",
        document=document,
        actor=acting_user,
        verb="commented on",
        url=discussion_url(document, f"comment-{comment.pk}"),
        excerpt=body,
        draft=is_draft(revision),
        # Answered by the owner's side (a reply from the owner organisation) or by resolving it.
        task="" if membership.organisation_id == document.owner_id else f"thread:{comment.pk}",
        told=mentioned,
    )
    return comment


def _notify_mentions(comment: Comment, people: list[Any], actor: Any) -> None:
    if people:
        notify(
            kind="mention",
            recipients=people,
            document=comment.document,
            actor=actor,
            verb="mentioned you in a comment on",
            url=discussion_url(comment.document, f"comment-{comment.pk}"),
            excerpt=comment.body,
            draft=is_draft(comment.revision),
        )


@transaction.atomic
def reply(*, acting_user: Any, parent: Comment, body: str) -> Comment:
    document = locked(parent.document)
    membership = access.commenting_membership(acting_user, document)
    if membership is None or not _can_see_comment(acting_user, parent):
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    root = parent.parent or parent
    body = clean_text(body, field="body", label="your reply", limit=MAX_COMMENT_CHARS)
    mentioned = _mentioned(body, document=document, author=acting_user, revision=root.revision)
    comment = Comment.objects.create(
        document=document,
        revision=root.revision,
        parent=root,
        author=acting_user,
        organisation_id=membership.organisation_id,
        body=body,
        html=markdown.render(body),
    )
    comment.mentions.set(mentioned)
    search_index.index_comment(comment)
    audit("comment.replied", acting_user=acting_user, document=document, comment=comment.pk, thread=root.pk)
    # Everyone earlier in the thread hears of a reply (not the one replying, not those mentioned,
    # who hear of it as a mention).
    earlier = {root.author_id, *root.replies.exclude(pk=comment.pk).values_list("author_id", flat=True)}
    mentioned_ids = {u.pk for u in mentioned}
    people = get_user_model().objects.filter(pk__in=earlier - mentioned_ids - {acting_user.pk})
    told = [u for u in people if _can_see_comment(u, root)]
    notify(
        kind="comment_reply",
        # Fix (drafting tests): only those who can still see the thread (a grant may have gone since).
        recipients=told,
        document=document,
        actor=acting_user,
        verb="replied to a comment thread on",
        url=discussion_url(document, f"comment-{comment.pk}"),
        excerpt=body,
        draft=is_draft(root.revision),
    )
    _notify_mentions(comment, mentioned, acting_user)
    answered = membership.organisation_id == document.owner_id
    if answered:
        # The owner's side has answered: the thread no longer waits for them.
        mark_done(task=f"thread:{root.pk}")
    notify_watchers(
        kind="document_comment",
        document=document,
        actor=acting_user,
        verb="replied to a comment thread on",
        url=discussion_url(document, f"comment-{comment.pk}"),
        excerpt=body,
        draft=is_draft(root.revision),
        task="" if answered else f"thread:{root.pk}",
        told=[*told, *mentioned],
    )
    return comment


def _can_see_comment(user: Any, comment: Comment) -> bool:
    return can_see_revision(user, comment.document, comment.revision)


@transaction.atomic
def edit_comment(*, acting_user: Any, comment: Comment, body: str) -> Comment:
    comment = Comment.objects.select_for_update().select_related("document", "revision").get(pk=comment.pk)
    if comment.author_id != acting_user.pk or not access.can(acting_user, Action.COMMENT_DOCUMENT, comment.document):
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    body = clean_text(body, field="body", label="your comment", limit=MAX_COMMENT_CHARS)
    if body == comment.body:
        raise ServiceError("Nothing changed.", code="body")
    mentioned = _mentioned(body, document=comment.document, author=acting_user, revision=comment.revision)
    already = set(comment.mentions.values_list("pk", flat=True))
    comment.body, comment.html, comment.edited_at = body, markdown.render(body), timezone.now()
    comment.save(update_fields=["body", "html", "edited_at"])
    comment.mentions.set(mentioned)
    search_index.index_comment(comment)
    audit("comment.edited", acting_user=acting_user, document=comment.document, comment=comment.pk)
    _notify_mentions(comment, [u for u in mentioned if u.pk not in already], acting_user)
    return comment


def can_resolve(user: Any, comment: Comment) -> bool:
    """The thread's author, or anyone who may edit the document."""
    if comment.parent_id is not None:
        return False
    if comment.author_id == getattr(user, "pk", None) and access.can(user, Action.COMMENT_DOCUMENT, comment.document):
        return True
    return access.can(user, Action.EDIT_DOCUMENT, comment.document)


@transaction.atomic
def set_resolved(*, acting_user: Any, comment: Comment, resolved: bool) -> Comment:
    comment = Comment.objects.select_for_update().select_related("document").get(pk=comment.pk)
    if not access.can(acting_user, Action.VIEW_DOCUMENT, comment.document):
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    if comment.parent_id is not None:
        raise ServiceError("Resolve the thread from its first comment.", code="comment")
    if not can_resolve(acting_user, comment):
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    if resolved == comment.is_resolved:
        raise ServiceError("The thread is already resolved." if resolved else "The thread is already open.")
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = acting_user if resolved else None
    comment.save(update_fields=["resolved_at", "resolved_by"])
    audit(
        "comment.resolved" if resolved else "comment.reopened",
        acting_user=acting_user,
        document=comment.document,
        comment=comment.pk,
    )
    if resolved:
        mark_done(task=f"thread:{comment.pk}")
    return comment
