"""The drafting authorisation matrix: who may comment, propose, decide proposals, ask for review,
approve a review step, publish, open a ratification, endorse, withdraw an endorsement, acknowledge
and read the discussion (and its disposition table), as one table checked through
`coalition.access.can` and through the services.

People, as in tests/library/test_access_matrix.py: a role (reader, contributor, editor, admin,
signatory, and a reader with the signatory flag, since signatories ratify "whatever the role") at
an organisation standing in one relationship to the documents (owner, co-drafter, named in the
audience, in a named community, another member, a partner, a government observer, suspended,
removed, granted by name, the owner's own staff granted by name, an organisation granted), plus
anonymous visitors. Documents: one per audience x TLP label the TLP rules allow, published (with a
newer draft revision under review, an open ratification and an acknowledgement request), and a
smaller block of drafts, texts in review and archived ones. Each person x document is one test
running every drafting action that applies to the document; the outcome each expects comes from
the `may_*` functions below, written from the rules in coalition/access/drafting.py's docstring,
the issue and the role table in docs/architecture.md, never from the access module.

Allowed: `can()` says yes, the service succeeds, writes what it should (speaking for the person's
organisation) and records its audit event. Refused: `can()` says no, the service raises
AccessDenied (the discussion's selector a 404) and nothing is written: no row, no audit event, no
notification. Refused by a rule: `can()` says yes, but a rule stops the service with a ServiceError
(opening a ratification of a text that is not published; endorsing or acknowledging for an
organisation other than one's own), and nothing is written.

The world is built once per module inside a transaction rolled back at the end; each test runs in
a savepoint inside it, and each action in a savepoint of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting import services as drafting
from coalition.drafting.models import (
    Acknowledgement,
    AcknowledgementRequest,
    Comment,
    Endorsement,
    Proposal,
    Ratification,
    Review,
    ReviewDecision,
    ReviewStep,
)
from coalition.drafting.services import publication as workflow
from coalition.library import selectors
from coalition.library import services as library
from coalition.library.models import Document
from coalition.notifications.models import Notification
from coalition.organisations.models import Community, Membership, Organisation

# --- The table ---------------------------------------------------------------------------------

# signatory: an editor with the flag (as in the library matrix); reader_signatory: a reader with it.
ROLES = ("reader", "contributor", "editor", "admin", "signatory", "reader_signatory")
BASE_ROLE = {"signatory": "editor", "reader_signatory": "reader"}
RANK = {"reader": 1, "contributor": 2, "editor": 3, "admin": 4}
RELATIONSHIPS = (
    "owner",  # a member of the owner organisation
    "co_drafter",  # of an organisation that co-drafts the document
    "named",  # of an organisation named in the audience
    "community",  # of an organisation in a community named in the audience
    "other_member",  # of a member organisation the document is not shared with
    "partner",  # of a partner organisation (an NGO), not named
    "government",  # of a government observer, not named
    "suspended",  # of an organisation named in the audience (and its community) but suspended
    "removed",  # was in the owner organisation; the membership is gone
    "granted",  # of an unrelated member organisation, with a grant to them by name (level below)
    "owner_granted",  # a member of the owner organisation with a grant by name (what TLP:RED needs)
    "org_granted",  # of a member organisation granted every document (not TLP:RED) at edit
)
ANONYMOUS = "anonymous"
# A grant by name has its level whatever the role, so each level meets a role that cannot stretch it.
GRANT_LEVEL = {
    "reader": "view",
    "contributor": "comment",
    "editor": "edit",
    "admin": "view",
    "signatory": "edit",
    "reader_signatory": "comment",
}
LEVEL_RANK = {None: 0, "view": 1, "comment": 2, "edit": 3}
# An organisation's grant serves each member up to what their role allows (docs/architecture.md, Roles).
ROLE_LEVEL = {"reader": "view", "contributor": "comment", "editor": "edit", "admin": "edit"}
# Relationships without an active organisation to belong to (or speak for).
NO_ACTIVE_ORGANISATION = {"suspended", "removed", ANONYMOUS}
# Active member organisations (partners and government observers do not ratify).
MEMBER_ORGANISATIONS = {"owner", "owner_granted", "co_drafter", "named", "community", "other_member", "granted"} | {
    "org_granted"
}
# The organisations the acknowledgement request asks (not "other_member" or "government").
ASKED = {"owner", "owner_granted", "co_drafter", "named", "community", "partner", "suspended", "granted", "org_granted"}

AUDIENCES = ("organisation", "named", "coalition", "public")
TLPS = ("clear", "green", "amber", "amber_strict", "red")
OPEN = ("published", "archived")


def tlp_rules_allow(audience: str, tlp: str) -> bool:
    """docs/architecture.md: public needs TLP:CLEAR; TLP:RED is read through named grants only, so its audience
    stays the owner organisation."""
    return (audience != "public" or tlp == "clear") and (tlp != "red" or audience == "organisation")


@dataclass(frozen=True)
class Viewer:
    relationship: str
    role: str | None = None

    @property
    def key(self) -> str:
        return self.relationship if self.role is None else f"{self.relationship}-{self.role}"

    @property
    def anonymous(self) -> bool:
        return self.role is None

    def at_least(self, role: str) -> bool:
        if self.role is None:
            return False
        return RANK[BASE_ROLE.get(self.role, self.role)] >= RANK[role]

    @property
    def signatory(self) -> bool:
        return self.role in ("signatory", "reader_signatory")

    @property
    def in_owner(self) -> bool:
        return self.relationship in ("owner", "owner_granted")

    @property
    def by_name(self) -> str | None:
        """The level of the grant to this person by name, if any."""
        named = self.relationship in ("granted", "owner_granted")
        return GRANT_LEVEL[self.role] if named and self.role else None


@dataclass(frozen=True)
class Doc:
    audience: str
    tlp: str
    status: str = "published"

    @property
    def key(self) -> str:
        return f"{self.status}-{self.audience}-{self.tlp}"


VIEWERS = [Viewer(rel, role) for rel, role in itertools.product(RELATIONSHIPS, ROLES)] + [Viewer(ANONYMOUS)]
PUBLISHED = [Doc(a, t) for a, t in itertools.product(AUDIENCES, TLPS) if tlp_rules_allow(a, t)]
UNPUBLISHED = [
    Doc("coalition", "green", "draft"),
    Doc("public", "clear", "draft"),
    Doc("organisation", "red", "draft"),
    Doc("named", "amber", "in_review"),
    Doc("coalition", "amber_strict", "in_review"),
    Doc("organisation", "red", "in_review"),
    Doc("coalition", "green", "archived"),
    Doc("public", "clear", "archived"),
]
DOCS = PUBLISHED + UNPUBLISHED

ACTIONS = (
    "discussion",
    "comment",
    "propose",
    "decide_proposal",
    "request_review",
    "approve_owner_step",
    "approve_community_step",
    "publish",
    "open_ratification",
    "endorse",
    "endorse_other",
    "withdraw_own",
    "withdraw_other",
    "acknowledge",
    "acknowledge_other",
)
# Speaking for another organisation than one's own: the access check lets a signatory (or an asked
# contributor) through, and the service refuses the organisation they named.
FOR_ANOTHER = ("endorse_other", "acknowledge_other")


def applies(action: str, d: Doc) -> bool:
    """Whether the document has what the action works on: an open review (texts in review, and the
    new draft of a published document), an open ratification and an acknowledgement request
    (published documents)."""
    if action.startswith("approve_"):
        return d.status in ("in_review", "published")
    if action.startswith(("endorse", "withdraw_", "acknowledge")):
        return d.status == "published"
    return True


# --- The reference: the rules, written again without the access module -----------------------


def grant_level(v: Viewer, d: Doc) -> str | None:
    """The best grant the person can use: by name, or (never on TLP:RED) their organisation's."""
    levels = [v.by_name]
    if v.relationship == "org_granted" and d.tlp != "red" and v.role:
        levels.append(ROLE_LEVEL[BASE_ROLE.get(v.role, v.role)])
    return max(levels, key=LEVEL_RANK.__getitem__)


