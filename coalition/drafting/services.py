"""Writes for drafting together: comments, proposals, reviews, publication, ratification and
acknowledgement. Each runs in one transaction, asks coalition.access, refuses illegal transitions
with a message for the person, records its audit event and notifies the people concerned (only
those who can read the document; coalition.notifications checks again).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.access import drafting as access_drafting
from coalition.audit.services import record
from coalition.core import markdown
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting import anchors
from coalition.drafting.models import (
    Acknowledgement,
    AcknowledgementRequest,
    Anchor,
    Comment,
    Endorsement,
    Proposal,
    Ratification,
    Review,
    ReviewDecision,
    ReviewStep,
)
from coalition.library.models import Document, Revision
from coalition.organisations.models import Community, Organisation, Role

MAX_COMMENT_CHARS = 10_000
MAX_STEPS = 10
# "@" followed by an email address: unambiguous, and what people already know of each other.
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def _require(user: Any, action: Action, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


def _audit(action: str, *, acting_user: Any, document: Document, **data: Any) -> None:
    record(action=action, actor=acting_user, target=document, target_org_id=document.owner_id, data=data)


def _notify(**kwargs: Any) -> None:
    from coalition.notifications.services import notify

    notify(**kwargs)


def _locked(document: Document) -> Document:
    """The document row locked for this transaction: decisions on one document queue up here."""
    return (
        Document.objects.select_for_update(of=("self",)).select_related("current_revision", "owner").get(pk=document.pk)
    )


def _text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
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


def _anchor_fields(*, anchor: str, section: str, quote: str, revision: Revision) -> dict[str, str]:
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


# --- Comments ------------------------------------------------------------------------------------


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
    document = _locked(document)
    membership = access.commenting_membership(acting_user, document)
    if membership is None:
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    body = _text(body, field="body", label="your comment", limit=MAX_COMMENT_CHARS)
    revision = revision_for(acting_user, document, revision_number)
    fields = _anchor_fields(anchor=anchor, section=section, quote=quote, revision=revision)
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
    _audit(
        "comment.added",
        acting_user=acting_user,
        document=document,
        comment=comment.pk,
        revision=revision.number,
        anchor=fields["anchor"],
        mentions=[u.pk for u in mentioned],
    )
    _notify_mentions(comment, mentioned, acting_user)
    return comment


def _notify_mentions(comment: Comment, people: list[Any], actor: Any) -> None:
    if people:
        _notify(
            kind="mention",
            recipients=people,
            document=comment.document,
            actor=actor,
            verb="mentioned you in a comment on",
            url=discussion_url(comment.document, f"comment-{comment.pk}"),
            excerpt=comment.body,
        )


@transaction.atomic
def reply(*, acting_user: Any, parent: Comment, body: str) -> Comment:
    document = _locked(parent.document)
    membership = access.commenting_membership(acting_user, document)
    if membership is None or not _can_see_comment(acting_user, parent):
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    root = parent.parent or parent
    body = _text(body, field="body", label="your reply", limit=MAX_COMMENT_CHARS)
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
    _audit("comment.replied", acting_user=acting_user, document=document, comment=comment.pk, thread=root.pk)
    # Everyone earlier in the thread hears of a reply (not the one replying, not those mentioned,
    # who hear of it as a mention).
    earlier = {root.author_id, *root.replies.exclude(pk=comment.pk).values_list("author_id", flat=True)}
    mentioned_ids = {u.pk for u in mentioned}
    people = get_user_model().objects.filter(pk__in=earlier - mentioned_ids - {acting_user.pk})
    _notify(
        kind="comment_reply",
        # Fix (drafting tests): only those who can still see the thread (a grant may have gone since).
        recipients=[u for u in people if _can_see_comment(u, root)],
        document=document,
        actor=acting_user,
        verb="replied to a comment thread on",
        url=discussion_url(document, f"comment-{comment.pk}"),
        excerpt=body,
    )
    _notify_mentions(comment, mentioned, acting_user)
    return comment


def _can_see_comment(user: Any, comment: Comment) -> bool:
    return _can_see_revision(user, comment.document, comment.revision)


def _can_see_revision(user: Any, document: Document, revision: Revision) -> bool:
    """Whether what is said about `revision` may reach `user`: a published revision, or any for
    those who work on the text (audience readers never hear of a draft)."""
    return revision.published_at is not None or access.sees_working_copy(user, document)


@transaction.atomic
def edit_comment(*, acting_user: Any, comment: Comment, body: str) -> Comment:
    comment = Comment.objects.select_for_update().select_related("document", "revision").get(pk=comment.pk)
    if comment.author_id != acting_user.pk or not access.can(acting_user, Action.COMMENT_DOCUMENT, comment.document):
        raise AccessDenied(Action.COMMENT_DOCUMENT)
    body = _text(body, field="body", label="your comment", limit=MAX_COMMENT_CHARS)
    if body == comment.body:
        raise ServiceError("Nothing changed.", code="body")
    mentioned = _mentioned(body, document=comment.document, author=acting_user, revision=comment.revision)
    already = set(comment.mentions.values_list("pk", flat=True))
    comment.body, comment.html, comment.edited_at = body, markdown.render(body), timezone.now()
    comment.save(update_fields=["body", "html", "edited_at"])
    comment.mentions.set(mentioned)
    _audit("comment.edited", acting_user=acting_user, document=comment.document, comment=comment.pk)
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
    _audit(
        "comment.resolved" if resolved else "comment.reopened",
        acting_user=acting_user,
        document=comment.document,
        comment=comment.pk,
    )
    return comment


# --- Change proposals ----------------------------------------------------------------------------


@transaction.atomic
def propose(
    *,
    acting_user: Any,
    document: Document,
    anchor: str,
    replacement: str,
    rationale: str,
    section: str = "",
    quote: str = "",
    revision_number: int | None = None,
) -> Proposal:
    document = _locked(document)
    membership = access.commenting_membership(acting_user, document)
    if membership is None:
        raise AccessDenied(Action.PROPOSE_CHANGE)
    revision = revision_for(acting_user, document, revision_number)
    if anchor == Anchor.DOCUMENT:
        raise ServiceError("Choose the section or passage your text replaces.", code="anchor")
    fields = _anchor_fields(anchor=anchor, section=section, quote=quote, revision=revision)
    if anchor == Anchor.SECTION:
        original = anchors.section_markdown(revision, section)
        if original is None:
            raise ServiceError(
                "This section's text cannot be found in the source; quote the passage instead.", code="section"
            )
    else:
        original = _unique_passage(revision.body, fields["quote"], revision=revision)
    replacement = _text(replacement, field="replacement", label="the replacement text", limit=50_000, required=False)
    rationale = _text(rationale, field="rationale", label="why you propose it", limit=5000)
    if anchors.normalise(replacement) == anchors.normalise(original):
        raise ServiceError("The replacement is the same as the text it replaces.", code="replacement")
    proposal = Proposal.objects.create(
        document=document,
        revision=revision,
        author=acting_user,
        organisation_id=membership.organisation_id,
        original=original,
        replacement=replacement,
        rationale=rationale,
        **fields,
    )
    _audit("proposal.made", acting_user=acting_user, document=document, proposal=proposal.pk, revision=revision.number)
    return proposal


def _unique_passage(body: str, quote: str, *, revision: Revision) -> str:
    """The passage as written in the Markdown source (line breaks and spacing may differ from the
    quote); it must occur exactly once to be replaced."""
    pattern = re.compile(r"\s+".join(re.escape(word) for word in quote.split()))
    matches = pattern.findall(body)
    if not matches:
        raise ServiceError(
            "Quote the passage exactly as it stands in the text (without formatting such as bold or links), "
            "so it can be replaced.",
            code="quote",
        )
    if len(matches) > 1:
        raise ServiceError(
            f"That passage appears {len(matches)} times in revision {revision.number}; quote a longer one.",
            code="quote",
        )
    return str(matches[0])


ACCEPT, ACCEPT_WITH_CHANGES, REJECT = "accept", "accept_with_changes", "reject"
OUTCOMES = {
    ACCEPT: Proposal.Status.ACCEPTED,
    ACCEPT_WITH_CHANGES: Proposal.Status.ACCEPTED_WITH_CHANGES,
    REJECT: Proposal.Status.REJECTED,
}


@transaction.atomic
def decide_proposal(
    *, acting_user: Any, proposal: Proposal, outcome: str, response: str, final_text: str = ""
) -> Proposal:
    document = _locked(proposal.document)
    _require(acting_user, Action.DECIDE_PROPOSAL, document)
    proposal = Proposal.objects.select_for_update().select_related("author", "organisation").get(pk=proposal.pk)
    if not proposal.is_open:
        raise ServiceError(
            f"This proposal was already {proposal.get_status_display().lower()}; it cannot be decided again.",
            code="outcome",
        )
    if outcome not in OUTCOMES:
        raise ServiceError("Choose accept, accept with changes, or reject.", code="outcome")
    response = _text(response, field="response", label="a response to the proposer", limit=5000)
    if outcome != REJECT:
        text = proposal.replacement
        if outcome == ACCEPT_WITH_CHANGES:
            text = _text(final_text, field="final_text", label="the text to put in", limit=50_000, required=False)
            if text == proposal.replacement:
                raise ServiceError("That is the proposed text unchanged: choose “accept” instead.", code="final_text")
            proposal.final_text = text
        proposal.result_revision = _apply(document, proposal, text, acting_user)
    proposal.status = OUTCOMES[outcome]
    proposal.response = response
    proposal.decided_by = acting_user
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "response", "final_text", "decided_by", "decided_at", "result_revision"])
    _audit(
        "proposal.decided",
        acting_user=acting_user,
        document=document,
        proposal=proposal.pk,
        outcome=proposal.status,
        revision=proposal.result_revision.number if proposal.result_revision else None,
    )
    _notify(
        kind="proposal_decided",
        # Fix (review of issue 4): only if the proposer still sees the revision it was made on; a
        # grant revoked since would otherwise bring the response about a draft to their inbox.
        recipients=[proposal.author] if _can_see_revision(proposal.author, document, proposal.revision) else [],
        document=document,
        actor=acting_user,
        verb=f"{proposal.get_status_display().lower()} your proposal on",
        url=discussion_url(document, f"proposal-{proposal.pk}"),
        excerpt=response,
    )
    return proposal


def _apply(document: Document, proposal: Proposal, text: str, acting_user: Any) -> Revision:
    """A new revision with the proposal's passage replaced, crediting the proposer."""
    from coalition.library.services import new_revision

    current = document.current_revision
    assert current is not None
    count = current.body.count(proposal.original)
    if count != 1:
        where = "no longer appears" if count == 0 else f"now appears {count} times"
        raise ServiceError(
            f"The text this proposal replaces {where} in revision {current.number}. "
            "Edit the document by hand and reject or accept the proposal with changes explained, or reject it.",
            code="outcome",
        )
    body = current.body.replace(proposal.original, _ending_like(text, proposal.original), 1)
    credit = f"{proposal.author.display_name} ({proposal.organisation.name})"
    return new_revision(
        acting_user=acting_user,
        document=document,
        body=body,
        message=f"Accepted proposal #{proposal.pk} by {credit}",
    )


