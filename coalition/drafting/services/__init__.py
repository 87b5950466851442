"""Writes for drafting together, one module per feature: comments, proposals, review, publication
(with the document workflow that keeps a review in step with new revisions and status changes),
ratification and acknowledgement. Each write runs in one transaction, asks coalition.access,
refuses illegal transitions with a message for the person, records its audit event and notifies the
people concerned (only those who can read the document; coalition.notifications checks again).

Callers use this package's names (`from coalition.drafting import services`); the modules below
import each other only downwards: common <- comments, review <- proposals, publication."""

from coalition.drafting.services.acknowledgements import acknowledge, request_acknowledgement
from coalition.drafting.services.comments import MENTION, add_comment, can_resolve, edit_comment, reply, set_resolved
from coalition.drafting.services.common import MAX_COMMENT_CHARS, discussion_url, revision_for
from coalition.drafting.services.proposals import (
    ACCEPT,
    ACCEPT_WITH_CHANGES,
    OUTCOMES,
    REJECT,
    decide_proposal,
    propose,
    withdraw_proposal,
)
from coalition.drafting.services.publication import publish, restore_revision, save_revision, set_status
from coalition.drafting.services.ratification import (
    close_ratification,
    default_quorum,
    endorse,
    open_ratification,
    ratifying_organisations,
    withdraw_endorsement,
)
from coalition.drafting.services.review import (
    APPROVE,
    CHANGES,
    MAX_STEPS,
    StepSpec,
    decide_review,
    on_new_revision,
    request_review,
    reviewers_of,
    set_review_steps,
    withdraw_review,
)

__all__ = [
    "ACCEPT",
    "ACCEPT_WITH_CHANGES",
    "APPROVE",
    "CHANGES",
    "MAX_COMMENT_CHARS",
    "MAX_STEPS",
    "MENTION",
    "OUTCOMES",
    "REJECT",
    "StepSpec",
    "acknowledge",
    "add_comment",
    "can_resolve",
    "close_ratification",
    "decide_proposal",
    "decide_review",
    "default_quorum",
    "discussion_url",
    "edit_comment",
    "endorse",
    "on_new_revision",
    "open_ratification",
    "propose",
    "publish",
    "ratifying_organisations",
    "reply",
    "request_acknowledgement",
    "request_review",
    "restore_revision",
    "reviewers_of",
    "revision_for",
    "save_revision",
    "set_resolved",
    "set_review_steps",
    "set_status",
    "withdraw_endorsement",
    "withdraw_proposal",
    "withdraw_review",
]