def audience_reaches(v: Viewer, d: Doc) -> bool:
    """The document is out and its audience includes the person's (active) organisation."""
    if d.status not in OPEN or v.relationship in NO_ACTIVE_ORGANISATION:
        return False
    if d.audience in ("public", "coalition"):
        return True
    return d.audience == "named" and v.relationship in ("named", "community")


def may_read(v: Viewer, d: Doc) -> bool:
    if d.tlp == "red":
        return v.by_name is not None  # only grants to people by name, whoever else they are
    if v.in_owner or v.relationship == "co_drafter" or grant_level(v, d):
        return True
    if d.status in OPEN and d.audience == "public":
        return True
    return audience_reaches(v, d)


def may_comment(v: Viewer, d: Doc) -> bool:
    """Issue: "contributors and above of organisations in the audience, plus comment-level
    grants"; docs/architecture.md: comment and propose from contributor up; TLP:RED only by named grants."""
    if v.anonymous or d.status == "archived" or not may_read(v, d):
        return False
    if d.tlp == "red":
        return LEVEL_RANK[v.by_name] >= LEVEL_RANK["comment"]
    if v.relationship in NO_ACTIVE_ORGANISATION:
        return False  # no organisation to speak for
    drafting_side = v.in_owner or v.relationship == "co_drafter"
    if v.at_least("contributor") and (drafting_side or audience_reaches(v, d)):
        return True
    return LEVEL_RANK[grant_level(v, d)] >= LEVEL_RANK["comment"]