def _ending_like(text: str, original: str) -> str:
    # A section's Markdown ends with its blank line; keep the next heading off the last paragraph.
    if original.endswith("\n") and not text.endswith("\n"):
        return text + "\n" + ("\n" if original.endswith("\n\n") else "")
    return text


@transaction.atomic
def withdraw_proposal(*, acting_user: Any, proposal: Proposal) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("document").get(pk=proposal.pk)
    if proposal.author_id != acting_user.pk or not access.can(acting_user, Action.VIEW_DOCUMENT, proposal.document):
        raise AccessDenied(Action.PROPOSE_CHANGE)
    if not proposal.is_open:
        raise ServiceError(f"This proposal was already {proposal.get_status_display().lower()}.", code="outcome")
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    _audit("proposal.withdrawn", acting_user=acting_user, document=proposal.document, proposal=proposal.pk)
    return proposal


# --- Review ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    name: str
    role: str
    organisation: Organisation | None = None
    community: Community | None = None


def reviewers_of(step: ReviewStep, document: Document) -> list[Any]:
    """The people who may decide the step (coalition.access decides who they are)."""
    return access_drafting.step_reviewers(step, document)


@transaction.atomic
def set_review_steps(*, acting_user: Any, document: Document, steps: list[StepSpec]) -> list[ReviewStep]:
    document = _locked(document)
    _require(acting_user, Action.REQUEST_REVIEW, document)
    if document.reviews.filter(state__in=Review.OPEN_STATES).exists():
        raise ServiceError("Steps cannot change while a review is open: withdraw the review first.", code="steps")
    if len(steps) > MAX_STEPS:
        raise ServiceError(f"A review has at most {MAX_STEPS} steps.", code="steps")
    for spec in steps:
        if not spec.name.strip():
            raise ServiceError("Give every step a name, such as “Legal review”.", code="steps")
        if (spec.organisation is None) == (spec.community is None):
            raise ServiceError(f"Assign “{spec.name}” to one organisation or one community.", code="steps")
        if spec.role not in Role.values:
            raise ServiceError(f"“{spec.role}” is not a role.", code="steps")
    before = list(document.review_steps.values("name", "organisation_id", "community_id", "role"))
    document.review_steps.all().delete()
    created = [
        ReviewStep.objects.create(
            document=document,
            position=index,
            name=spec.name.strip()[:120],
            organisation=spec.organisation,
            community=spec.community,
            role=spec.role,
        )
        for index, spec in enumerate(steps)
    ]
    _audit(
        "review.steps_set",
        acting_user=acting_user,
        document=document,
        before=before,
        after=[
            {"name": s.name, "organisation_id": s.organisation_id, "community_id": s.community_id, "role": s.role}
            for s in created
        ],
    )
    return created


