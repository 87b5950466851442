"""The drafting state machine: every illegal transition of a review, a proposal, a ratification or
an acknowledgement is refused with a message for the person and changes nothing (no row, no audit
event), and the database refuses the two "only one open at a time" rules by itself."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting import services as drafting
from coalition.drafting.models import (
    Acknowledgement,
    AcknowledgementRequest,
    Endorsement,
    Proposal,
    Ratification,
    Review,
    ReviewDecision,
    ReviewStep,
)
from coalition.drafting.services import publication as workflow
from coalition.library import selectors
from coalition.library.models import Document, Revision
from coalition.notifications.models import Notification
from coalition.organisations.models import Role
from tests.drafting.conftest import BODY, last_seq, save, step

NEW_BODY = BODY.replace("every service", "every product and service")


def _review_state(review: Review) -> tuple[Any, ...]:
    review.refresh_from_db()
    return (review.state, review.current_position, review.revision_id, review.decisions.count())


@pytest.fixture
def two_steps(make_document: Any, acme: Any, acme_editor: Any) -> Document:
    """A draft with two review steps: Acme's admins, then Acme's editors."""
    document = make_document()
    drafting.set_review_steps(
        acting_user=acme_editor,
        document=document,
        steps=[step("Legal", Role.ADMIN, organisation=acme), step("Policy", Role.EDITOR, organisation=acme)],
    )
    return document


@pytest.fixture
def reviewed(two_steps: Document, acme_editor: Any, acme_admin: Any) -> Review:
    return drafting.request_review(acting_user=acme_editor, document=two_steps)


# --- Publication ---------------------------------------------------------------------------------


def test_publishing_before_asking_for_review_is_refused_when_the_document_has_steps(
    two_steps: Document, acme_editor: Any
) -> None:
    seq = last_seq()
    with pytest.raises(ServiceError, match="ask for review"):
        drafting.publish(acting_user=acme_editor, document=two_steps)
    two_steps.refresh_from_db()
    assert two_steps.status == Document.Status.DRAFT and two_steps.published_revision is None
    assert last_seq() == seq


def test_publishing_before_every_step_has_approved_is_refused_and_changes_nothing(
    reviewed: Review, acme_editor: Any, acme_admin: Any
) -> None:
    drafting.decide_review(acting_user=acme_admin, review=reviewed, outcome="approve")  # step 1 of 2
    before, seq = _review_state(reviewed), last_seq()

    with pytest.raises(ServiceError, match=r"every review step's approval of revision 1; the review is in progress"):
        drafting.publish(acting_user=acme_editor, document=reviewed.document)

    document = Document.objects.get(pk=reviewed.document_id)
    assert document.status == Document.Status.IN_REVIEW and document.published_revision is None
    assert _review_state(reviewed) == before and before[1] == 1
    assert not Revision.objects.filter(document=document, published_at__isnull=False).exists()
    assert last_seq() == seq


def test_publishing_with_changes_requested_is_refused(reviewed: Review, acme_editor: Any, acme_admin: Any) -> None:
    drafting.decide_review(acting_user=acme_admin, review=reviewed, outcome="changes", comment="Cite the law.")
    before, seq = _review_state(reviewed), last_seq()

    with pytest.raises(ServiceError, match="the review is changes requested"):
        drafting.publish(acting_user=acme_editor, document=reviewed.document)

    assert _review_state(reviewed) == before and before[0] == Review.State.CHANGES_REQUESTED
    assert Document.objects.get(pk=reviewed.document_id).status == Document.Status.IN_REVIEW
    assert last_seq() == seq


def test_publishing_the_revision_already_published_is_refused(make_document: Any, acme_editor: Any) -> None:
    document = make_document(publish=True)
    seq = last_seq()
    with pytest.raises(ServiceError, match="Revision 1 is already published"):
        drafting.publish(acting_user=acme_editor, document=document)
    assert last_seq() == seq


def test_an_approved_review_publishes_and_completes(reviewed: Review, acme_editor: Any, acme_admin: Any) -> None:
    drafting.decide_review(acting_user=acme_admin, review=reviewed, outcome="approve")
    drafting.decide_review(acting_user=acme_admin, review=reviewed, outcome="approve")
    drafting.publish(acting_user=acme_editor, document=reviewed.document)
    reviewed.refresh_from_db()
    assert reviewed.state == Review.State.COMPLETED and reviewed.closed_at is not None
    assert Document.objects.get(pk=reviewed.document_id).status == Document.Status.PUBLISHED


# --- Reviews ---------------------------------------------------------------------------------------


def test_a_second_review_cannot_be_requested_while_one_is_open(reviewed: Review, acme_editor: Any) -> None:
    seq = last_seq()
    with pytest.raises(ServiceError, match="A review of this document is already open"):
        drafting.request_review(acting_user=acme_editor, document=reviewed.document)
    assert Review.objects.filter(document_id=reviewed.document_id).count() == 1
    assert last_seq() == seq


@pytest.mark.parametrize("second", Review.OPEN_STATES)
def test_the_database_refuses_a_second_open_review(reviewed: Review, acme_editor: Any, second: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            document=reviewed.document, revision=reviewed.revision, requested_by=acme_editor, state=second
        )
    assert Review.objects.filter(document_id=reviewed.document_id).count() == 1


@pytest.mark.parametrize("closed", [Review.State.COMPLETED, Review.State.WITHDRAWN])
def test_the_database_keeps_any_number_of_closed_reviews(reviewed: Review, acme_editor: Any, closed: str) -> None:
    for _ in range(2):
        Review.objects.create(
            document=reviewed.document, revision=reviewed.revision, requested_by=acme_editor, state=closed
        )
    assert Review.objects.filter(document_id=reviewed.document_id).count() == 3


def _bring_review_to(state: str, review: Review, *, editor: Any, admin: Any) -> None:
    """Through the services, as people would."""
    if state == Review.State.CHANGES_REQUESTED:
        drafting.decide_review(acting_user=admin, review=review, outcome="changes", comment="Shorter, please.")
    elif state == Review.State.WITHDRAWN:
        drafting.withdraw_review(acting_user=editor, document=review.document)
    else:
        drafting.decide_review(acting_user=admin, review=review, outcome="approve")
        drafting.decide_review(acting_user=admin, review=review, outcome="approve")
        if state == Review.State.COMPLETED:
            drafting.publish(acting_user=editor, document=review.document)
    review.refresh_from_db()
    assert review.state == state


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (Review.State.CHANGES_REQUESTED, "Changes were requested: the review goes on when a new revision is saved"),
        (Review.State.APPROVED, "Every step has already approved this revision"),
        (Review.State.WITHDRAWN, "This review is withdrawn; it takes no more decisions"),
        (Review.State.COMPLETED, r"This review is completed \(published\); it takes no more decisions"),
    ],
)
def test_a_review_that_is_not_in_progress_takes_no_decision(
    reviewed: Review, acme_editor: Any, acme_admin: Any, state: str, message: str
) -> None:
    _bring_review_to(state, reviewed, editor=acme_editor, admin=acme_admin)
    before, seq = _review_state(reviewed), last_seq()

    for outcome, comment in (("approve", ""), ("changes", "One more thing.")):
        with pytest.raises(ServiceError, match=message):
            drafting.decide_review(acting_user=acme_admin, review=reviewed, outcome=outcome, comment=comment)

    assert _review_state(reviewed) == before
    assert last_seq() == seq


def test_the_person_who_asked_for_review_cannot_approve_it(
    make_document: Any, acme: Any, acme_admin: Any, acme_editor: Any
) -> None:
    document = make_document(by=acme_admin)
    drafting.set_review_steps(
        acting_user=acme_admin, document=document, steps=[step("Legal", Role.ADMIN, organisation=acme)]
    )
    review = drafting.request_review(acting_user=acme_admin, document=document)

    assert not access.can(acme_admin, Action.DECIDE_REVIEW, review)
    with pytest.raises(AccessDenied):
        drafting.decide_review(acting_user=acme_admin, review=review, outcome="approve")
    assert not ReviewDecision.objects.filter(review=review).exists()


def test_review_steps_cannot_change_while_a_review_is_open(reviewed: Review, acme_editor: Any, acme: Any) -> None:
    before = list(ReviewStep.objects.filter(document_id=reviewed.document_id).values_list("name", "role"))
    seq = last_seq()
    with pytest.raises(ServiceError, match="Steps cannot change while a review is open"):
        drafting.set_review_steps(
            acting_user=acme_editor, document=reviewed.document, steps=[step("Quick", Role.EDITOR, organisation=acme)]
        )
    assert list(ReviewStep.objects.filter(document_id=reviewed.document_id).values_list("name", "role")) == before
    assert last_seq() == seq


@pytest.mark.parametrize(
    "from_state", [Review.State.IN_PROGRESS, Review.State.CHANGES_REQUESTED, Review.State.APPROVED]
)
def test_a_new_revision_during_review_sends_it_back_to_the_first_step_and_tells_its_reviewers(
    reviewed: Review, acme_editor: Any, acme_admin: Any, make_member: Any, acme: Any, from_state: str
) -> None:
    second_admin = make_member(acme, Role.ADMIN, email="second-admin@acme.example")
    if from_state == Review.State.IN_PROGRESS:
        drafting.decide_review(acting_user=acme_admin, review=reviewed, outcome="approve")  # now at step 2
    else:
        _bring_review_to(from_state, reviewed, editor=acme_editor, admin=acme_admin)
    Notification.objects.all().delete()

    revision = save(reviewed.document, NEW_BODY, by=acme_editor)

    reviewed.refresh_from_db()
    assert (reviewed.state, reviewed.current_position, reviewed.revision) == (Review.State.IN_PROGRESS, 0, revision)
    told = set(Notification.objects.filter(kind="review_requested").values_list("recipient__email", flat=True))
    # The first step is Acme's admins; the editor who saved (and asked for review) is not told.
    assert told == {acme_admin.email, second_admin.email}
    # And the first step decides again, on the new text.
    decision = drafting.decide_review(acting_user=acme_admin, review=reviewed, outcome="approve")
    assert decision.revision == revision and decision.position == 0


# --- Proposals -----------------------------------------------------------------------------------

OUTCOMES = ("accept", "accept_with_changes", "reject")


@pytest.fixture
def proposal(make_document: Any, globex: Any, make_member: Any) -> Proposal:
    document = make_document(co_drafters=[globex])
    globex_contributor = make_member(globex, Role.CONTRIBUTOR, email="c@globex.example")
    return drafting.propose(
        acting_user=globex_contributor,
        document=document,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 24 hours, and at once where a child is at risk",
        rationale="Urgent cases cannot wait a day.",
    )


def _decide(proposal: Proposal, outcome: str, by: Any) -> Proposal:
    return drafting.decide_proposal(
        acting_user=by,
        proposal=proposal,
        outcome=outcome,
        response="Thank you for this.",
        final_text="within 12 hours" if outcome == "accept_with_changes" else "",
    )


def _proposal_state(proposal: Proposal) -> tuple[Any, ...]:
    proposal.refresh_from_db()
    document = proposal.document
    document.refresh_from_db()
    return (
        proposal.status,
        proposal.response,
        proposal.final_text,
        proposal.result_revision_id,
        proposal.decided_at,
        document.current_revision_id,
        document.revisions.count(),
    )


@pytest.mark.parametrize(("first", "second"), [(a, b) for a in OUTCOMES for b in OUTCOMES])
def test_a_proposal_is_decided_only_once(proposal: Proposal, acme_editor: Any, first: str, second: str) -> None:
    _decide(proposal, first, acme_editor)
    before, seq = _proposal_state(proposal), last_seq()
    shown = {"accept": "accepted", "accept_with_changes": "accepted with changes", "reject": "rejected"}[first]

    with pytest.raises(ServiceError, match=f"already {shown}; it cannot be decided again"):
        _decide(proposal, second, acme_editor)

    assert _proposal_state(proposal) == before
    assert last_seq() == seq


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_a_withdrawn_proposal_cannot_be_decided(proposal: Proposal, acme_editor: Any, outcome: str) -> None:
    drafting.withdraw_proposal(acting_user=proposal.author, proposal=proposal)
    before, seq = _proposal_state(proposal), last_seq()
    with pytest.raises(ServiceError, match="already withdrawn"):
        _decide(proposal, outcome, acme_editor)
    assert _proposal_state(proposal) == before and before[0] == Proposal.Status.WITHDRAWN
    assert last_seq() == seq


@pytest.mark.parametrize("outcome", ["accept", "accept_with_changes"])
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("within 48 hours", "no longer appears in revision 2"),
        ("within 24 hours. Always within 24 hours", "now appears 2 times in revision 2"),
    ],
)
def test_accepting_a_proposal_whose_text_has_changed_is_refused(
    proposal: Proposal, acme_editor: Any, outcome: str, edit: str, message: str
) -> None:
    save(proposal.document, BODY.replace("within 24 hours", edit), by=acme_editor)
    before, seq = _proposal_state(proposal), last_seq()

    with pytest.raises(ServiceError, match=message):
        _decide(proposal, outcome, acme_editor)

    assert _proposal_state(proposal) == before and before[0] == Proposal.Status.OPEN
    assert last_seq() == seq
    # Rejecting it still works: the owner explains instead.
    assert _decide(proposal, "reject", acme_editor).status == Proposal.Status.REJECTED


def test_a_passage_spanning_a_line_break_in_the_source_can_be_proposed_against_and_accepted(
    make_document: Any, acme_editor: Any, acme_contributor: Any
) -> None:
    # The rendered page joins the source's lines: what people copy has a space where the
    # Markdown has a line break.
    document = make_document(body="# Scope\n\nMembers report abuse\nwithin a day.\n")
    proposal = drafting.propose(
        acting_user=acme_contributor,
        document=document,
        anchor="quote",
        quote="report abuse within a day",
        replacement="report abuse within an hour",
        rationale="Faster.",
    )
    assert proposal.original == "report abuse\nwithin a day"
    drafting.decide_proposal(acting_user=acme_editor, proposal=proposal, outcome="accept", response="Yes.")
    document.refresh_from_db()
    assert document.current_revision is not None
    assert document.current_revision.body == "# Scope\n\nMembers report abuse within an hour.\n"


# --- Ratification --------------------------------------------------------------------------------


@pytest.fixture
def ratification(make_document: Any, acme_editor: Any, globex: Any) -> Ratification:
    """Open on revision 1; Acme and Globex are the member organisations, both must endorse."""
    document = make_document(publish=True)
    return drafting.open_ratification(acting_user=acme_editor, document=document, quorum=2)


def _endorse(ratification: Ratification, signatory: Any, organisation: Any, decision: str = "endorse") -> Endorsement:
    return drafting.endorse(
        acting_user=signatory,
        ratification=ratification,
        organisation=organisation,
        decision=decision,
        reason="We cannot sign this yet." if decision == "decline" else "",
        mfa_confirmed=True,
    )


def _ratification_state(ratification: Ratification) -> tuple[Any, ...]:
    ratification.refresh_from_db()
    return (
        ratification.state,
        list(ratification.endorsements.values_list("pk", "organisation_id", "decision", "withdrawn_at")),
    )


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        (Document.Kind.PRINCIPLES, Document.Status.DRAFT, "Publish the document before opening it for ratification"),
        (
            Document.Kind.PRINCIPLES,
            Document.Status.IN_REVIEW,
            "Publish the document before opening it for ratification",
        ),
        (Document.Kind.POLICY, Document.Status.PUBLISHED, "Only principles documents are ratified"),
        (Document.Kind.GUIDANCE, Document.Status.PUBLISHED, "Only principles documents are ratified"),
    ],
)
def test_only_published_principles_are_opened_for_ratification(
    make_document: Any, acme_editor: Any, acme: Any, kind: str, status: str, message: str
) -> None:
    document = make_document(kind=kind, publish=status == Document.Status.PUBLISHED)
    if status == Document.Status.IN_REVIEW:
        drafting.set_review_steps(
            acting_user=acme_editor, document=document, steps=[step("Legal", Role.EDITOR, organisation=acme)]
        )
        drafting.request_review(acting_user=acme_editor, document=document)
    seq = last_seq()
    with pytest.raises(ServiceError, match=message):
        drafting.open_ratification(acting_user=acme_editor, document=document)
    assert not Ratification.objects.filter(document=document).exists()
    assert last_seq() == seq


def test_an_archived_document_cannot_be_opened_for_ratification(make_document: Any, acme_editor: Any) -> None:
    document = make_document(publish=True)
    workflow.set_status(acting_user=acme_editor, document=document, status="archived")
    with pytest.raises(AccessDenied):
        drafting.open_ratification(acting_user=acme_editor, document=document)
    assert not Ratification.objects.filter(document=document).exists()


def test_a_second_ratification_cannot_be_opened_while_one_is_open(ratification: Ratification, acme_editor: Any) -> None:
    with pytest.raises(ServiceError, match="already open"):
        drafting.open_ratification(acting_user=acme_editor, document=ratification.document)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ratification.objects.create(
            document=ratification.document,
            revision=ratification.revision,
            quorum=1,
            eligible=1,
            opened_by=acme_editor,
        )
    assert Ratification.objects.filter(document=ratification.document).count() == 1


@pytest.mark.parametrize("deadline_days", [0, -1])
def test_a_ratification_deadline_must_be_in_the_future(
    make_document: Any, acme_editor: Any, deadline_days: int
) -> None:
    document = make_document(publish=True)
    deadline = timezone.localdate() + datetime.timedelta(days=deadline_days)
    with pytest.raises(ServiceError, match="The deadline must be in the future"):
        drafting.open_ratification(acting_user=acme_editor, document=document, deadline=deadline)
    assert not Ratification.objects.filter(document=document).exists()


@pytest.mark.parametrize("leave_to", [Document.Status.ARCHIVED, Document.Status.DRAFT])
def test_a_ratification_left_open_when_the_document_is_withdrawn_takes_no_more_decisions(
    ratification: Ratification, acme_editor: Any, acme_signatory: Any, acme: Any, leave_to: str
) -> None:
    workflow.set_status(acting_user=acme_editor, document=ratification.document, status=leave_to)
    before, seq = _ratification_state(ratification), last_seq()

    with pytest.raises(ServiceError, match="no longer published"):
        _endorse(ratification, acme_signatory, acme)

    assert _ratification_state(ratification) == before
    assert last_seq() == seq


def test_endorsing_a_superseded_revision_is_refused(
    ratification: Ratification, acme_editor: Any, acme_signatory: Any, acme: Any
) -> None:
    document = ratification.document
    save(document, NEW_BODY, by=acme_editor)
    drafting.publish(acting_user=acme_editor, document=document)  # revision 2 goes out
    ratification.refresh_from_db()
    assert ratification.state == Ratification.State.SUPERSEDED and ratification.closed_at is not None
    before, seq = _ratification_state(ratification), last_seq()

    assert not access.can(acme_signatory, Action.ENDORSE, ratification)
    with pytest.raises(ServiceError, match="superseded by a newer revision; its record can no longer change"):
        _endorse(ratification, acme_signatory, acme)

    assert _ratification_state(ratification) == before
    assert last_seq() == seq
    # The new revision can be opened for ratification in its own right.
    fresh = drafting.open_ratification(acting_user=acme_editor, document=document)
    assert fresh.revision.number == 2


def test_an_organisation_endorses_once(
    ratification: Ratification, acme_signatory: Any, acme: Any, make_member: Any
) -> None:
    other_signatory = make_member(acme, Role.READER, signatory=True, email="sig2@acme.example")
    _endorse(ratification, acme_signatory, acme)
    before, seq = _ratification_state(ratification), last_seq()

    for person, decision in ((acme_signatory, "endorse"), (other_signatory, "decline")):
        with pytest.raises(ServiceError, match=r"Acme has already endorsed this revision .*withdraw that first"):
            _endorse(ratification, person, acme, decision)

    assert _ratification_state(ratification) == before
    assert last_seq() == seq


def test_the_database_refuses_a_second_standing_decision_for_one_organisation(
    ratification: Ratification, acme_signatory: Any, acme: Any
) -> None:
    first = _endorse(ratification, acme_signatory, acme)
    with pytest.raises(IntegrityError), transaction.atomic():
        Endorsement.objects.create(
            ratification=ratification,
            organisation=acme,
            revision=ratification.revision,
            signatory=acme_signatory,
            decision="endorse",
        )
    # Once the first is withdrawn, a new decision stands beside it in the record.
    Endorsement.objects.filter(pk=first.pk).update(withdrawn_at=timezone.now())
    Endorsement.objects.create(
        ratification=ratification,
        organisation=acme,
        revision=ratification.revision,
        signatory=acme_signatory,
        decision="decline",
        reason="Changed our mind.",
    )
    assert ratification.endorsements.count() == 2


def test_a_withdrawn_endorsement_can_be_decided_again(
    ratification: Ratification, acme_signatory: Any, acme: Any
) -> None:
    first = _endorse(ratification, acme_signatory, acme)
    drafting.withdraw_endorsement(acting_user=acme_signatory, endorsement=first, mfa_confirmed=True)

    second = _endorse(ratification, acme_signatory, acme, "decline")

    first.refresh_from_db()
    assert first.withdrawn_at is not None and first.withdrawn_by == acme_signatory
    assert second.decision == "decline" and second.withdrawn_at is None
    with pytest.raises(ServiceError, match="already declined"):
        _endorse(ratification, acme_signatory, acme)
    # A withdrawn endorsement cannot be withdrawn again.
    assert not access.can(acme_signatory, Action.WITHDRAW_ENDORSEMENT, first)
    with pytest.raises(AccessDenied):
        drafting.withdraw_endorsement(acting_user=acme_signatory, endorsement=first, mfa_confirmed=True)


def test_no_decision_is_taken_once_the_deadline_has_passed(
    make_document: Any, acme_editor: Any, acme_signatory: Any, acme: Any, globex: Any
) -> None:
    document = make_document(publish=True)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    ratification = drafting.open_ratification(acting_user=acme_editor, document=document, deadline=tomorrow, quorum=2)
    standing = _endorse(ratification, acme_signatory, acme)
    # Two days later.
    Ratification.objects.filter(pk=ratification.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    before, seq = _ratification_state(ratification), last_seq()

    with pytest.raises(ServiceError, match="has passed"):
        drafting.withdraw_endorsement(acting_user=acme_signatory, endorsement=standing, mfa_confirmed=True)
    Endorsement.objects.filter(pk=standing.pk).delete()
    before = _ratification_state(ratification)
    with pytest.raises(ServiceError, match="has passed"):
        _endorse(ratification, acme_signatory, acme)

    assert _ratification_state(ratification) == before
    assert last_seq() == seq


def test_a_decision_on_the_deadline_day_still_counts(
    make_document: Any, acme_editor: Any, acme_signatory: Any, acme: Any
) -> None:
    document = make_document(publish=True)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    ratification = drafting.open_ratification(acting_user=acme_editor, document=document, deadline=tomorrow)
    Ratification.objects.filter(pk=ratification.pk).update(deadline=timezone.localdate())
    assert _endorse(ratification, acme_signatory, acme).pk


def test_reaching_the_quorum_adopts_the_revision_and_closes_the_record(
    ratification: Ratification,
    acme_editor: Any,
    acme_signatory: Any,
    acme: Any,
    globex: Any,
    make_org: Any,
    make_member: Any,
) -> None:
    initech = make_org("Initech")
    globex_signatory = make_member(globex, Role.READER, signatory=True, email="sig@globex.example")
    initech_signatory = make_member(initech, Role.ADMIN, signatory=True, email="sig@initech.example")
    acme_endorsement = _endorse(ratification, acme_signatory, acme)
    _endorse(ratification, globex_signatory, globex)  # quorum 2 reached

    ratification.refresh_from_db()
    assert ratification.state == Ratification.State.ADOPTED and ratification.adopted_at is not None
    before, seq = _ratification_state(ratification), last_seq()

    assert not access.can(initech_signatory, Action.ENDORSE, ratification)
    with pytest.raises(ServiceError, match="adopted; its record can no longer change"):
        _endorse(ratification, initech_signatory, initech)
    with pytest.raises(ServiceError, match="adopted; its record can no longer change"):
        drafting.withdraw_endorsement(acting_user=acme_signatory, endorsement=acme_endorsement, mfa_confirmed=True)
    with pytest.raises(ServiceError, match="Revision 1 is already adopted"):
        drafting.open_ratification(acting_user=acme_editor, document=ratification.document)

    assert _ratification_state(ratification) == before
    assert last_seq() == seq


def test_declines_do_not_count_towards_the_quorum(
    ratification: Ratification, acme_signatory: Any, acme: Any, globex: Any, make_member: Any
) -> None:
    globex_signatory = make_member(globex, Role.READER, signatory=True, email="sig@globex.example")
    _endorse(ratification, acme_signatory, acme)
    _endorse(ratification, globex_signatory, globex, "decline")
    ratification.refresh_from_db()
    assert ratification.state == Ratification.State.OPEN


def test_a_closed_ratification_takes_no_decision(
    ratification: Ratification, acme_editor: Any, acme_signatory: Any, acme: Any
) -> None:
    drafting.close_ratification(acting_user=acme_editor, ratification=ratification)
    with pytest.raises(ServiceError, match="already closed"):
        drafting.close_ratification(acting_user=acme_editor, ratification=ratification)
    with pytest.raises(ServiceError, match="closed without adoption; its record can no longer change"):
        _endorse(ratification, acme_signatory, acme)
    assert not ratification.endorsements.exists()


# --- Acknowledgement ---------------------------------------------------------------------------------


def test_acknowledging_twice_for_one_organisation_is_refused(
    make_document: Any, acme_editor: Any, acme_contributor: Any, acme: Any
) -> None:
    guidance = make_document(kind=Document.Kind.GUIDANCE, publish=True)
    request = drafting.request_acknowledgement(acting_user=acme_editor, document=guidance, organisations=[acme])
    drafting.acknowledge(acting_user=acme_contributor, request=request, organisation=acme)
    seq = last_seq()

    with pytest.raises(ServiceError, match="You have already acknowledged this for Acme"):
        drafting.acknowledge(acting_user=acme_contributor, request=request, organisation=acme)
    with pytest.raises(IntegrityError), transaction.atomic():
        Acknowledgement.objects.create(request=request, organisation=acme, user=acme_contributor)

    assert Acknowledgement.objects.filter(request=request).count() == 1
    assert last_seq() == seq


def test_acknowledgement_is_asked_only_of_published_guidance(make_document: Any, acme_editor: Any, acme: Any) -> None:
    draft = make_document(kind=Document.Kind.GUIDANCE)
    principles = make_document(kind=Document.Kind.PRINCIPLES, publish=True)
    with pytest.raises(ServiceError, match="Publish the guidance"):
        drafting.request_acknowledgement(acting_user=acme_editor, document=draft, organisations=[acme])
    with pytest.raises(ServiceError, match="Acknowledgement is asked for guidance documents"):
        drafting.request_acknowledgement(acting_user=acme_editor, document=principles, organisations=[acme])
    assert not AcknowledgementRequest.objects.exists()


# --- What the audience reads while a new draft is saved -------------------------------------------


def test_the_audience_keeps_reading_the_published_revision_while_a_new_draft_is_saved(
    make_document: Any, acme_editor: Any, globex: Any, make_member: Any
) -> None:
    document = make_document(publish=True)  # the whole coalition reads it
    reader = make_member(globex, Role.CONTRIBUTOR, email="reader@globex.example")
    published = document.current_revision
    draft = save(document, NEW_BODY, by=acme_editor)
    document = selectors.document_for(reader, document.pk)

    assert document.status == Document.Status.PUBLISHED and document.published_revision == published
    assert selectors.shown_revision(reader, document) == published
    assert list(selectors.revisions_for(reader, document)) == [published]
    assert selectors.shown_revision(acme_editor, document) == draft
    assert list(selectors.revisions_for(acme_editor, document)) == [draft, published]

    # What they comment on is what they read; the draft is not theirs to name.
    comment = drafting.add_comment(acting_user=reader, document=document, body="Looks right.")
    assert comment.revision == published
    with pytest.raises(ServiceError, match="There is no revision 2 you can see"):
        drafting.add_comment(acting_user=reader, document=document, body="And this?", revision_number=2)
    # A thread about the draft is not theirs to reply to either.
    drafters = drafting.add_comment(acting_user=acme_editor, document=document, body="Draft note.")
    assert drafters.revision == draft
    with pytest.raises(AccessDenied):
        drafting.reply(acting_user=reader, parent=drafters, body="What draft?")

    # Once the draft is published, the audience reads it.
    drafting.publish(acting_user=acme_editor, document=document)
    document = selectors.document_for(reader, document.pk)
    assert selectors.shown_revision(reader, document) == draft
    assert list(selectors.revisions_for(reader, document)) == [draft, published]
