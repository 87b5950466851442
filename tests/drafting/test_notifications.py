"""Who hears of what while drafting: each event notifies exactly the people concerned, never the
person who acted, and never anyone who cannot read the document (or, for a discussion, the
comment). Emails about TLP:AMBER material carry neither the title nor member text."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from coalition.core.errors import ServiceError
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, Review
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.notifications.models import Notification
from coalition.organisations.models import Role
from tests.drafting.conftest import BODY, save, step


def told(kind: str) -> set[str]:
    """The email addresses of everyone notified of `kind` (since the last `forget()`)."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def forget() -> None:
    Notification.objects.all().delete()


@pytest.fixture
def people(make_org: Any, make_member: Any, globex: Any, acme: Any) -> dict[str, Any]:
    """Beyond the shared Acme people: Globex (a member), Initech (a member the text is not shared
    with) and Safe Kids (a partner), each with a few roles and a signatory."""
    initech = make_org("Initech")
    safe_kids = make_org("Safe Kids", kind="partner")
    return {
        "globex": globex,
        "initech": initech,
        "safe_kids": safe_kids,
        "globex_editor": make_member(globex, Role.EDITOR, email="editor@globex.example"),
        "globex_contributor": make_member(globex, Role.CONTRIBUTOR, email="contributor@globex.example"),
        "globex_reader": make_member(globex, Role.READER, email="reader@globex.example"),
        "globex_signatory": make_member(globex, Role.READER, signatory=True, email="signatory@globex.example"),
        "initech_contributor": make_member(initech, Role.CONTRIBUTOR, email="contributor@initech.example"),
        "initech_signatory": make_member(initech, Role.ADMIN, signatory=True, email="signatory@initech.example"),
        "safe_kids_signatory": make_member(safe_kids, Role.EDITOR, signatory=True, email="signatory@safekids.example"),
    }


# --- Reviews ---------------------------------------------------------------------------------------


@pytest.fixture
def review(
    make_document: Any,
    community: Any,
    people: dict[str, Any],
    acme: Any,
    acme_editor: Any,
    acme_admin: Any,
    acme_contributor: Any,
    acme_reader: Any,
    acme_signatory: Any,
    globex_admin: Any,
) -> Review:
    """A draft co-drafted with Globex; step 1: contributors of the Research group (Acme, Globex and
    Initech, which cannot read the draft); step 2: Globex's editors. Acme's editor asks."""
    community.organisations.add(people["initech"])
    document = make_document(co_drafters=[people["globex"]])
    drafting.set_review_steps(
        acting_user=acme_editor,
        document=document,
        steps=[
            step("Working group", Role.CONTRIBUTOR, community=community),
            step("Globex sign-off", Role.EDITOR, organisation=people["globex"]),
        ],
    )
    forget()
    return drafting.request_review(acting_user=acme_editor, document=document)


FIRST_STEP = {
    "admin@acme.example",
    "contributor@acme.example",
    "signatory@acme.example",
    "admin@globex.example",
    "editor@globex.example",
    "contributor@globex.example",
}


def test_asking_for_review_tells_the_first_steps_reviewers_who_can_read_it(review: Review) -> None:
    # Not the editor who asked, not Acme's or Globex's readers (below the step's role), not
    # Initech's contributor (cannot read the draft), and nobody of the second step yet.
    assert told("review_requested") == FIRST_STEP
    assert Notification.objects.count() == len(FIRST_STEP)


def test_a_decision_tells_the_person_who_asked_and_passes_the_review_to_the_next_step(
    review: Review, acme_admin: Any
) -> None:
    forget()
    drafting.decide_review(acting_user=acme_admin, review=review, outcome="approve")

    assert told("review_decided") == {"editor@acme.example"}
    assert told("review_requested") == {"editor@globex.example", "admin@globex.example"}
    # The document's other watchers (the owner's and co-drafter's editors not told already) hear of it too.
    assert told("watched") == {"signatory@acme.example"}
    assert Notification.objects.count() == 4
    # The inbox reads "<actor> <verb> “<title>”": the next step's reviewers learn it is their turn.
    passed = Notification.objects.filter(kind="review_requested").first()
    assert passed is not None and passed.verb == "approved a review step; yours is next on"
    assert passed.excerpt == "Review step: Globex sign-off"


def test_changes_requested_tell_only_the_person_who_asked_with_what_to_change(
    review: Review, acme_contributor: Any
) -> None:
    forget()
    drafting.decide_review(acting_user=acme_contributor, review=review, outcome="changes", comment="Define abuse.")

    [notification] = Notification.objects.exclude(kind="watched")
    assert notification.recipient.email == "editor@acme.example" and notification.kind == "review_decided"
    assert "Define abuse." in notification.excerpt