def _open_review(document: Document) -> Review | None:
    return document.reviews.select_for_update().filter(state__in=Review.OPEN_STATES).first()


@transaction.atomic
def request_review(*, acting_user: Any, document: Document) -> Review:
    document = _locked(document)
    _require(acting_user, Action.REQUEST_REVIEW, document)
    if _open_review(document) is not None:
        raise ServiceError("A review of this document is already open.", code="review")
    if document.current_revision is None:
        raise ServiceError("Write the text before asking for review.", code="review")
    if document.status == Document.Status.PUBLISHED and document.published_revision_id == document.current_revision_id:
        raise ServiceError("This revision is already published; save a new revision to review it.", code="review")
    steps = list(document.review_steps.select_related("organisation", "community"))
    if not steps:
        raise ServiceError("Add at least one review step before asking for review.", code="review")
    for step in steps:
        if not reviewers_of(step, document):
            raise ServiceError(
                f"Nobody who can review “{step.name}” ({step.assignee}) can read this document. "
                "Share it with them first.",
                code="review",
            )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                document=document,
                revision=document.current_revision,
                requested_by=acting_user,
                steps_snapshot=[{"name": s.name, "assignee": s.assignee} for s in steps],
            )
    except IntegrityError:  # the database's one-open-review rule, should a request race this one
        raise ServiceError("A review of this document is already open.", code="review") from None
    if document.status == Document.Status.DRAFT:
        document.status = Document.Status.IN_REVIEW
        document.save(update_fields=["status", "updated_at"])
    _audit(
        "review.requested",
        acting_user=acting_user,
        document=document,
        review=review.pk,
        revision=review.revision.number,
    )
    _tell_step(review, steps[0], acting_user, verb="asked you to review")
    return review


