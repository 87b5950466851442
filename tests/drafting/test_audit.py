"""Every drafting write is on the record: each service in coalition/drafting/services/ records
its audit event, naming the person who acted and the document, and never the text itself; a write
refused for lack of access records nothing."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from coalition.core.errors import AccessDenied
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, Endorsement, Proposal, Ratification, Review
from coalition.library.models import Document
from coalition.organisations.models import Role
from tests.drafting.conftest import BODY, events_since, last_seq, save, step

# Member text put into every write: it must never reach the audit log.
WORDS = "Confidential wording 7f3a"


@dataclass
class Scene:
    """Acme owns a coalition-wide principles draft; Globex is another member organisation."""

    document: Document
    people: dict[str, Any]
    orgs: dict[str, Any]

    def steps(self) -> None:
        drafting.set_review_steps(
            acting_user=self.people["editor"],
            document=self.document,
            steps=[step("Legal", Role.ADMIN, organisation=self.orgs["acme"])],
        )

    def review(self) -> Review:
        self.steps()
        return drafting.request_review(acting_user=self.people["editor"], document=self.document)

    def publish(self) -> None:
        drafting.publish(acting_user=self.people["editor"], document=self.document)
        self.document.refresh_from_db()

    def ratification(self, quorum: int = 2) -> Ratification:
        self.publish()
        return drafting.open_ratification(acting_user=self.people["editor"], document=self.document, quorum=quorum)

    def endorse(self, ratification: Ratification, who: str, org: str, decision: str = "endorse") -> Endorsement:
        return drafting.endorse(
            acting_user=self.people[who],
            ratification=ratification,
            organisation=self.orgs[org],
            decision=decision,
            reason=WORDS if decision == "decline" else "",
            mfa_confirmed=True,
        )

    def thread(self) -> Comment:
        return drafting.add_comment(acting_user=self.people["contributor"], document=self.document, body=WORDS)

    def proposal(self) -> Proposal:
        return drafting.propose(
            acting_user=self.people["contributor"],
            document=self.document,
            anchor="quote",
            quote="within 24 hours",
            replacement=f"within 12 hours ({WORDS})",
            rationale=WORDS,
        )


@pytest.fixture
def scene(
    make_document: Any,
    acme: Any,
    globex: Any,
    acme_editor: Any,
    acme_admin: Any,
    acme_contributor: Any,
    acme_signatory: Any,
    make_member: Any,
) -> Scene:
    people = {
        "editor": acme_editor,
        "admin": acme_admin,
        "contributor": acme_contributor,
        "signatory": acme_signatory,
        "globex_signatory": make_member(globex, Role.READER, signatory=True, email="signatory@globex.example"),
    }
    return Scene(make_document(), people, {"acme": acme, "globex": globex})


# Each write: arrange the scene as people would have, and return who acts and the call itself
# (made once by them, and once by someone refused).
Prepared = tuple[str, Callable[[Any], Any]]


def _add_comment(s: Scene) -> Prepared:
    return "contributor", lambda user: drafting.add_comment(acting_user=user, document=s.document, body=WORDS)


def _reply(s: Scene) -> Prepared:
    thread = s.thread()
    return "editor", lambda user: drafting.reply(acting_user=user, parent=thread, body=WORDS)


def _edit_comment(s: Scene) -> Prepared:
    thread = s.thread()
    return "contributor", lambda user: drafting.edit_comment(acting_user=user, comment=thread, body=WORDS + " (edited)")


def _resolve(s: Scene) -> Prepared:
    thread = s.thread()
    return "editor", lambda user: drafting.set_resolved(acting_user=user, comment=thread, resolved=True)


def _reopen(s: Scene) -> Prepared:
    thread = s.thread()
    drafting.set_resolved(acting_user=s.people["editor"], comment=thread, resolved=True)
    return "contributor", lambda user: drafting.set_resolved(acting_user=user, comment=thread, resolved=False)


def _propose(s: Scene) -> Prepared:
    return "contributor", lambda user: drafting.propose(
        acting_user=user,
        document=s.document,
        anchor="section",
        section="doc-scope",
        replacement=f"## Scope\n\n{WORDS}\n\n",
        rationale=WORDS,
    )


def _decide_proposal(s: Scene) -> Prepared:
    proposal = s.proposal()
    return "editor", lambda user: drafting.decide_proposal(
        acting_user=user, proposal=proposal, outcome="accept", response=WORDS
    )


def _withdraw_proposal(s: Scene) -> Prepared:
    proposal = s.proposal()
    return "contributor", lambda user: drafting.withdraw_proposal(acting_user=user, proposal=proposal)


def _set_review_steps(s: Scene) -> Prepared:
    # (A step's name is the owner's workflow, recorded like a title; not member text.)
    specs = [step("Legal review", Role.EDITOR, organisation=s.orgs["acme"])]
    return "editor", lambda user: drafting.set_review_steps(acting_user=user, document=s.document, steps=specs)


def _request_review(s: Scene) -> Prepared:
    s.steps()
    return "editor", lambda user: drafting.request_review(acting_user=user, document=s.document)


def _decide_review(s: Scene) -> Prepared:
    review = s.review()
    return "admin", lambda user: drafting.decide_review(
        acting_user=user, review=review, outcome="changes", comment=WORDS
    )


def _save_revision(s: Scene) -> Prepared:
    return "editor", lambda user: save(s.document, BODY + f"\n{WORDS}\n", by=user)


def _restore_revision(s: Scene) -> Prepared:
    save(s.document, BODY + f"\n{WORDS}\n", by=s.people["editor"])
    return "editor", lambda user: drafting.restore_revision(acting_user=user, document=s.document, number=1)


def _archive(s: Scene) -> Prepared:
    s.review()
    return "editor", lambda user: drafting.set_status(acting_user=user, document=s.document, status="archived")


def _restart_review(s: Scene) -> Prepared:
    """on_new_revision, through the workflow's save: a new revision during review."""
    s.review()
    return "editor", lambda user: save(s.document, BODY + f"\n{WORDS}\n", by=user)