def owner_editor_may(v: Viewer, d: Doc) -> bool:
    """Decide proposals, ask for review, publish, open ratification: the owner organisation's
    editors (on TLP:RED only those of them with an edit grant by name), never once archived."""
    if d.status == "archived" or not may_read(v, d) or not (v.in_owner and v.at_least("editor")):
        return False
    return d.tlp != "red" or v.by_name == "edit"


def may_see_drafts(v: Viewer, d: Doc) -> bool:
    """The working copy (a revision under review may be unpublished): the owner organisation,
    co-drafters and grant holders; on TLP:RED grants by name only."""
    if d.tlp == "red":
        return v.by_name is not None
    return v.in_owner or v.relationship == "co_drafter" or grant_level(v, d) is not None


def may_review_owner_step(v: Viewer, d: Doc) -> bool:
    """The step is assigned to editors and above of the owner organisation; reviewers read the
    revision under review."""
    return may_see_drafts(v, d) and v.in_owner and v.at_least("editor")


def may_review_community_step(v: Viewer, d: Doc) -> bool:
    """The step is assigned to contributors and above of the drafting group's (active)
    organisations: co-drafters, the community organisation and the organisation granted everything."""
    in_group = v.relationship in ("co_drafter", "community", "org_granted")
    return may_see_drafts(v, d) and in_group and v.at_least("contributor")


def organisation_reached(v: Viewer, d: Doc) -> bool:
    """The person's organisation reads the document as an organisation: owner, co-drafter,
    organisation grant, or (once out) the audience. TLP:RED reaches named people only."""
    if d.tlp == "red":
        return v.in_owner
    if v.in_owner or v.relationship in ("co_drafter", "org_granted"):
        return True
    return audience_reaches(v, d)


def may_endorse(v: Viewer, d: Doc) -> bool:
    """Signatories (the flag, whatever the role) of active member organisations the document
    reaches, who can read it."""
    return may_read(v, d) and v.signatory and v.relationship in MEMBER_ORGANISATIONS and organisation_reached(v, d)


def may_acknowledge(v: Viewer, d: Doc) -> bool:
    """Contributors and above of an (active) organisation that was asked, who can read it."""
    active = v.relationship not in NO_ACTIVE_ORGANISATION
    return may_read(v, d) and active and v.relationship in ASKED and v.at_least("contributor")


RULES: dict[str, Callable[[Viewer, Doc], bool]] = {
    "discussion": may_read,
    "comment": may_comment,
    "propose": may_comment,
    "decide_proposal": owner_editor_may,
    "request_review": owner_editor_may,
    "approve_owner_step": may_review_owner_step,
    "approve_community_step": may_review_community_step,
    "publish": owner_editor_may,
    "open_ratification": owner_editor_may,
    "endorse": may_endorse,
    "endorse_other": may_endorse,
    "withdraw_own": may_endorse,  # an endorsement of their own organisation
    "withdraw_other": lambda v, d: False,  # another organisation's: never
    "acknowledge": may_acknowledge,
    "acknowledge_other": may_acknowledge,
}