def _tell_step(review: Review, step: ReviewStep, actor: Any, *, verb: str) -> None:
    _notify(
        kind="review_requested",
        recipients=[u for u in reviewers_of(step, review.document) if u.pk != review.requested_by_id],
        document=review.document,
        actor=actor,
        # The step's name is member text: it goes in the excerpt, which TLP:AMBER and above emails omit.
        verb=verb,
        url=reverse("drafting:review", args=[review.document_id]),
        excerpt=f"Review step: {step.name}",
    )


APPROVE, CHANGES = ReviewDecision.Outcome.APPROVE, ReviewDecision.Outcome.CHANGES


@transaction.atomic
def decide_review(*, acting_user: Any, review: Review, outcome: str, comment: str = "") -> ReviewDecision:
    document = _locked(review.document)
    review = Review.objects.select_for_update().select_related("revision").get(pk=review.pk)
    review.document = document
    if not access.can(acting_user, Action.VIEW_DOCUMENT, document):
        raise AccessDenied(Action.DECIDE_REVIEW)  # before any state is told
    if not review.is_open:
        raise ServiceError(f"This review is {review.get_state_display().lower()}; it takes no more decisions.")
    if review.state == Review.State.APPROVED:
        raise ServiceError("Every step has already approved this revision.", code="outcome")
    if review.state == Review.State.CHANGES_REQUESTED:
        raise ServiceError("Changes were requested: the review goes on when a new revision is saved.", code="outcome")
    membership = access.reviewer_membership(acting_user, review)
    if membership is None:
        raise AccessDenied(Action.DECIDE_REVIEW)
    if outcome not in (APPROVE, CHANGES):
        raise ServiceError("Choose approve or request changes.", code="outcome")
    comment = _text(comment, field="comment", label="what needs to change", limit=5000, required=outcome == CHANGES)
    steps = list(document.review_steps.all())
    step = steps[review.current_position]
    decision = ReviewDecision.objects.create(
        review=review,
        position=step.position,
        step_name=step.name,
        revision=review.revision,
        reviewer=acting_user,
        organisation_id=membership.organisation_id,
        outcome=outcome,
        comment=comment,
    )
    if outcome == CHANGES:
        review.state = Review.State.CHANGES_REQUESTED
    elif step.position + 1 < len(steps):
        review.current_position = step.position + 1
    else:
        review.state = Review.State.APPROVED
    review.save(update_fields=["state", "current_position"])
    _audit(
        "review.decided",
        acting_user=acting_user,
        document=document,
        review=review.pk,
        step=step.name,
        outcome=outcome,
        revision=review.revision.number,
    )
    label = "approved your review request for" if outcome == APPROVE else "requested changes to"
    _notify(
        kind="review_decided",
        # Fix (review of issue 4): the reviewer's comment is about the revision under review, which
        # may be a draft; the person who asked hears of it only while they still work on the text.
        recipients=[review.requested_by] if access.sees_working_copy(review.requested_by, document) else [],
        document=document,
        actor=acting_user,
        verb=label,
        url=reverse("drafting:review", args=[document.pk]),
        excerpt=f"Review step: {step.name}" + (f"\n\n{comment}" if comment else ""),
    )
    if review.state == Review.State.IN_PROGRESS:
        # Read as "<actor> approved a review step; yours is next on “<title>”".
        _tell_step(review, steps[review.current_position], acting_user, verb="approved a review step; yours is next on")
    return decision