def _withdraw_review(s: Scene) -> Prepared:
    s.review()
    return "editor", lambda user: drafting.withdraw_review(acting_user=user, document=s.document)


def _publish(s: Scene) -> Prepared:
    return "editor", lambda user: drafting.publish(acting_user=user, document=s.document)


def _publish_superseding(s: Scene) -> Prepared:
    s.ratification()
    save(s.document, BODY + "\nRevised.\n", by=s.people["editor"])
    return "editor", lambda user: drafting.publish(acting_user=user, document=s.document)


def _open_ratification(s: Scene) -> Prepared:
    s.publish()
    return "editor", lambda user: drafting.open_ratification(acting_user=user, document=s.document)


def _endorse(s: Scene) -> Prepared:
    ratification = s.ratification()
    return "signatory", lambda user: drafting.endorse(
        acting_user=user,
        ratification=ratification,
        organisation=s.orgs["acme"],
        decision="endorse",
        mfa_confirmed=True,
    )


def _decline(s: Scene) -> Prepared:
    ratification = s.ratification()
    return "signatory", lambda user: drafting.endorse(
        acting_user=user,
        ratification=ratification,
        organisation=s.orgs["acme"],
        decision="decline",
        reason=WORDS,
        mfa_confirmed=True,
    )


def _adopt(s: Scene) -> Prepared:
    """The endorsement that completes the quorum also records the adoption."""
    ratification = s.ratification(quorum=2)
    s.endorse(ratification, "globex_signatory", "globex")
    return "signatory", lambda user: drafting.endorse(
        acting_user=user,
        ratification=ratification,
        organisation=s.orgs["acme"],
        decision="endorse",
        mfa_confirmed=True,
    )


def _withdraw_endorsement(s: Scene) -> Prepared:
    endorsement = s.endorse(s.ratification(), "signatory", "acme")
    return "signatory", lambda user: drafting.withdraw_endorsement(
        acting_user=user, endorsement=endorsement, mfa_confirmed=True
    )


def _close_ratification(s: Scene) -> Prepared:
    ratification = s.ratification()
    return "editor", lambda user: drafting.close_ratification(acting_user=user, ratification=ratification)


def _guidance(s: Scene) -> None:
    Document.objects.filter(pk=s.document.pk).update(kind=Document.Kind.GUIDANCE)
    s.document.refresh_from_db()
    s.publish()


def _request_acknowledgement(s: Scene) -> Prepared:
    _guidance(s)
    return "editor", lambda user: drafting.request_acknowledgement(
        acting_user=user, document=s.document, organisations=[s.orgs["acme"]], message=WORDS
    )