def test_a_new_revision_tells_the_first_steps_reviewers_again(
    review: Review, acme_admin: Any, acme_editor: Any, people: dict[str, Any]
) -> None:
    drafting.decide_review(acting_user=acme_admin, review=review, outcome="approve")
    forget()

    save(review.document, BODY + "\nOne more line.\n", by=people["globex_editor"])

    # The co-drafting editor who saved is not told; the editor who asked for review is not a
    # reviewer of the step and is not told either.
    assert told("review_requested") == FIRST_STEP - {"editor@globex.example"}
    assert Notification.objects.count() == len(FIRST_STEP) - 1


# --- Comments and mentions -----------------------------------------------------------------------


@pytest.fixture
def published(make_document: Any) -> Document:
    """Out to the whole coalition (TLP:GREEN)."""
    return make_document(publish=True)


def test_a_reply_tells_everyone_earlier_in_the_thread_but_the_person_replying(
    published: Document, people: dict[str, Any], acme_contributor: Any, acme_editor: Any
) -> None:
    thread = drafting.add_comment(acting_user=people["globex_contributor"], document=published, body="Partners too?")
    drafting.reply(acting_user=acme_contributor, parent=thread, body="Good question.")
    assert told("comment_reply") == {"contributor@globex.example"}
    forget()

    drafting.reply(acting_user=acme_editor, parent=thread, body="Yes, partners too.")

    assert told("comment_reply") == {"contributor@globex.example", "contributor@acme.example"}
    forget()
    # Someone already in the thread, mentioned in a reply, hears of it once, as a mention.
    drafting.reply(acting_user=acme_contributor, parent=thread, body="Agreed @editor@acme.example")
    assert told("comment_reply") == {"contributor@globex.example"}
    assert told("mention") == {"editor@acme.example"}


def test_a_reply_about_the_draft_does_not_reach_someone_who_now_reads_only_what_was_published(
    published: Document, people: dict[str, Any], acme_editor: Any
) -> None:
    # Initech's contributor worked on the draft through a grant, which has since been revoked; they
    # still read the published text as a member of the coalition.
    contributor = people["initech_contributor"]
    library.grant(acting_user=acme_editor, document=published, level="comment", user=contributor)
    save(published, BODY + "\nA confidential addition.\n", by=acme_editor)
    thread = drafting.add_comment(acting_user=contributor, document=published, body="On the addition: ...")
    assert thread.revision.number == 2
    library.revoke_grant(acting_user=acme_editor, document=published, user=contributor)
    forget()

    drafting.reply(acting_user=acme_editor, parent=thread, body="The addition stays confidential.")

    assert not Notification.objects.exists()


def test_a_mention_tells_the_person_mentioned_with_the_comment(
    published: Document, people: dict[str, Any], acme_contributor: Any
) -> None:
    comment = drafting.add_comment(
        acting_user=acme_contributor,
        document=published,
        body="@reader@globex.example does this match your practice?",
    )

    [notification] = Notification.objects.exclude(kind="document_comment")
    assert notification.kind == "mention" and notification.recipient == people["globex_reader"]
    assert notification.excerpt == comment.body
    assert notification.url.endswith(f"#comment-{comment.pk}")


@pytest.mark.parametrize(
    "who",
    [
        "contributor@initech.example",  # a member organisation the text is not shared with
        "outsider@example.org",  # an account in no organisation
        "nobody@example.org",  # no account at all: the same answer
    ],
)
def test_mentioning_someone_who_cannot_read_the_document_is_refused_and_nothing_is_saved(
    make_document: Any, people: dict[str, Any], outsider: Any, acme_contributor: Any, who: str
) -> None:
    document = make_document(audience=Audience.NAMED, audience_organisations=[people["globex"]], publish=True)

    with pytest.raises(ServiceError, match=f"You can mention only people who can read this document: @{who} cannot"):
        drafting.add_comment(acting_user=acme_contributor, document=document, body=f"Ask @{who} please")

    assert not Comment.objects.exists()
    assert not Notification.objects.exists()