def on_new_revision(*, acting_user: Any, document: Document, revision: Revision) -> None:
    """A new revision during review sends it back to the first step; its reviewers are told."""
    review = _open_review(document)
    if review is None or review.revision_id == revision.pk:
        return
    review.revision = revision
    review.current_position = 0
    review.state = Review.State.IN_PROGRESS
    review.save(update_fields=["revision", "current_position", "state"])
    _audit("review.restarted", acting_user=acting_user, document=document, review=review.pk, revision=revision.number)
    first = document.review_steps.order_by("position").first()
    if first is not None:
        _tell_step(review, first, acting_user, verb="saved a new revision, restarting the review of")


@transaction.atomic
def withdraw_review(*, acting_user: Any, document: Document) -> Review:
    document = _locked(document)
    _require(acting_user, Action.REQUEST_REVIEW, document)
    review = _open_review(document)
    if review is None:
        raise ServiceError("There is no open review to withdraw.", code="review")
    review.state, review.closed_at = Review.State.WITHDRAWN, timezone.now()
    review.save(update_fields=["state", "closed_at"])
    if document.status == Document.Status.IN_REVIEW:
        document.status = Document.Status.DRAFT
        document.save(update_fields=["status", "updated_at"])
    _audit("review.withdrawn", acting_user=acting_user, document=document, review=review.pk)
    return review


# --- Publication -----------------------------------------------------------------------------------


@transaction.atomic
def publish(*, acting_user: Any, document: Document) -> Document:
    """Publish the current revision: only once every review step has approved it (a document with
    no review steps and no open review is published by its owner's editors directly)."""
    document = _locked(document)
    _require(acting_user, Action.PUBLISH_DOCUMENT, document)
    current = document.current_revision
    if current is None:
        raise ServiceError("There is no text to publish yet.", code="status")
    if document.status == Document.Status.PUBLISHED and document.published_revision_id == current.pk:
        raise ServiceError(f"Revision {current.number} is already published.", code="status")
    review = _open_review(document)
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
    before = document.status
    now = timezone.now()
    Revision.objects.filter(pk=current.pk).update(published_at=now)
    document.status = Document.Status.PUBLISHED
    document.published_revision = current
    document.save(update_fields=["status", "published_revision", "updated_at"])
    superseded = document.ratifications.filter(state=Ratification.State.OPEN).exclude(revision=current)
    for ratification in superseded.select_for_update():
        ratification.state, ratification.closed_at = Ratification.State.SUPERSEDED, now
        ratification.save(update_fields=["state", "closed_at"])
        _audit("ratification.superseded", acting_user=acting_user, document=document, ratification=ratification.pk)
    _audit(
        "document.published",
        acting_user=acting_user,
        document=document,
        revision=current.number,
        before=before,
        review=review.pk if review else None,
    )
    return document