ALLOWED, REFUSED, RULE = "allowed", "refused", "refused-by-rule"
RULE_MESSAGE = {
    "open_ratification": "Publish the document before opening it for ratification",
    "endorse_other": "You are not a signatory for (Umbrella|Initech)",
    "acknowledge_other": "(Globex|Initech) was not asked, or you cannot acknowledge for it",
}


def expected(v: Viewer, d: Doc, action: str) -> str:
    if not RULES[action](v, d):
        return REFUSED
    if action == "open_ratification" and d.status != "published":
        return RULE  # may steer it, but only published text is ratified
    if action in FOR_ANOTHER:
        return RULE  # may decide for their organisation, not for another one
    return ALLOWED


@dataclass(frozen=True)
class Case:
    viewer: Viewer
    doc: Doc

    @property
    def id(self) -> str:
        return f"{self.viewer.key}-{self.doc.key}"


# Where the rules read the role of a relationship on a document, every role meets it: the owner
# organisation (steering, reviewing, commenting), grants by name (their levels), the owner's staff
# granted by name on TLP:RED, co-drafters on texts not yet out, the named community on published
# named documents (its review step). Elsewhere one role per document, rotating, stands for all:
# every role still meets every relationship and every relationship every document.
def role_aware(relationship: str, doc: Doc) -> bool:
    return (
        relationship in ("owner", "granted")
        or (relationship == "owner_granted" and doc.tlp == "red")
        or (relationship == "co_drafter" and doc.status not in OPEN)
        or (relationship == "community" and doc.audience == "named" and doc.status == "published")
    )


def viewers_for(index: int, doc: Doc) -> list[Viewer]:
    chosen = [Viewer(ANONYMOUS)]
    for j, relationship in enumerate(RELATIONSHIPS):
        roles = ROLES if role_aware(relationship, doc) else (ROLES[(index + j) % len(ROLES)],)
        chosen += [Viewer(relationship, role) for role in roles]
    return chosen


CASES = [Case(v, d) for i, d in enumerate(DOCS) for v in viewers_for(i, d)]

# --- The world ---------------------------------------------------------------------------------

QUOTE = "Members report suspected abuse promptly."
FIRST_TEXT = f"# Scope\n\n{QUOTE}\n\n## Detail\n\nFirst text.\n"
SECOND_TEXT = f"# Scope\n\n{QUOTE}\n\n## Detail\n\nSecond text, revised.\n"


@dataclass(repr=False)
class World:
    orgs: dict[str, Organisation]
    research: Community
    drafting_group: Community
    author: User
    people: dict[str, User]
    documents: dict[str, int]
    proposals: dict[str, int]
    ratifications: dict[str, int]
    requests: dict[str, int]


def _org(name: str, kind: str = "member", **extra: Any) -> Organisation:
    slug = name.lower().replace(" ", "-")
    return Organisation.objects.create(name=name, slug=slug, kind=kind, country="GB", **extra)


def _person(email: str, organisation: Organisation, role: str, *, keep: bool = True) -> User:
    user = User.objects.create_user(email, None, name=email.split("@")[0].title())
    membership = Membership.objects.create(
        user=user,
        organisation=organisation,
        role=BASE_ROLE.get(role, role),
        signatory=role in ("signatory", "reader_signatory"),
    )
    if not keep:
        membership.delete()
    return user