def test_mentioning_an_audience_reader_in_a_discussion_of_the_draft_is_refused(
    published: Document, people: dict[str, Any], acme_editor: Any
) -> None:
    # Globex reads the published text through the audience; revision 2 is a draft among Acme's
    # editors, and neither it nor what is said about it may reach Globex.
    save(published, BODY + "\nA confidential addition.\n", by=acme_editor)
    body = "@reader@globex.example the confidential addition is in"

    with pytest.raises(ServiceError, match=r"@reader@globex\.example cannot"):
        drafting.add_comment(acting_user=acme_editor, document=published, body=body)

    thread = drafting.add_comment(acting_user=acme_editor, document=published, body="About the draft.")
    with pytest.raises(ServiceError, match=r"@reader@globex\.example cannot"):
        drafting.reply(acting_user=acme_editor, parent=thread, body=body)
    with pytest.raises(ServiceError, match=r"@reader@globex\.example cannot"):
        drafting.edit_comment(acting_user=acme_editor, comment=thread, body=body)
    assert list(Comment.objects.values_list("body", flat=True)) == ["About the draft."]
    assert not Notification.objects.exists()
    # On the published revision the same mention is fine.
    drafting.add_comment(acting_user=people["globex_contributor"], document=published, body=body)
    assert told("mention") == {"reader@globex.example"}


# --- Proposals -----------------------------------------------------------------------------------


def test_a_decided_proposal_tells_its_proposer_only(
    published: Document, people: dict[str, Any], acme_editor: Any, acme_contributor: Any
) -> None:
    proposal = drafting.propose(
        acting_user=people["globex_contributor"],
        document=published,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Faster.",
    )
    drafting.add_comment(acting_user=acme_contributor, document=published, body="I support this.")
    forget()

    drafting.decide_proposal(acting_user=acme_editor, proposal=proposal, outcome="reject", response="Not yet.")

    [notification] = Notification.objects.all()
    assert notification.kind == "proposal_decided" and notification.recipient == people["globex_contributor"]
    assert notification.excerpt == "Not yet."


def test_the_decision_on_a_proposal_about_the_draft_does_not_reach_someone_who_now_reads_only_what_was_published(
    published: Document, people: dict[str, Any], acme_editor: Any
) -> None:
    # Initech's contributor proposed on the draft through a grant, revoked since; they still read
    # the published text as a member of the coalition.
    contributor = people["initech_contributor"]
    library.grant(acting_user=acme_editor, document=published, level="comment", user=contributor)
    save(published, BODY + "\nA confidential addition.\n", by=acme_editor)
    proposal = drafting.propose(
        acting_user=contributor,
        document=published,
        anchor="quote",
        quote="A confidential addition.",
        replacement="A confidential addition, for members only.",
        rationale="Say who.",
    )
    assert proposal.revision.number == 2
    library.revoke_grant(acting_user=acme_editor, document=published, user=contributor)
    forget()

    drafting.decide_proposal(
        acting_user=acme_editor, proposal=proposal, outcome="reject", response="The addition stays as it is."
    )

    assert not Notification.objects.exists()


def test_a_review_decision_does_not_reach_a_requester_who_no_longer_works_on_the_text(
    published: Document, people: dict[str, Any], acme: Any, acme_editor: Any, acme_admin: Any, make_member: Any
) -> None:
    from coalition.organisations.models import Membership

    # An Acme editor who also reads for Globex asks for review of a new draft, then leaves Acme:
    # through Globex they still read what was published, never the draft or comments on it.
    leaver = make_member(acme, Role.EDITOR, email="leaver@acme.example")
    Membership.objects.create(user=leaver, organisation=people["globex"], role=Role.READER)
    drafting.set_review_steps(
        acting_user=acme_editor, document=published, steps=[step("Legal", Role.ADMIN, organisation=acme)]
    )
    save(published, BODY + "\nA confidential addition.\n", by=acme_editor)
    review = drafting.request_review(acting_user=leaver, document=published)
    Membership.objects.filter(user=leaver, organisation=acme).delete()
    forget()

    drafting.decide_review(
        acting_user=acme_admin, review=review, outcome="changes", comment="The confidential addition must go."
    )

    assert not Notification.objects.filter(recipient=leaver).exists()


# --- Ratification --------------------------------------------------------------------------------


@pytest.fixture
def named_principles(make_document: Any, people: dict[str, Any]) -> Document:
    """Published to Globex and Safe Kids (a partner) by name; Initech cannot read it."""
    return make_document(
        audience=Audience.NAMED, audience_organisations=[people["globex"], people["safe_kids"]], publish=True
    )


def test_opening_a_ratification_tells_the_signatories_of_member_organisations_who_can_read_it(
    named_principles: Document, people: dict[str, Any], acme_editor: Any, acme_signatory: Any, globex_admin: Any
) -> None:
    forget()
    drafting.open_ratification(acting_user=acme_editor, document=named_principles)

    # Not Initech's signatory (cannot read it), not Safe Kids' (a partner does not ratify), not
    # Globex's admin (no signatory flag).
    assert told("ratification_opened") == {"signatory@acme.example", "signatory@globex.example"}
    assert Notification.objects.count() == 2