# --- Ratification ------------------------------------------------------------------------------------


def ratifying_organisations(document: Document) -> Any:
    """The active member organisations the document reaches: those whose signatories ratify it."""
    from coalition.access.drafting import ratifying_organisation_ids

    return Organisation.objects.filter(pk__in=ratifying_organisation_ids(document))


def default_quorum(eligible: int) -> int:
    """A majority of the eligible organisations."""
    return eligible // 2 + 1


@transaction.atomic
def open_ratification(
    *, acting_user: Any, document: Document, quorum: int | None = None, deadline: datetime.date | None = None
) -> Ratification:
    document = _locked(document)
    _require(acting_user, Action.OPEN_RATIFICATION, document)
    if document.kind != Document.Kind.PRINCIPLES:
        raise ServiceError("Only principles documents are ratified.", code="ratification")
    if document.status != Document.Status.PUBLISHED or document.published_revision is None:
        raise ServiceError("Publish the document before opening it for ratification.", code="ratification")
    revision = document.published_revision
    if document.ratifications.filter(state=Ratification.State.OPEN).exists():
        raise ServiceError("A ratification of this document is already open.", code="ratification")
    if document.ratifications.filter(state=Ratification.State.ADOPTED, revision=revision).exists():
        raise ServiceError(f"Revision {revision.number} is already adopted.", code="ratification")
    eligible = ratifying_organisations(document).count()
    if eligible == 0:
        raise ServiceError(
            "No active member organisation can read this document, so none can ratify it. Widen its audience first.",
            code="ratification",
        )
    quorum = default_quorum(eligible) if quorum is None else quorum
    if not 1 <= quorum <= eligible:
        raise ServiceError(f"The quorum must be between 1 and {eligible} organisations.", code="quorum")
    if deadline is not None and deadline <= timezone.localdate():
        raise ServiceError("The deadline must be in the future.", code="deadline")
    try:
        with transaction.atomic():
            ratification = Ratification.objects.create(
                document=document,
                revision=revision,
                quorum=quorum,
                eligible=eligible,
                deadline=deadline,
                opened_by=acting_user,
            )
    except IntegrityError:
        raise ServiceError("A ratification of this document is already open.", code="ratification") from None
    _audit(
        "ratification.opened",
        acting_user=acting_user,
        document=document,
        ratification=ratification.pk,
        revision=revision.number,
        quorum=quorum,
        deadline=deadline.isoformat() if deadline else None,
    )
    _notify(
        kind="ratification_opened",
        recipients=access_drafting.ratifying_signatories(document),
        document=document,
        actor=acting_user,
        verb=f"opened ratification of revision {revision.number} of",
        url=reverse("drafting:ratification", args=[document.pk]),
    )
    return ratification


def _open_for_decisions(ratification: Ratification) -> Ratification:
    ratification = (
        Ratification.objects.select_for_update().select_related("revision", "document").get(pk=ratification.pk)
    )
    if ratification.state != Ratification.State.OPEN:
        raise ServiceError(
            f"This ratification is {ratification.get_state_display().lower()}; its record can no longer change.",
            code="decision",
        )
    if ratification.deadline is not None and ratification.deadline < timezone.localdate():
        raise ServiceError(f"The deadline ({ratification.deadline:%-d %B %Y}) has passed.", code="decision")
    document = ratification.document
    if document.status != Document.Status.PUBLISHED:
        # Archived or taken back to draft while the ratification was open (set_status leaves it
        # open): say so, rather than speak of a newer revision that does not exist.
        raise ServiceError("This document is no longer published: this ratification no longer counts.", code="decision")
    if document.published_revision_id != ratification.revision_id:
        raise ServiceError("A newer revision has been published: this ratification no longer counts.", code="decision")
    return ratification