def _build() -> World:
    acme = _org("Acme")
    orgs = {
        "owner": acme,
        "co_drafter": _org("Globex"),
        "named": _org("Initech"),
        "community": _org("Hooli"),
        "other_member": _org("Umbrella"),
        "partner": _org("Safe Kids", kind="partner"),
        "government": _org("Home Office", kind="government"),
        "suspended": _org("Soylent", status="suspended"),
        "removed": acme,
        "granted": _org("Stark"),
        "owner_granted": acme,
        "org_granted": _org("Wayne"),
    }
    research = Community.objects.create(name="Research group", slug="research")
    research.organisations.set([orgs["community"], orgs["suspended"]])
    # The community a review step is assigned to: some of its organisations see drafts, some do not.
    drafting_group = Community.objects.create(name="Drafting group", slug="drafting-group")
    drafting_group.organisations.set([orgs["co_drafter"], orgs["community"], orgs["org_granted"], orgs["suspended"]])
    author = _person("author@acme.example", acme, "editor")
    people = {
        v.key: _person(f"{v.key}@people.example", orgs[v.relationship], v.role, keep=v.relationship != "removed")
        for v in VIEWERS
        if v.role is not None
    }

    documents, proposals, ratifications, requests = {}, {}, {}, {}
    for d in DOCS:
        document = library.create_document(
            acting_user=author,
            owner=acme,
            title=f"Document {d.key}",
            kind=Document.Kind.PRINCIPLES,
            body=FIRST_TEXT,
            audience=d.audience,
            tlp=d.tlp,
            audience_organisations=[orgs["named"], orgs["suspended"]],
            audience_communities=[research],
            co_drafters=[orgs["co_drafter"]],
        )
        for v in VIEWERS:
            if v.by_name is not None:
                library.grant(acting_user=author, document=document, level=v.by_name, user=people[v.key])
        if d.tlp != "red":  # the service refuses organisation grants on TLP:RED
            library.grant(acting_user=author, document=document, level="edit", organisation=orgs["org_granted"])
        if d.status in OPEN:
            drafting.publish(acting_user=author, document=document)  # no review steps yet: directly
        drafting.save_revision(acting_user=author, document=document, body=SECOND_TEXT, base_number=1)
        steps = [drafting.StepSpec(name="Owner review", role="editor", organisation=acme)]
        drafting.set_review_steps(acting_user=author, document=document, steps=steps)
        proposal = drafting.propose(
            acting_user=author,
            document=document,
            anchor="quote",
            quote=QUOTE,
            replacement="Members report suspected abuse at once.",
            rationale="Speed matters.",
        )
        proposals[d.key] = proposal.pk
        if d.status in ("in_review", "published"):
            drafting.request_review(acting_user=author, document=document)
        document.refresh_from_db()
        if d.status == "published":
            ratification = drafting.open_ratification(
                acting_user=author, document=document, quorum=drafting.ratifying_organisations(document).count()
            )
            ratifications[d.key] = ratification.pk
            request = AcknowledgementRequest.objects.create(
                document=document, revision=document.published_revision, requested_by=author
            )
            request.organisations.set([orgs[r] for r in ASKED])
            requests[d.key] = request.pk
        if d.status == "archived":
            workflow.set_status(acting_user=author, document=document, status="archived")
        document.refresh_from_db()
        assert document.status == d.status, d.key
        documents[d.key] = document.pk
    return World(orgs, research, drafting_group, author, people, documents, proposals, ratifications, requests)


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield _build()
        transaction.set_rollback(True)  # each test ran in a savepoint inside this; leave nothing behind


# --- Running a case ----------------------------------------------------------------------------

EVENT = {
    "comment": "comment.added",
    "propose": "proposal.made",
    "decide_proposal": "proposal.decided",
    "request_review": "review.requested",
    "approve_owner_step": "review.decided",
    "approve_community_step": "review.decided",
    "publish": "document.published",
    "open_ratification": "ratification.opened",
    "endorse": "ratification.endorsed",
    "endorse_other": "ratification.endorsed",
    "withdraw_own": "ratification.withdrawn",
    "withdraw_other": "ratification.withdrawn",
    "acknowledge": "acknowledgement.given",
    "acknowledge_other": "acknowledgement.given",
}


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _tables() -> dict[str, str]:
    models = (AuditEvent, Notification, Document, Comment, Proposal, Review, ReviewDecision, Ratification)
    named = {m.__name__: m._meta.db_table for m in models}
    named |= {"Endorsement": Endorsement._meta.db_table, "Acknowledgement": Acknowledgement._meta.db_table}
    named["AckRequest"] = AcknowledgementRequest._meta.db_table
    return named


