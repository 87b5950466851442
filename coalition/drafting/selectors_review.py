"""Reads for the review, ratification and acknowledgement pages. Who may see what is decided by
coalition.access; these gather each page's rows in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from coalition import access
from coalition.access import Action
from coalition.drafting import services as drafting
from coalition.drafting.models import (
    Acknowledgement,
    AcknowledgementRequest,
    Endorsement,
    Ratification,
    Review,
    ReviewDecision,
    ReviewStep,
)
from coalition.library import diff, rendered_diff
from coalition.library import selectors as library_selectors
from coalition.library.models import TLP, Audience, Document, Revision
from coalition.organisations.models import Organisation

# A document goes through few reviews; the page shows the latest ones.
PAST_REVIEWS = 20


# --- Review ----------------------------------------------------------------------------------------


def open_review(document: Document) -> Review | None:
    review = document.reviews.filter(state__in=Review.OPEN_STATES).select_related("revision", "requested_by").first()
    if review is not None:
        review.document = document
    return review


@dataclass
class SincePublished:
    """What changed between the revision readers see and the one under review (or the current one,
    when no review is open): formatted and as Markdown source. `published` is None when nothing was
    published yet, and the comparisons are None when the two are the same revision."""

    published: Revision | None
    revision: Revision
    rendered: rendered_diff.RenderedDiff | None = None
    source: diff.Comparison | None = None


def since_published(document: Document, review: Review | None) -> SincePublished | None:
    revision = review.revision if review is not None else document.current_revision
    if revision is None:
        return None
    published = document.published_revision
    if published is None or published.pk == revision.pk:
        return SincePublished(published=published, revision=revision)
    return SincePublished(
        published=published,
        revision=revision,
        rendered=rendered_diff.compare_html(published.html, revision.html),
        source=diff.compare(published.body, revision.body),
    )


def review_document_for(user: Any, pk: Any) -> tuple[Document, Review | None, bool]:
    """The document, its open review, and whether the user may follow the review: those who work
    on the text (owner, co-drafters, grants) or review its current step. Someone who reads the
    document only through its audience never sees the review of a draft (its revisions and the
    reviewers' comments are about unpublished text)."""
    document = library_selectors.document_for(user, pk)
    review = open_review(document)
    follows = access.sees_working_copy(user, document) or (
        review is not None and access.can(user, Action.DECIDE_REVIEW, review)
    )
    return document, review, follows


@dataclass
class StepRow:
    step: ReviewStep
    # People who can review it (None when the page did not need to find out).
    reviewers: list[Any] | None
    state: str  # "done", "current", "waiting" or "" (no open review)

    @property
    def unreachable(self) -> bool:
        return self.reviewers is not None and not self.reviewers


@dataclass
class Readiness:
    """Whether the owner's editors can publish now, and if not, why (the service decides)."""

    ready: bool
    reason: str


@dataclass
class ReviewPage:
    steps: list[StepRow]
    review: Review | None
    current_step: ReviewStep | None
    deciders: list[Any]
    decisions: list[ReviewDecision]
    past: list[Review]
    publish: Readiness
    can_request: Readiness


def _reviews_with_decisions(document: Document) -> list[Review]:
    decisions = ReviewDecision.objects.select_related("reviewer", "organisation", "revision")
    return list(
        document.reviews.select_related("revision", "requested_by").prefetch_related(
            Prefetch("decisions", queryset=decisions)
        )[: PAST_REVIEWS + 1]
    )


def _publish_readiness(document: Document, review: Review | None, has_steps: bool) -> Readiness:
    current = document.current_revision
    if current is None:
        return Readiness(False, "There is no text to publish yet.")
    if document.status == Document.Status.ARCHIVED:
        return Readiness(False, "The document is archived.")
    if document.published_revision_id == current.pk and document.status == Document.Status.PUBLISHED:
        return Readiness(False, f"Revision {current.number} is already published.")
    if review is None:
        if has_steps:
            return Readiness(False, "Ask for review first: it can be published once every step has approved.")
        return Readiness(True, "There are no review steps: the owner's editors publish directly.")
    if review.revision_id != current.pk:
        return Readiness(False, f"The review is of revision {review.revision.number}, not the current one.")
    if review.state == Review.State.APPROVED:
        return Readiness(True, f"Every step has approved revision {current.number}.")
    if review.state == Review.State.CHANGES_REQUESTED:
        return Readiness(False, "Changes were requested: save a new revision and the review starts again.")
    return Readiness(False, "The review is in progress: publishing needs every step's approval.")


def _request_readiness(document: Document, review: Review | None, steps: list[StepRow]) -> Readiness:
    if review is not None:
        return Readiness(False, "A review is already open.")
    if document.current_revision is None:
        return Readiness(False, "Write the text before asking for review.")
    if document.status == Document.Status.ARCHIVED:
        return Readiness(False, "The document is archived.")
    if document.status == Document.Status.PUBLISHED and document.published_revision_id == document.current_revision_id:
        return Readiness(False, "This revision is already published; save a new revision to review it.")
    if not steps:
        return Readiness(False, "Add at least one review step first.")
    if any(row.unreachable for row in steps):
        return Readiness(False, "Somebody must be able to review every step: see the warnings above.")
    return Readiness(True, "")


def review_page(user: Any, document: Document, review: Review | None) -> ReviewPage:
    steering = access.can(user, Action.REQUEST_REVIEW, document)
    steps = list(document.review_steps.select_related("organisation", "community"))
    rows: list[StepRow] = []
    current_step: ReviewStep | None = None
    deciders: list[Any] = []
    for step in steps:
        state = ""
        if review is not None:
            if review.state == Review.State.APPROVED or step.position < review.current_position:
                state = "done"
            elif step.position == review.current_position:
                state = "current"
                current_step = step
            else:
                state = "waiting"
        # Finding who can review costs a look at each candidate's access: only for the steps'
        # editors (the warning) and for the step deciding now.
        reviewers = drafting.reviewers_of(step, document) if steering or state == "current" else None
        if state == "current" and review is not None and review.state == Review.State.IN_PROGRESS:
            deciders = [u for u in reviewers or [] if u.pk != review.requested_by_id]
        rows.append(StepRow(step=step, reviewers=reviewers, state=state))
    reviews = _reviews_with_decisions(document)
    decisions: list[ReviewDecision] = []
    past: list[Review] = []
    for r in reviews:
        if review is not None and r.pk == review.pk:
            decisions = list(r.decisions.all())
        else:
            past.append(r)
    return ReviewPage(
        steps=rows,
        review=review,
        current_step=current_step,
        deciders=deciders,
        decisions=decisions,
        past=past[:PAST_REVIEWS],
        publish=_publish_readiness(document, review, bool(steps)),
        can_request=_request_readiness(document, review, rows) if steering else Readiness(False, ""),
    )


# --- Ratification ------------------------------------------------------------------------------------


def principles_document_for(user: Any, pk: Any, action: Action = Action.VIEW_DOCUMENT) -> Document:
    document = library_selectors.document_for(user, pk, action)
    if document.kind != Document.Kind.PRINCIPLES:
        raise Http404("No such page.")
    return document


@dataclass
class OrganisationRow:
    organisation: Organisation
    decision: Endorsement | None
    # Earlier decisions of this organisation on the same ratification, withdrawn since.
    withdrawn: list[Endorsement] = field(default_factory=list)


@dataclass
class RatificationRow:
    ratification: Ratification
    endorsed: int
    organisations: list[OrganisationRow]

    @property
    def needed(self) -> int:
        return max(self.ratification.quorum - self.endorsed, 0)


@dataclass
class EndorsedVersion:
    organisation: Organisation
    endorsement: Endorsement
    adopted: bool


@dataclass
class RatificationPage:
    current: RatificationRow | None
    past: list[RatificationRow]
    adopted: list[Ratification]
    endorsed_versions: list[EndorsedVersion]
    # The signatory's organisations on the open ratification, those of them that have not decided
    # yet, and their decisions they may withdraw.
    signatory_for: list[Any]
    undecided_for: list[Any]
    withdrawable: list[Endorsement]


def ratifications_of(document: Document) -> list[Ratification]:
    endorsements = Endorsement.objects.select_related("organisation", "signatory", "revision", "withdrawn_by")
    ratifications = list(
        document.ratifications.select_related("revision", "opened_by").prefetch_related(
            Prefetch("endorsements", queryset=endorsements)
        )
    )
    for r in ratifications:
        r.document = document
    return ratifications


def _row(ratification: Ratification, eligible: list[Organisation] | None) -> RatificationRow:
    active: dict[int, Endorsement] = {}
    withdrawn: dict[int, list[Endorsement]] = {}
    organisations: dict[int, Organisation] = {}
    for e in ratification.endorsements.all():
        organisations[e.organisation_id] = e.organisation
        if e.withdrawn_at is None:
            active[e.organisation_id] = e
        else:
            withdrawn.setdefault(e.organisation_id, []).append(e)
    # While it is open, every organisation that may still decide is listed; afterwards, the record.
    for o in eligible or []:
        organisations.setdefault(o.pk, o)
    rows = [
        OrganisationRow(organisation=o, decision=active.get(pk), withdrawn=withdrawn.get(pk, []))
        for pk, o in sorted(organisations.items(), key=lambda item: item[1].name.lower())
    ]
    endorsed = sum(1 for e in active.values() if e.decision == Endorsement.Decision.ENDORSE)
    return RatificationRow(ratification=ratification, endorsed=endorsed, organisations=rows)


def ratification_page(user: Any, document: Document) -> RatificationPage:
    ratifications = ratifications_of(document)
    current_ratification = next((r for r in ratifications if r.state == Ratification.State.OPEN), None)
    current = None
    signatory_for: list[Any] = []
    undecided_for: list[Any] = []
    withdrawable: list[Endorsement] = []
    if current_ratification is not None:
        # Who may still decide is who the document is shared with, which the library shows only to
        # the owner's editors: others see the organisations that decided (a public act), unless
        # every organisation is reached anyway (a coalition-wide or public audience).
        everyone = document.audience in (Audience.COALITION, Audience.PUBLIC) and document.tlp != TLP.RED
        roll = everyone or access.can(user, Action.SHARE_DOCUMENT, document)
        current = _row(current_ratification, list(drafting.ratifying_organisations(document)) if roll else None)
        signatory_for = access.signatory_memberships(user, current_ratification)
        mine = {m.organisation_id for m in signatory_for}
        withdrawable = [
            row.decision for row in current.organisations if row.decision is not None and row.organisation.pk in mine
        ]
        decided = {e.organisation_id for e in withdrawable}
        undecided_for = [m for m in signatory_for if m.organisation_id not in decided]
    past = [_row(r, None) for r in ratifications if r is not current_ratification]
    # Where each organisation stands: the latest revision it endorsed (and whether that was adopted).
    latest: dict[int, EndorsedVersion] = {}
    for r in ratifications:  # newest first
        for e in r.endorsements.all():
            if (
                e.withdrawn_at is None
                and e.decision == Endorsement.Decision.ENDORSE
                and e.organisation_id not in latest
            ):
                latest[e.organisation_id] = EndorsedVersion(
                    organisation=e.organisation, endorsement=e, adopted=r.state == Ratification.State.ADOPTED
                )
    return RatificationPage(
        current=current,
        past=past,
        adopted=[r for r in ratifications if r.state == Ratification.State.ADOPTED],
        endorsed_versions=sorted(latest.values(), key=lambda v: v.organisation.name.lower()),
        signatory_for=signatory_for,
        undecided_for=undecided_for,
        withdrawable=withdrawable,
    )


def decided_organisation_ids(ratification: Ratification) -> set[int]:
    """The organisations whose decision on the ratification stands (not withdrawn)."""
    return set(ratification.endorsements.filter(withdrawn_at__isnull=True).values_list("organisation_id", flat=True))


def current_ratification(document: Document) -> Ratification | None:
    ratification = document.ratifications.filter(state=Ratification.State.OPEN).select_related("revision").first()
    if ratification is not None:
        ratification.document = document
    return ratification


@dataclass
class AdoptedVersion:
    revision: Revision
    adopted_at: Any
    organisations: list[Organisation]


def adopted_versions(document: Document) -> list[AdoptedVersion]:
    """Each adopted revision and the organisations whose endorsement adopted it."""
    endorsing = Endorsement.objects.filter(
        withdrawn_at__isnull=True, decision=Endorsement.Decision.ENDORSE
    ).select_related("organisation")
    adopted = document.ratifications.filter(state=Ratification.State.ADOPTED).select_related("revision")
    return [
        AdoptedVersion(
            revision=r.revision,
            adopted_at=r.adopted_at,
            organisations=sorted((e.organisation for e in r.endorsements.all()), key=lambda o: o.name.lower()),
        )
        for r in adopted.prefetch_related(Prefetch("endorsements", queryset=endorsing)).order_by("-adopted_at")
    ]


# --- Acknowledgement ---------------------------------------------------------------------------------


def guidance_document_for(user: Any, pk: Any, action: Action = Action.VIEW_DOCUMENT) -> Document:
    document = library_selectors.document_for(user, pk, action)
    if document.kind != Document.Kind.GUIDANCE:
        raise Http404("No such page.")
    return document


@dataclass
class AskedOrganisation:
    organisation: Organisation
    acknowledgements: list[Acknowledgement]

    @property
    def acknowledged(self) -> bool:
        return bool(self.acknowledgements)


@dataclass
class RequestRow:
    request: AcknowledgementRequest
    # The whole roll-up, for the owner's editors only.
    rollup: list[AskedOrganisation] | None
    acknowledged: int
    asked: int
    # The organisations the user may acknowledge for, with what they did for each.
    mine: list[tuple[Any, Acknowledgement | None]]
    # The user's organisations that were asked (for readers who cannot acknowledge themselves).
    asked_of_mine: list[Organisation]


def acknowledgement_page(user: Any, document: Document) -> list[RequestRow]:
    owner_view = access.can(user, Action.REQUEST_ACKNOWLEDGEMENT, document)
    my_organisations = access.organisation_ids_of(user)
    acks = Acknowledgement.objects.select_related("user", "organisation")
    requests = document.acknowledgement_requests.select_related("revision", "requested_by").prefetch_related(
        "organisations", Prefetch("acknowledgements", queryset=acks)
    )
    rows = []
    for req in requests:
        req.document = document
        asked = sorted(req.organisations.all(), key=lambda o: o.name.lower())
        by_org: dict[int, list[Acknowledgement]] = {}
        for a in req.acknowledgements.all():
            by_org.setdefault(a.organisation_id, []).append(a)
        mine = [
            (m, next((a for a in by_org.get(m.organisation_id, []) if a.user_id == user.pk), None))
            for m in access.acknowledging_memberships(user, req)
        ]
        asked_of_mine = [o for o in asked if o.pk in my_organisations]
        if not owner_view and not asked_of_mine:
            continue
        rows.append(
            RequestRow(
                request=req,
                rollup=[AskedOrganisation(o, by_org.get(o.pk, [])) for o in asked] if owner_view else None,
                acknowledged=sum(1 for o in asked if by_org.get(o.pk)),
                asked=len(asked),
                mine=mine,
                asked_of_mine=asked_of_mine,
            )
        )
    return rows