def _require_mfa(mfa_confirmed: bool) -> None:
    if not mfa_confirmed:
        raise ServiceError("Confirm with your second factor before deciding for your organisation.", code="mfa")


@transaction.atomic
def endorse(
    *,
    acting_user: Any,
    ratification: Ratification,
    organisation: Organisation,
    decision: str,
    reason: str = "",
    mfa_confirmed: bool,
) -> Endorsement:
    """A signatory endorses or declines, for one organisation, the exact revision under ratification.
    `mfa_confirmed`: the view saw a fresh second-factor re-authentication."""
    _lock_document_of(ratification)
    if not access.can(acting_user, Action.VIEW_DOCUMENT, ratification.document):
        raise AccessDenied(Action.ENDORSE)  # before any state is told
    ratification = _open_for_decisions(ratification)
    memberships = access.signatory_memberships(acting_user, ratification)
    if not memberships:
        raise AccessDenied(Action.ENDORSE)
    if organisation.pk not in {m.organisation_id for m in memberships}:
        raise ServiceError(f"You are not a signatory for {organisation.name}.", code="organisation")
    _require_mfa(mfa_confirmed)
    if decision not in Endorsement.Decision.values:
        raise ServiceError("Choose endorse or decline.", code="decision")
    reason = _text(
        reason, field="reason", label="the reason", limit=5000, required=decision == Endorsement.Decision.DECLINE
    )
    existing = ratification.endorsements.filter(organisation=organisation, withdrawn_at__isnull=True).first()
    if existing is not None:
        raise ServiceError(
            f"{organisation.name} has already {existing.get_decision_display().lower()} this revision "
            f"({existing.signatory}); withdraw that first.",
            code="decision",
        )
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(
                ratification=ratification,
                organisation=organisation,
                revision=ratification.revision,
                signatory=acting_user,
                decision=decision,
                reason=reason,
            )
    except IntegrityError:
        raise ServiceError(f"{organisation.name} has already decided on this revision.", code="decision") from None
    _audit(
        "ratification.endorsed" if decision == Endorsement.Decision.ENDORSE else "ratification.declined",
        acting_user=acting_user,
        document=ratification.document,
        ratification=ratification.pk,
        organisation=organisation.pk,
        revision=ratification.revision.number,
    )
    _adopt_if_quorate(ratification, acting_user)
    return endorsement


def _lock_document_of(ratification: Ratification) -> None:
    # Document row first, then the ratification: the same order as publish(), so no deadlock.
    Document.objects.select_for_update(of=("self",)).filter(pk=ratification.document_id).first()


def _adopt_if_quorate(ratification: Ratification, actor: Any) -> None:
    endorsed = ratification.endorsements.filter(withdrawn_at__isnull=True, decision=Endorsement.Decision.ENDORSE)
    if endorsed.count() < ratification.quorum:
        return
    ratification.state, ratification.adopted_at = Ratification.State.ADOPTED, timezone.now()
    ratification.save(update_fields=["state", "adopted_at"])
    document = ratification.document
    _audit(
        "ratification.adopted",
        acting_user=actor,
        document=document,
        ratification=ratification.pk,
        revision=ratification.revision.number,
        organisations=sorted(endorsed.values_list("organisation_id", flat=True)),
    )
    owner = access_drafting.readers_by_organisation(document, [document.owner])
    _notify(
        kind="ratification_adopted",
        # Who opened it, the signatories who could decide, and the owner organisation's members.
        recipients=[ratification.opened_by, *access_drafting.ratifying_signatories(document)]
        + [u for people in owner.values() for u in people],
        document=document,
        actor=actor,
        verb=f"completed the quorum adopting revision {ratification.revision.number} of",
        url=reverse("drafting:ratification", args=[document.pk]),
    )