# Everything a drafting write could change about one document, and the log and the inboxes, as one
# query of counts and sums (checked before and after each refused call, so it must be cheap).
_STATE_SQL = """
SELECT
  (SELECT COALESCE(MAX(id), 0) FROM {AuditEvent}),
  (SELECT COUNT(*) FROM {Notification}),
  (SELECT status FROM {Document} WHERE id = %(pk)s),
  (SELECT COALESCE(current_revision_id, 0) FROM {Document} WHERE id = %(pk)s),
  (SELECT COALESCE(published_revision_id, 0) FROM {Document} WHERE id = %(pk)s),
  (SELECT COUNT(*) FROM {Comment} WHERE document_id = %(pk)s),
  (SELECT COUNT(*) FROM {Proposal} WHERE document_id = %(pk)s),
  (SELECT COUNT(*) FROM {Proposal} WHERE document_id = %(pk)s AND status = 'open'),
  (SELECT COUNT(*) FROM {Review} WHERE document_id = %(pk)s),
  (SELECT COUNT(*) FROM {Review} WHERE document_id = %(pk)s AND state = 'in_progress'),
  (SELECT COUNT(*) FROM {Review} WHERE document_id = %(pk)s AND state = 'approved'),
  (SELECT COALESCE(SUM(current_position + revision_id), 0) FROM {Review} WHERE document_id = %(pk)s),
  (SELECT COUNT(*) FROM {ReviewDecision} d JOIN {Review} r ON r.id = d.review_id WHERE r.document_id = %(pk)s),
  (SELECT COUNT(*) FROM {Ratification} WHERE document_id = %(pk)s),
  (SELECT COUNT(*) FROM {Ratification} WHERE document_id = %(pk)s AND state = 'open'),
  (SELECT COUNT(*) FROM {Endorsement} e JOIN {Ratification} r ON r.id = e.ratification_id
    WHERE r.document_id = %(pk)s),
  (SELECT COUNT(*) FROM {Endorsement} e JOIN {Ratification} r ON r.id = e.ratification_id
    WHERE r.document_id = %(pk)s AND e.withdrawn_at IS NULL),
  (SELECT COUNT(*) FROM {Acknowledgement} a JOIN {AckRequest} q ON q.id = a.request_id
    WHERE q.document_id = %(pk)s)
""".format(**_tables())  # noqa: S608 (table names from the models; the id is a parameter)


def _state(pk: int) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_STATE_SQL, {"pk": pk})
        return tuple(cursor.fetchone())


def _own_org(world: World, v: Viewer) -> Organisation:
    """The organisation the person would speak for (their former one, if removed)."""
    return world.orgs.get(v.relationship, world.orgs["owner"])


def _other_org(world: World, v: Viewer, usual: str) -> Organisation:
    """An organisation that is not the person's: `usual`, or Initech for someone of `usual`."""
    return world.orgs["named" if v.relationship == usual else usual]


def _open_review(pk: int) -> Review:
    return Review.objects.select_related("document").get(document_id=pk, state__in=Review.OPEN_STATES)


def _prepare(action: str, v: Viewer, d: Doc, document: Document, world: World) -> Any:
    """Put the document in the state the action needs (as its owners would have); return the
    object `can()` is asked about. (Services read the document afresh, under a lock.)"""
    pk = document.pk
    if action == "request_review":
        Review.objects.filter(document_id=pk, state__in=Review.OPEN_STATES).update(
            state=Review.State.WITHDRAWN, closed_at=timezone.now()
        )
    elif action == "approve_community_step":
        ReviewStep.objects.filter(document_id=pk, position=0).update(
            organisation=None, community=world.drafting_group, role="contributor"
        )
    elif action == "publish":
        approved = Review.objects.filter(document_id=pk, state__in=Review.OPEN_STATES).update(
            state=Review.State.APPROVED
        )
        if not approved:  # a draft: publishing directly needs no review steps
            ReviewStep.objects.filter(document_id=pk).delete()
    elif action == "open_ratification":
        Ratification.objects.filter(document_id=pk, state=Ratification.State.OPEN).update(
            state=Ratification.State.CLOSED, closed_at=timezone.now()
        )
    if action.startswith("approve_"):
        return _open_review(pk)
    if action.startswith("endorse"):
        return Ratification.objects.select_related("document").get(document_id=pk, state=Ratification.State.OPEN)
    if action.startswith("withdraw_"):
        ratification = Ratification.objects.select_related("revision").get(
            document_id=pk, state=Ratification.State.OPEN
        )
        organisation = _own_org(world, v) if action == "withdraw_own" else _other_org(world, v, "other_member")
        return Endorsement.objects.create(
            ratification=ratification,
            organisation=organisation,
            revision=ratification.revision,
            signatory=world.author,
            decision=Endorsement.Decision.ENDORSE,
        )
    if action.startswith("acknowledge"):
        return AcknowledgementRequest.objects.select_related("document").get(pk=world.requests[d.key])
    return document


