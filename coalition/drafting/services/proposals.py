"""Change proposals: a replacement for a section or a quoted passage, decided once by the owner
organisation's editors; accepting makes a new revision that credits the proposer."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting import anchors
from coalition.drafting.models import (
    Anchor,
    Proposal,
)
from coalition.drafting.services.common import (
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
    require,
    revision_for,
)
from coalition.drafting.services.review import on_new_revision
from coalition.library import services as library
from coalition.library.models import Document, Revision
from coalition.search import index as search_index


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
    document = locked(document)
    membership = access.commenting_membership(acting_user, document)
    if membership is None:
        raise AccessDenied(Action.PROPOSE_CHANGE)
    revision = revision_for(acting_user, document, revision_number)
    if anchor == Anchor.DOCUMENT:
        raise ServiceError("Choose the section or passage your text replaces.", code="anchor")
    fields = anchor_fields(anchor=anchor, section=section, quote=quote, revision=revision)
    if anchor == Anchor.SECTION:
        original = anchors.section_markdown(revision, section)
        if original is None:
            raise ServiceError(
                "This section's text cannot be found in the source; quote the passage instead.", code="section"
            )
    else:
        original = _unique_passage(revision.body, fields["quote"], revision=revision)
    replacement = clean_text(
        replacement, field="replacement", label="the replacement text", limit=50_000, required=False
    )
    rationale = clean_text(rationale, field="rationale", label="why you propose it", limit=5000)
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
    search_index.index_proposal(proposal)
    audit("proposal.made", acting_user=acting_user, document=document, proposal=proposal.pk, revision=revision.number)
    notify_watchers(
        kind="proposal_submitted",
        document=document,
        actor=acting_user,
        verb="proposed a change to",
        url=reverse("drafting:proposal", args=[document.pk, proposal.pk]),
        excerpt=rationale,
        draft=is_draft(revision),
        task=f"proposal:{proposal.pk}",
    )
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
    document = locked(proposal.document)
    require(acting_user, Action.DECIDE_PROPOSAL, document)
    proposal = Proposal.objects.select_for_update().select_related("author", "organisation").get(pk=proposal.pk)
    if not proposal.is_open:
        raise ServiceError(
            f"This proposal was already {proposal.get_status_display().lower()}; it cannot be decided again.",
            code="outcome",
        )
    if outcome not in OUTCOMES:
        raise ServiceError("Choose accept, accept with changes, or reject.", code="outcome")
    response = clean_text(response, field="response", label="a response to the proposer", limit=5000)
    if outcome != REJECT:
        text = proposal.replacement
        if outcome == ACCEPT_WITH_CHANGES:
            text = clean_text(final_text, field="final_text", label="the text to put in", limit=50_000, required=False)
            if text == proposal.replacement:
                raise ServiceError("That is the proposed text unchanged: choose “accept” instead.", code="final_text")
            proposal.final_text = text
        proposal.result_revision = _apply(document, proposal, text, acting_user)
    proposal.status = OUTCOMES[outcome]
    proposal.response = response
    proposal.decided_by = acting_user
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "response", "final_text", "decided_by", "decided_at", "result_revision"])
    search_index.index_proposal(proposal)
    audit(
        "proposal.decided",
        acting_user=acting_user,
        document=document,
        proposal=proposal.pk,
        outcome=proposal.status,
        revision=proposal.result_revision.number if proposal.result_revision else None,
    )
    mark_done(task=f"proposal:{proposal.pk}")
    notify(
        kind="proposal_decided",
        # Fix (review of issue 4): only if the proposer still sees the revision it was made on; a
        # grant revoked since would otherwise bring the response about a draft to their inbox.
        recipients=[proposal.author] if can_see_revision(proposal.author, document, proposal.revision) else [],
        document=document,
        actor=acting_user,
        verb=f"{proposal.get_status_display().lower()} your proposal on",
        url=discussion_url(document, f"proposal-{proposal.pk}"),
        excerpt=response,
        draft=is_draft(proposal.revision),
    )
    return proposal


def _apply(document: Document, proposal: Proposal, text: str, acting_user: Any) -> Revision:
    """A new revision with the proposal's passage replaced, crediting the proposer; an open review
    starts again on it."""
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
    revision = library.new_revision(
        acting_user=acting_user,
        document=document,
        body=body,
        message=f"Accepted proposal #{proposal.pk} by {credit}",
    )
    on_new_revision(acting_user=acting_user, document=document, revision=revision)
    return revision


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
    audit("proposal.withdrawn", acting_user=acting_user, document=proposal.document, proposal=proposal.pk)
    mark_done(task=f"proposal:{proposal.pk}")
    return proposal