@transaction.atomic
def withdraw_endorsement(*, acting_user: Any, endorsement: Endorsement, mfa_confirmed: bool) -> Endorsement:
    _lock_document_of(endorsement.ratification)
    if not access.can(acting_user, Action.VIEW_DOCUMENT, endorsement.ratification.document):
        raise AccessDenied(Action.WITHDRAW_ENDORSEMENT)  # before any state is told
    _open_for_decisions(endorsement.ratification)
    endorsement = (
        Endorsement.objects.select_for_update()
        .select_related("ratification__document", "organisation")
        .get(pk=endorsement.pk)
    )
    _require(acting_user, Action.WITHDRAW_ENDORSEMENT, endorsement)
    _require_mfa(mfa_confirmed)
    endorsement.withdrawn_at, endorsement.withdrawn_by = timezone.now(), acting_user
    endorsement.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _audit(
        "ratification.withdrawn",
        acting_user=acting_user,
        document=endorsement.ratification.document,
        ratification=endorsement.ratification_id,
        organisation=endorsement.organisation_id,
    )
    return endorsement


@transaction.atomic
def close_ratification(*, acting_user: Any, ratification: Ratification) -> Ratification:
    document = _locked(ratification.document)
    _require(acting_user, Action.OPEN_RATIFICATION, document)
    ratification = Ratification.objects.select_for_update().get(pk=ratification.pk)
    if ratification.state != Ratification.State.OPEN:
        raise ServiceError(f"This ratification is already {ratification.get_state_display().lower()}.")
    ratification.state, ratification.closed_at = Ratification.State.CLOSED, timezone.now()
    ratification.save(update_fields=["state", "closed_at"])
    _audit("ratification.closed", acting_user=acting_user, document=document, ratification=ratification.pk)
    return ratification


# --- Acknowledgement -------------------------------------------------------------------------------


@transaction.atomic
def request_acknowledgement(
    *, acting_user: Any, document: Document, organisations: list[Organisation], message: str = ""
) -> AcknowledgementRequest:
    document = _locked(document)
    _require(acting_user, Action.REQUEST_ACKNOWLEDGEMENT, document)
    if document.kind != Document.Kind.GUIDANCE:
        raise ServiceError("Acknowledgement is asked for guidance documents.", code="organisations")
    if document.status != Document.Status.PUBLISHED or document.published_revision is None:
        raise ServiceError("Publish the guidance before asking organisations to acknowledge it.", code="organisations")
    if not organisations:
        raise ServiceError("Choose at least one organisation.", code="organisations")
    reach = access_drafting.readers_by_organisation(document, organisations, at_least=Role.CONTRIBUTOR)
    unreached = [o.name for o in organisations if not reach.get(o.pk)]
    if unreached:
        raise ServiceError(
            f"Nobody at {', '.join(unreached)} can read this guidance (or acknowledge it): share it with them first.",
            code="organisations",
        )
    request = AcknowledgementRequest.objects.create(
        document=document,
        revision=document.published_revision,
        message=_text(message, field="message", label="the message", limit=2000, required=False),
        requested_by=acting_user,
    )
    request.organisations.set(organisations)
    _audit(
        "acknowledgement.requested",
        acting_user=acting_user,
        document=document,
        request=request.pk,
        organisations=sorted(o.pk for o in organisations),
        revision=request.revision.number,
    )
    _notify(
        kind="acknowledgement_requested",
        recipients=[u for people in reach.values() for u in people],
        document=document,
        actor=acting_user,
        verb=f"asked your organisation to acknowledge revision {request.revision.number} of",
        url=reverse("drafting:acknowledgements", args=[document.pk]),
    )
    return request


@transaction.atomic
def acknowledge(*, acting_user: Any, request: AcknowledgementRequest, organisation: Organisation) -> Acknowledgement:
    request = AcknowledgementRequest.objects.select_related("document", "revision").get(pk=request.pk)
    memberships = access.acknowledging_memberships(acting_user, request)
    if not memberships:
        raise AccessDenied(Action.ACKNOWLEDGE)
    if organisation.pk not in {m.organisation_id for m in memberships}:
        raise ServiceError(f"{organisation.name} was not asked, or you cannot acknowledge for it.", code="organisation")
    if request.acknowledgements.filter(user=acting_user, organisation=organisation).exists():
        raise ServiceError(f"You have already acknowledged this for {organisation.name}.", code="organisation")
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(request=request, organisation=organisation, user=acting_user)
    except IntegrityError:
        raise ServiceError(
            f"You have already acknowledged this for {organisation.name}.", code="organisation"
        ) from None
    _audit(
        "acknowledgement.given",
        acting_user=acting_user,
        document=request.document,
        request=request.pk,
        organisation=organisation.pk,
        revision=request.revision.number,
    )
    return ack
