"""Review before publication: ordered steps, one approval per step, and a review that starts again
at the first step whenever a new revision is saved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.access import drafting as access_drafting
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting.models import (
    Review,
    ReviewDecision,
    ReviewStep,
)
from coalition.drafting.services.common import (
    audit,
    clean_text,
    is_draft,
    locked,
    mark_done,
    notify,
    notify_watchers,
    require,
)
from coalition.library.models import Document, Revision
from coalition.organisations.models import Community, Organisation, Role

MAX_STEPS = 10


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
    document = locked(document)
    require(acting_user, Action.REQUEST_REVIEW, document)
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
    audit(
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


def open_review(document: Document) -> Review | None:
    return document.reviews.select_for_update().filter(state__in=Review.OPEN_STATES).first()


@transaction.atomic
def request_review(*, acting_user: Any, document: Document) -> Review:
    document = locked(document)
    require(acting_user, Action.REQUEST_REVIEW, document)
    if open_review(document) is not None:
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
    audit(
        "review.requested",
        acting_user=acting_user,
        document=document,
        review=review.pk,
        revision=review.revision.number,
    )
    told = tell_step(review, steps[0], acting_user, verb="asked you to review")
    tell_watchers(review, acting_user, verb="asked for review of", told=told)
    return review


def review_task(review: Review) -> str:
    """The prefix of the tasks a review gives its reviewers ("review:<id>:<step>:<revision>")."""
    return f"review:{review.pk}:"


def tell_step(review: Review, step: ReviewStep, actor: Any, *, verb: str) -> list[Any]:
    reviewers = [u for u in reviewers_of(step, review.document) if u.pk != review.requested_by_id]
    notify(
        kind="review_requested",
        recipients=reviewers,
        document=review.document,
        actor=actor,
        # The step's name is member text: it goes in the excerpt, which TLP:AMBER and above emails omit.
        verb=verb,
        url=reverse("drafting:review", args=[review.document_id]),
        excerpt=f"Review step: {step.name}",
        draft=is_draft(review.revision),
        task=f"{review_task(review)}{step.position}:{review.revision_id}",
    )
    return reviewers


def tell_watchers(review: Review, actor: Any, *, verb: str, told: Sequence[Any] = ()) -> None:
    notify_watchers(
        document=review.document,
        actor=actor,
        verb=verb,
        url=reverse("drafting:review", args=[review.document_id]),
        draft=is_draft(review.revision),
        told=told,
    )


APPROVE, CHANGES = ReviewDecision.Outcome.APPROVE, ReviewDecision.Outcome.CHANGES


@transaction.atomic
def decide_review(*, acting_user: Any, review: Review, outcome: str, comment: str = "") -> ReviewDecision:
    document = locked(review.document)
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
    comment = clean_text(
        comment, field="comment", label="what needs to change", limit=5000, required=outcome == CHANGES
    )
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
    mark_done(task=review_task(review), prefix=True)  # the step is decided, for all its reviewers
    audit(
        "review.decided",
        acting_user=acting_user,
        document=document,
        review=review.pk,
        step=step.name,
        outcome=outcome,
        revision=review.revision.number,
    )
    label = "approved your review request for" if outcome == APPROVE else "requested changes to"
    notify(
        kind="review_decided",
        # Fix (review of issue 4): the reviewer's comment is about the revision under review, which
        # may be a draft; the person who asked hears of it only while they still work on the text.
        recipients=[review.requested_by] if access.sees_working_copy(review.requested_by, document) else [],
        document=document,
        actor=acting_user,
        verb=label,
        url=reverse("drafting:review", args=[document.pk]),
        excerpt=f"Review step: {step.name}" + (f"\n\n{comment}" if comment else ""),
        draft=is_draft(review.revision),
    )
    told = [review.requested_by]
    if review.state == Review.State.IN_PROGRESS:
        # Read as "<actor> approved a review step; yours is next on “<title>”".
        told += tell_step(
            review, steps[review.current_position], acting_user, verb="approved a review step; yours is next on"
        )
    tell_watchers(
        review,
        acting_user,
        verb="approved a review step on" if outcome == APPROVE else "requested changes to",
        told=told,
    )
    return decision


def on_new_revision(*, acting_user: Any, document: Document, revision: Revision) -> None:
    """A new revision during review sends it back to the first step; its reviewers are told."""
    review = open_review(document)
    if review is None or review.revision_id == revision.pk:
        return
    review.revision = revision
    review.current_position = 0
    review.state = Review.State.IN_PROGRESS
    review.save(update_fields=["revision", "current_position", "state"])
    mark_done(task=review_task(review), prefix=True)  # the earlier revision's steps are moot
    audit("review.restarted", acting_user=acting_user, document=document, review=review.pk, revision=revision.number)
    first = document.review_steps.order_by("position").first()
    if first is not None:
        tell_step(review, first, acting_user, verb="saved a new revision, restarting the review of")


@transaction.atomic
def withdraw_review(*, acting_user: Any, document: Document) -> Review:
    document = locked(document)
    require(acting_user, Action.REQUEST_REVIEW, document)
    review = open_review(document)
    if review is None:
        raise ServiceError("There is no open review to withdraw.", code="review")
    review.state, review.closed_at = Review.State.WITHDRAWN, timezone.now()
    review.save(update_fields=["state", "closed_at"])
    if document.status == Document.Status.IN_REVIEW:
        document.status = Document.Status.DRAFT
        document.save(update_fields=["status", "updated_at"])
    audit("review.withdrawn", acting_user=acting_user, document=document, review=review.pk)
    mark_done(task=review_task(review), prefix=True)
    tell_watchers(review, acting_user, verb="withdrew the review of")
    return review