def test_adoption_tells_the_opener_the_signatories_and_the_owner_organisation(
    named_principles: Document,
    people: dict[str, Any],
    acme_editor: Any,
    acme_signatory: Any,
    acme_admin: Any,
    acme_reader: Any,
    globex_admin: Any,
    acme: Any,
) -> None:
    ratification = drafting.open_ratification(acting_user=acme_editor, document=named_principles, quorum=2)
    for person, organisation in ((acme_signatory, acme), (people["globex_signatory"], people["globex"])):
        drafting.endorse(
            acting_user=person,
            ratification=ratification,
            organisation=organisation,
            decision="endorse",
            mfa_confirmed=True,
        )

    # Globex's signatory completed the quorum and is not told; Initech's signatory cannot read it.
    assert told("ratification_adopted") == {
        "editor@acme.example",
        "signatory@acme.example",
        "admin@acme.example",
        "reader@acme.example",
    }


def test_an_organisations_decision_closes_the_item_for_all_its_signatories_but_not_for_another_it_waits_on(
    named_principles: Document,
    people: dict[str, Any],
    acme_signatory: Any,
    acme_editor: Any,
    acme: Any,
    make_member: Any,
) -> None:
    """Acme has two signatories, and the second also signs for Globex: when Acme decides, the first
    is done; the second still has Globex's decision to make, and is done only once Globex decides."""
    both = make_member(acme, Role.EDITOR, signatory=True, email="both@acme.example")
    people["globex"].memberships.create(user=both, role=Role.READER, signatory=True)
    ratification = drafting.open_ratification(acting_user=acme_editor, document=named_principles)

    def open_for() -> set[str]:
        items = Notification.objects.filter(kind="ratification_opened", done_at__isnull=True)
        return set(items.values_list("recipient__email", flat=True))

    assert open_for() == {"signatory@acme.example", "both@acme.example", "signatory@globex.example"}
    drafting.endorse(
        acting_user=acme_signatory, ratification=ratification, organisation=acme, decision="endorse", mfa_confirmed=True
    )
    assert open_for() == {"both@acme.example", "signatory@globex.example"}
    drafting.endorse(
        acting_user=people["globex_signatory"],
        ratification=ratification,
        organisation=people["globex"],
        decision="decline",
        reason="Not yet.",
        mfa_confirmed=True,
    )
    assert open_for() == set()


# --- Acknowledgement -----------------------------------------------------------------------------


def test_asking_for_acknowledgement_tells_contributors_and_above_of_the_organisations_asked(
    make_document: Any, people: dict[str, Any], acme_editor: Any, acme_contributor: Any, globex_admin: Any
) -> None:
    guidance = make_document(kind=Document.Kind.GUIDANCE, publish=True)  # the whole coalition reads it
    forget()

    drafting.request_acknowledgement(
        acting_user=acme_editor, document=guidance, organisations=[people["globex"], people["initech"]]
    )

    # Not Globex's reader or its reader-signatory, not Acme (not asked).
    assert told("acknowledgement_requested") == {
        "admin@globex.example",
        "editor@globex.example",
        "contributor@globex.example",
        "contributor@initech.example",
        "signatory@initech.example",
    }


# --- Email -----------------------------------------------------------------------------------------

SECRET = "the Tuesday raid on the server farm"


@pytest.mark.parametrize(("tlp", "shows_text"), [(TLP.AMBER, False), (TLP.AMBER_STRICT, False), (TLP.GREEN, True)])
def test_an_email_about_amber_material_carries_neither_title_nor_comment_text(
    make_document: Any,
    acme_contributor: Any,
    acme_reader: Any,
    django_capture_on_commit_callbacks: Any,
    tlp: str,
    shows_text: bool,
) -> None:
    document = make_document(title="Operation Nightjar", audience=Audience.ORGANISATION, tlp=tlp, publish=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        drafting.add_comment(acting_user=acme_contributor, document=document, body=f"@reader@acme.example see {SECRET}")

    [email] = [m for m in mail.outbox if m.to == ["reader@acme.example"]]
    text = f"{email.subject}\n{email.body}"
    label = {TLP.AMBER: "TLP:AMBER", TLP.AMBER_STRICT: "TLP:AMBER+STRICT", TLP.GREEN: "TLP:GREEN"}[tlp]
    assert email.subject.startswith(f"[{label}]")
    lines = email.body.strip().splitlines()
    assert lines[0].startswith(f"{label} ") and lines[-1].startswith(f"{label} ")
    assert ("Operation Nightjar" in text) is shows_text
    assert (SECRET in text) is shows_text
    assert f"/library/{document.pk}/" in email.body