def _acknowledge(s: Scene) -> Prepared:
    _guidance(s)
    request = drafting.request_acknowledgement(
        acting_user=s.people["editor"], document=s.document, organisations=[s.orgs["acme"]]
    )
    return "contributor", lambda user: drafting.acknowledge(
        acting_user=user, request=request, organisation=s.orgs["acme"]
    )


@dataclass(frozen=True)
class Write:
    service: str  # the function, as coalition.drafting.services exports it
    event: str
    prepare: Callable[[Scene], Prepared]
    label: str = ""

    @property
    def id(self) -> str:
        return self.label or self.service


WRITES = [
    Write("add_comment", "comment.added", _add_comment),
    Write("reply", "comment.replied", _reply),
    Write("edit_comment", "comment.edited", _edit_comment),
    Write("set_resolved", "comment.resolved", _resolve, "resolve"),
    Write("set_resolved", "comment.reopened", _reopen, "reopen"),
    Write("propose", "proposal.made", _propose),
    Write("decide_proposal", "proposal.decided", _decide_proposal),
    Write("withdraw_proposal", "proposal.withdrawn", _withdraw_proposal),
    Write("set_review_steps", "review.steps_set", _set_review_steps),
    Write("request_review", "review.requested", _request_review),
    Write("decide_review", "review.decided", _decide_review),
    Write("save_revision", "document.revised", _save_revision),
    Write("restore_revision", "document.revision_restored", _restore_revision),
    Write("on_new_revision", "review.restarted", _restart_review),
    Write("set_status", "document.status_changed", _archive, "archive"),
    Write("set_status", "review.withdrawn", _archive, "archive-ending-the-review"),
    Write("withdraw_review", "review.withdrawn", _withdraw_review),
    Write("publish", "document.published", _publish),
    Write("publish", "ratification.superseded", _publish_superseding, "publish-superseding-a-ratification"),
    Write("open_ratification", "ratification.opened", _open_ratification),
    Write("endorse", "ratification.endorsed", _endorse),
    Write("endorse", "ratification.declined", _decline, "decline"),
    Write("endorse", "ratification.adopted", _adopt, "endorse-completing-the-quorum"),
    Write("withdraw_endorsement", "ratification.withdrawn", _withdraw_endorsement),
    Write("close_ratification", "ratification.closed", _close_ratification),
    Write("request_acknowledgement", "acknowledgement.requested", _request_acknowledgement),
    Write("acknowledge", "acknowledgement.given", _acknowledge),
]


def test_every_drafting_service_that_writes_is_in_the_table() -> None:
    writers = {
        name
        for name, function in inspect.getmembers(drafting, inspect.isfunction)
        if function.__module__.startswith(f"{drafting.__name__}.")
        and not name.startswith("_")
        and "acting_user" in inspect.signature(function).parameters
        and inspect.signature(function).parameters["acting_user"].kind == inspect.Parameter.KEYWORD_ONLY
    }
    assert writers == {w.service for w in WRITES}


@pytest.mark.parametrize("write", WRITES, ids=[w.id for w in WRITES])
def test_each_drafting_write_records_its_event_with_actor_and_document(scene: Scene, write: Write) -> None:
    who, call = write.prepare(scene)
    actor = scene.people[who]
    seq = last_seq()

    call(actor)

    events = events_since(seq)
    [event] = [e for e in events if e.action == write.event]
    assert (event.actor_id, event.actor_label) == (actor.pk, actor.email)
    assert event.actor_org_ids == [scene.orgs["acme"].pk]
    for e in events:  # whatever else the write recorded (a new revision, say) is about this document too
        assert (e.target_type, e.target_id, e.target_org_id) == (
            "library.document",
            str(scene.document.pk),
            scene.orgs["acme"].pk,
        )
        assert WORDS not in str(e.data), f"{e.action} recorded member text"


@pytest.mark.parametrize("refused", ["reader", "outsider"])
@pytest.mark.parametrize("write", WRITES, ids=[w.id for w in WRITES])
def test_a_refused_drafting_write_records_nothing(
    scene: Scene, write: Write, refused: str, acme_reader: Any, outsider: Any
) -> None:
    _, call = write.prepare(scene)
    seq = last_seq()

    with pytest.raises(AccessDenied):
        call(acme_reader if refused == "reader" else outsider)

    assert events_since(seq) == []