CAN = {
    "discussion": Action.VIEW_DISCUSSION,
    "comment": Action.COMMENT_DOCUMENT,
    "propose": Action.PROPOSE_CHANGE,
    "decide_proposal": Action.DECIDE_PROPOSAL,
    "request_review": Action.REQUEST_REVIEW,
    "approve_owner_step": Action.DECIDE_REVIEW,
    "approve_community_step": Action.DECIDE_REVIEW,
    "publish": Action.PUBLISH_DOCUMENT,
    "open_ratification": Action.OPEN_RATIFICATION,
    "endorse": Action.ENDORSE,
    "endorse_other": Action.ENDORSE,
    "withdraw_own": Action.WITHDRAW_ENDORSEMENT,
    "withdraw_other": Action.WITHDRAW_ENDORSEMENT,
    "acknowledge": Action.ACKNOWLEDGE,
    "acknowledge_other": Action.ACKNOWLEDGE,
}


def _call(action: str, user: Any, v: Viewer, obj: Any, d: Doc, world: World) -> Any:
    """The service (for the discussion: the selector its page uses) the action goes through."""
    key = d.key
    if action == "discussion":
        return selectors.document_for(user, obj.pk, Action.VIEW_DISCUSSION)
    if action == "comment":
        return drafting.add_comment(acting_user=user, document=obj, body="A comment from the matrix.")
    if action == "propose":
        return drafting.propose(
            acting_user=user,
            document=obj,
            anchor="quote",
            quote=QUOTE,
            replacement="Members report suspected abuse within the hour.",
            rationale="An hour is what the hotline asks for.",
        )
    if action == "decide_proposal":
        proposal = Proposal.objects.get(pk=world.proposals[key])
        return drafting.decide_proposal(acting_user=user, proposal=proposal, outcome="reject", response="Not now.")
    if action == "request_review":
        return drafting.request_review(acting_user=user, document=obj)
    if action.startswith("approve_"):
        return drafting.decide_review(acting_user=user, review=obj, outcome="approve")
    if action == "publish":
        return drafting.publish(acting_user=user, document=obj)
    if action == "open_ratification":
        return drafting.open_ratification(acting_user=user, document=obj)
    if action.startswith("endorse"):
        return drafting.endorse(
            acting_user=user,
            ratification=obj,
            organisation=_own_org(world, v) if action == "endorse" else _other_org(world, v, "other_member"),
            decision="endorse",
            mfa_confirmed=True,
        )
    if action.startswith("withdraw_"):
        return drafting.withdraw_endorsement(acting_user=user, endorsement=obj, mfa_confirmed=True)
    if action.startswith("acknowledge"):
        # Globex (co-drafter) was asked too: it is not theirs unless they are of Globex.
        organisation = _own_org(world, v) if action == "acknowledge" else _other_org(world, v, "co_drafter")
        return drafting.acknowledge(acting_user=user, request=obj, organisation=organisation)
    raise AssertionError(action)


