"""The whole drafting round through the services: draft, comment, propose, review, publish, ratify."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.core.errors import ServiceError
from coalition.drafting import services as drafting
from coalition.drafting.models import Proposal, Ratification, Review
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Role

BODY = """# Principles

## Scope

These principles apply to every service a member runs.

## Reporting

Members report suspected abuse to the hotline within 24 hours.
"""


@pytest.fixture
def draft(acme_editor: Any, globex: Any, acme: Any) -> Document:
    return library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Shared principles",
        kind=Document.Kind.PRINCIPLES,
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
        co_drafters=[globex],
    )


def test_a_drafting_round_ends_with_an_adopted_revision(
    draft: Document, acme_editor: Any, acme_admin: Any, acme_signatory: Any, globex: Any, make_member: Any
) -> None:
    globex_contributor = make_member(globex, Role.CONTRIBUTOR, email="c@globex.example")
    globex_signatory = make_member(globex, Role.READER, signatory=True, email="s@globex.example")

    comment = drafting.add_comment(
        acting_user=globex_contributor,
        document=draft,
        body="Should this cover partners too? @editor@acme.example",
        anchor="section",
        section="doc-scope",
    )
    assert comment.organisation == globex and comment.section_title == "Scope"
    assert list(comment.mentions.all()) == [acme_editor]
    drafting.reply(acting_user=acme_editor, parent=comment, body="Yes, good point.")

    proposal = drafting.propose(
        acting_user=globex_contributor,
        document=draft,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 24 hours, and at once where a child is at risk",
        rationale="Urgent cases cannot wait a day.",
    )
    proposal = drafting.decide_proposal(
        acting_user=acme_editor, proposal=proposal, outcome="accept", response="Agreed, thank you."
    )
    assert proposal.status == Proposal.Status.ACCEPTED
    draft.refresh_from_db()
    assert "at once where a child is at risk" in draft.current_revision.body
    assert "c@globex.example" in draft.current_revision.message or "Globex" in draft.current_revision.message
    with pytest.raises(ServiceError, match="already accepted"):
        drafting.decide_proposal(acting_user=acme_editor, proposal=proposal, outcome="reject", response="No")

    drafting.set_review_steps(
        acting_user=acme_editor,
        document=draft,
        steps=[drafting.StepSpec(name="Legal review", role=Role.ADMIN, organisation=draft.owner)],
    )
    with pytest.raises(ServiceError, match="ask for review"):
        drafting.publish(acting_user=acme_editor, document=draft)
    review = drafting.request_review(acting_user=acme_editor, document=draft)
    draft.refresh_from_db()
    assert draft.status == Document.Status.IN_REVIEW
    with pytest.raises(ServiceError, match="already open"):
        drafting.request_review(acting_user=acme_editor, document=draft)
    with pytest.raises(ServiceError, match="approval"):
        drafting.publish(acting_user=acme_editor, document=draft)
    drafting.decide_review(acting_user=acme_admin, review=review, outcome="approve")
    review.refresh_from_db()
    assert review.state == Review.State.APPROVED
    drafting.publish(acting_user=acme_editor, document=draft)
    draft.refresh_from_db()
    assert draft.status == Document.Status.PUBLISHED and draft.published_revision == draft.current_revision

    ratification = drafting.open_ratification(acting_user=acme_editor, document=draft, quorum=2)
    with pytest.raises(ServiceError, match="second factor"):
        drafting.endorse(
            acting_user=acme_signatory,
            ratification=ratification,
            organisation=draft.owner,
            decision="endorse",
            mfa_confirmed=False,
        )
    drafting.endorse(
        acting_user=acme_signatory,
        ratification=ratification,
        organisation=draft.owner,
        decision="endorse",
        mfa_confirmed=True,
    )
    with pytest.raises(ServiceError, match="already endorsed"):
        drafting.endorse(
            acting_user=acme_signatory,
            ratification=ratification,
            organisation=draft.owner,
            decision="endorse",
            mfa_confirmed=True,
        )
    drafting.endorse(
        acting_user=globex_signatory,
        ratification=ratification,
        organisation=globex,
        decision="endorse",
        mfa_confirmed=True,
    )
    ratification.refresh_from_db()
    assert ratification.state == Ratification.State.ADOPTED


def test_a_new_revision_during_review_goes_back_to_the_first_step(
    draft: Document, acme_editor: Any, acme_admin: Any
) -> None:
    drafting.set_review_steps(
        acting_user=acme_editor,
        document=draft,
        steps=[
            drafting.StepSpec(name="Legal", role=Role.ADMIN, organisation=draft.owner),
            drafting.StepSpec(name="Policy", role=Role.EDITOR, organisation=draft.owner),
        ],
    )
    review = drafting.request_review(acting_user=acme_editor, document=draft)
    drafting.decide_review(acting_user=acme_admin, review=review, outcome="approve")
    review.refresh_from_db()
    assert review.current_position == 1
    drafting.save_revision(acting_user=acme_editor, document=draft, body=BODY + "\nMore.\n", base_number=1)
    review.refresh_from_db()
    assert review.current_position == 0 and review.revision.number == 2