def _assert_allowed(action: str, result: Any, user: Any, v: Viewer, pk: int, seq: int, world: World) -> None:
    if action == "discussion":
        assert result.pk == pk
        return
    events = list(AuditEvent.objects.filter(id__gt=seq).values_list("action", "actor_id", "target_id"))
    assert (EVENT[action], user.pk, str(pk)) in events, f"no {EVENT[action]} event by them: {events}"
    speaks_for = _own_org(world, v).pk
    if action in ("comment", "propose"):
        assert result.author_id == user.pk and result.organisation_id == speaks_for
        assert type(result).objects.filter(pk=result.pk).exists()
    elif action == "decide_proposal":
        assert Proposal.objects.get(pk=result.pk).status == Proposal.Status.REJECTED
    elif action == "request_review":
        assert Review.objects.get(pk=result.pk).requested_by_id == user.pk
    elif action.startswith("approve_"):
        assert result.reviewer_id == user.pk and result.organisation_id == speaks_for
    elif action == "publish":
        document = Document.objects.get(pk=pk)
        assert document.status == "published" and document.published_revision_id == document.current_revision_id
    elif action == "open_ratification":
        assert Ratification.objects.get(pk=result.pk).state == Ratification.State.OPEN
    elif action == "endorse":
        assert result.organisation_id == speaks_for and result.signatory_id == user.pk
    elif action.startswith("withdraw_"):
        assert Endorsement.objects.get(pk=result.pk).withdrawn_by_id == user.pk
    elif action == "acknowledge":
        assert result.organisation_id == speaks_for and result.user_id == user.pk


def _check(action: str, outcome: str, user: Any, case: Case, document: Document, world: World) -> None:
    v, d = case.viewer, case.doc
    pk = document.pk
    obj = _prepare(action, v, d, document, world)
    allowed_by_access = access.can(user, CAN[action], obj)
    assert allowed_by_access == (outcome != REFUSED), f"can() said {allowed_by_access}"
    before = _state(pk)
    seq = before[0]
    if outcome == ALLOWED:
        result = _call(action, user, v, obj, d, world)
        _assert_allowed(action, result, user, v, pk, seq, world)
        return
    refusal: type[Exception] = ServiceError if outcome == RULE else AccessDenied
    if action == "discussion":
        refusal = Http404
    with pytest.raises(refusal, match=RULE_MESSAGE[action] if outcome == RULE else None):
        _call(action, user, v, obj, d, world)
    assert _state(pk) == before, "a refused call changed something (rows, audit log or notifications)"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_person_may_take_exactly_the_drafting_steps_the_rules_allow(case: Case, world: World, db: Any) -> None:
    v = case.viewer
    user: Any = AnonymousUser() if v.anonymous else User.objects.get(pk=world.people[v.key].pk)
    # One instance for the whole test: its audience and co-drafters never change, and `can()` keeps
    # what it learnt about them on it.
    document = Document.objects.get(pk=world.documents[case.doc.key])
    wrong = []
    for action in ACTIONS:
        if not applies(action, case.doc):
            continue
        outcome = expected(v, case.doc, action)
        try:
            # In a savepoint, rolled back: what one action did (or its preparation) never meets the next.
            with transaction.atomic():
                _check(action, outcome, user, case, document, world)
                transaction.set_rollback(True)
        except (AssertionError, AccessDenied, ServiceError, Http404) as error:
            wrong.append(f"{action} (expected {outcome}): {type(error).__name__}: {error}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_is_large_and_allows_and_refuses_every_action() -> None:
    runs = [(c, a) for c in CASES for a in ACTIONS if applies(a, c.doc)]
    assert len(CASES) >= 500  # tests
    assert len(runs) >= 5000  # person x document x action
    assert {(c.viewer.relationship, c.viewer.role) for c in CASES} == {(v.relationship, v.role) for v in VIEWERS}
    assert {(c.viewer.relationship, c.doc) for c in CASES} == set(itertools.product((*RELATIONSHIPS, ANONYMOUS), DOCS))
    for action in ACTIONS:
        outcomes = {expected(c.viewer, c.doc, a) for c, a in runs if a == action}
        if action == "withdraw_other":
            assert outcomes == {REFUSED}
        elif action in FOR_ANOTHER:
            assert outcomes == {RULE, REFUSED}, action
        else:
            assert {ALLOWED, REFUSED} <= outcomes, action
    # Every role is allowed somewhere and refused somewhere for the actions that read the role.
    for action in ("comment", "decide_proposal", "approve_owner_step", "endorse", "acknowledge"):
        allowed_roles = {c.viewer.role for c, a in runs if a == action and expected(c.viewer, c.doc, a) == ALLOWED}
        assert allowed_roles and allowed_roles != set(ROLES) | {None}, action
