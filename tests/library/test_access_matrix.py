"""The library's authorisation matrix: who may list, read, download, edit, share, relabel and archive
which document, as one table checked through HTTP.

People: a role (reader, contributor, editor, admin, signatory) at an organisation standing in one
relationship to the documents (owner, co-drafter, named in the audience, in a named community,
another member, a partner, a government observer, suspended, removed, granted by name, the owner's
own staff granted by name, an organisation granted, secretariat staff, secretariat staff who are
also Django superusers), someone in no organisation granted by name (the "role" then only chooses
the grant's level), plus anonymous visitors. Documents: one per
audience x TLP label the TLP rules allow, published, and a smaller block of drafts, a text in
review and archived ones. Each person x document is one test running every action on it, the reads and every write route
(save a revision, upload, restore, grant, change the audience, relabel, archive) (the list
is one test per person, against every document); the outcome each expects comes from `may_read`,
`may_edit` and `may_manage` below, written from the rules in coalition/access/documents.py's
docstring and docs/architecture.md, never from the access module.

Allowed: 200, or the item is in the list, or for a write a redirect, the change and its audit event
(an export: the labelled file and its event). Refused by the export cap: 403 with the reason.
Refused: 404 for a signed-in person (the list just leaves the item out), a sign-in redirect for
anonymous visitors on pages that need an account; no audit event, and a refused write changed
nothing.

The world (organisations, people, documents with two revisions, an attachment and grants each) is
built once per module inside a transaction rolled back at the end; each test runs in a savepoint
inside it, so a write one test makes is gone before the next.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings

from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import (
    Document,
    DocumentGroupGrant,
    DocumentUserGrant,
)
from coalition.organisations.models import Community, Membership, Organisation
from tests.conftest import enrol_totp

# --- The table ---------------------------------------------------------------------------------

ROLES = ("reader", "contributor", "editor", "admin", "signatory")  # signatory: an editor with the flag
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
    "granted",  # of an unrelated organisation, with a grant to them by name (level below)
    "owner_granted",  # a member of the owner organisation with a grant by name (what TLP:RED needs)
    "unaffiliated",  # in no organisation, with a grant to them by name (level below)
    "org_granted",  # of an organisation granted every document (not TLP:RED) at edit, used up to the role
    "secretariat",  # staff of the secretariat: no more than any other member organisation (docs/architecture.md)
    "superuser",  # secretariat staff who are also Django superusers and staff: still no more
)
ANONYMOUS = "anonymous"
# A grant by name has its level whatever the role, so each level meets a role that cannot stretch it.
GRANT_LEVEL = {"reader": "view", "contributor": "comment", "editor": "edit", "admin": "view", "signatory": "edit"}
# An organisation's grant serves each member up to what their role allows (docs/architecture.md, Roles).
ROLE_LEVEL = {"reader": "view", "contributor": "comment", "editor": "edit", "admin": "edit", "signatory": "edit"}

AUDIENCES = ("organisation", "named", "coalition", "public")
TLPS = ("clear", "green", "amber", "amber_strict", "red")
ACTIONS = (
    "list",
    "view",
    "history",
    "drafts",
    "download",
    "edit",
    "save",
    "upload",
    "restore",
    "share",
    "grant",
    "audience",
    "relabel",
    "archive",
    "export",
)
# The list is one page per person, checked against every document at once; the rest per document.
DOCUMENT_ACTIONS = ACTIONS[1:]

# Relabelling asks for the next label along; a public document can only be TLP:CLEAR.
NEXT_LABEL = {"clear": "green", "green": "amber", "amber": "amber_strict", "amber_strict": "amber", "red": "amber"}
# Changing the audience asks for named organisations, or for a named document the owner organisation
# alone; TLP:RED may have no audience but the owner organisation (grants by name only).
NEXT_AUDIENCE = {"organisation": "named", "named": "organisation", "coalition": "named", "public": "named"}


def tlp_rules_allow(audience: str, tlp: str) -> bool:
    """docs/architecture.md: public needs TLP:CLEAR; TLP:RED is read through named grants only, so its
    audience stays the owner organisation."""
    return (audience != "public" or tlp == "clear") and (tlp != "red" or audience == "organisation")


def next_audience(d: Any) -> str:
    return NEXT_AUDIENCE[d.audience]


@dataclass(frozen=True)
class Viewer:
    relationship: str
    role: str | None = None

    @property
    def key(self) -> str:
        return self.relationship if self.role is None else f"{self.relationship}-{self.role}"

    @property
    def editor(self) -> bool:
        return self.role in ("editor", "admin", "signatory")

    @property
    def in_owner(self) -> bool:
        return self.relationship in ("owner", "owner_granted")

    @property
    def by_name(self) -> str | None:
        """The level of the grant to this person by name, if any."""
        named = self.relationship in ("granted", "owner_granted", "unaffiliated")
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
# The smaller block: not yet published (only owner, co-drafters and grants) and archived (read, not edited).
UNPUBLISHED = [
    Doc("coalition", "green", "draft"),
    Doc("public", "clear", "draft"),
    Doc("named", "amber", "in_review"),
    Doc("organisation", "red", "draft"),
    Doc("coalition", "amber", "archived"),
    Doc("public", "clear", "archived"),
]
DOCS = PUBLISHED + UNPUBLISHED

# --- The reference: the rules, written again without the access module -----------------------

OPEN = ("published", "archived")
# Relationships in which the person belongs to an active organisation.
NOT_IN_ACTIVE_ORGANISATION = {"suspended", "removed", "unaffiliated", ANONYMOUS}


def grant_level(v: Viewer, d: Doc) -> str | None:
    """The best grant the person can use: by name, or (never on TLP:RED) their organisation's."""
    levels = [v.by_name]
    if v.relationship == "org_granted" and d.tlp != "red" and v.role:
        levels.append(ROLE_LEVEL[v.role])
    return max((lv for lv in levels if lv), key=("view", "comment", "edit").index, default=None)


def may_read(v: Viewer, d: Doc) -> bool:
    if d.tlp == "red":
        return v.by_name is not None  # only grants to people by name, whoever else they are
    if v.in_owner or v.relationship == "co_drafter" or grant_level(v, d):
        return True
    if d.status not in OPEN:
        return False
    if d.audience == "public":
        return True
    if d.audience == "coalition":
        return v.relationship not in NOT_IN_ACTIVE_ORGANISATION
    if d.audience == "named":
        return v.relationship in ("named", "community")
    return False


def may_see_drafts(v: Viewer, d: Doc) -> bool:
    """The owner organisation, co-drafters and grant holders work on revisions not yet published;
    someone reached only by the audience sees what was published (revision 2 here), not revision 1."""
    if d.tlp == "red":
        return v.by_name is not None
    return v.in_owner or v.relationship == "co_drafter" or grant_level(v, d) is not None


def may_edit(v: Viewer, d: Doc) -> bool:
    if d.status == "archived" or not may_read(v, d):
        return False
    if d.tlp == "red":
        return v.by_name == "edit"  # whatever the role
    if (v.in_owner and v.editor) or grant_level(v, d) == "edit":
        return True
    # Co-drafters' editors work on the text until it is out, not after.
    return d.status not in OPEN and v.relationship == "co_drafter" and v.editor


# Each organisation's export cap (the highest label its members may export); the rest keep the
# default, TLP:AMBER+STRICT. People in no active organisation export TLP:CLEAR only.
EXPORT_CAP = {"owner": "red", "owner_granted": "red", "named": "green"}
DEFAULT_EXPORT_CAP = "amber_strict"


def may_export(v: Viewer, d: Doc) -> bool:
    """Reading, then the label within the person's cap (TLP:RED needs a grant by name, which reading
    it already does)."""
    return may_read(v, d)


def export_within_cap(v: Viewer, d: Doc) -> bool:
    cap = (
        "clear" if v.relationship in NOT_IN_ACTIVE_ORGANISATION else EXPORT_CAP.get(v.relationship, DEFAULT_EXPORT_CAP)
    )
    return TLPS.index(d.tlp) <= TLPS.index(cap)


def may_manage(v: Viewer, d: Doc) -> bool:
    """Share, relabel, archive: the owner organisation's editors, never recipients or grantees;
    on TLP:RED only those of them with an edit grant by name."""
    if not (may_read(v, d) and v.in_owner and v.editor):
        return False
    return d.tlp != "red" or v.by_name == "edit"


ALLOWED, REFUSED, SIGN_IN, RULE = "allowed", "refused", "sign-in", "refused-by-rule"
RULES = {
    "list": may_read,
    "view": may_read,
    "history": may_read,
    "drafts": may_read,
    "download": may_read,
    "edit": may_edit,
    "save": may_edit,
    "upload": may_edit,
    "restore": may_edit,
    "share": may_manage,
    "grant": may_manage,
    "audience": may_manage,
    "relabel": may_manage,
    "archive": may_manage,
    "export": may_export,
}


def expected(v: Viewer, d: Doc, action: str) -> str:
    # Only the document page itself is open to visitors without an account (for public items).
    if v.relationship == ANONYMOUS and action != "view":
        return SIGN_IN
    if not RULES[action](v, d):
        return REFUSED
    if action == "relabel" and not tlp_rules_allow(d.audience, NEXT_LABEL[d.tlp]):
        return RULE  # may manage, but the TLP rules refuse the new label
    if action == "audience" and not tlp_rules_allow(next_audience(d), d.tlp):
        return RULE  # may manage, but the TLP rules refuse the new audience
    if action == "export" and not export_within_cap(v, d):
        return RULE  # may read, but the cap refuses the label: a 403 that says why
    if action == "archive" and d.status == "archived":
        return RULE  # already archived: nothing to do
    if action == "drafts" and not may_see_drafts(v, d):
        return RULE  # reads the published revision, but revision 1 was never published: back to history
    return ALLOWED


@dataclass(frozen=True)
class Case:
    """One person and one document; the test runs every document action on it."""

    viewer: Viewer
    doc: Doc

    @property
    def id(self) -> str:
        return f"{self.viewer.key}-{self.doc.key}"


# Where the rules read the role, every role meets every document: the owner organisation's editors,
# the levels of grants by name, co-drafting editors on drafts (and texts in review), the owner's
# grants by name on TLP:RED. Elsewhere one role per document, rotating, stands for all: every role
# still meets every relationship and every relationship every document, at about half the requests
# of the full product. The reference decides every case exactly either way.
def role_aware(relationship: str, doc: Doc) -> bool:
    return (
        relationship in ("owner", "granted")
        or (relationship == "co_drafter" and doc.status not in OPEN)
        or (relationship == "owner_granted" and doc.tlp == "red")
    )


def viewers_for(index: int, doc: Doc) -> list[Viewer]:
    chosen = [Viewer(ANONYMOUS)]
    for j, relationship in enumerate(RELATIONSHIPS):
        roles = ROLES if role_aware(relationship, doc) else (ROLES[(index + j) % len(ROLES)],)
        chosen += [Viewer(relationship, role) for role in roles]
    return chosen


CASES = [Case(v, d) for i, d in enumerate(DOCS) for v in viewers_for(i, d)]

# --- The world ---------------------------------------------------------------------------------

ATTACHMENT = b"Minutes of the working group\n"
FIRST_TEXT, SECOND_TEXT = "# Scope\n\nFirst text.", "# Scope\n\nSecond text, revised."
THIRD_TEXT = "# Scope\n\nThird text, from the matrix."
UPLOAD = b"Notes from the matrix\n"
GRANTEE = "grantee@tyrell.example"


@dataclass(repr=False)
class World:
    documents: dict[str, Document]
    attachments: dict[str, int]
    sessions: dict[str, str]  # viewer key -> session key
    named_organisation: int  # the organisation a document's audience names
    # Every test leaves the world as it found it, so each document's starting state is known.
    states: dict[str, Any]
    people: dict[str, User]  # viewer key -> person


def _org(name: str, kind: str = "member", **extra: Any) -> Organisation:
    slug = name.lower().replace(" ", "-")
    return Organisation.objects.create(name=name, slug=slug, kind=kind, country="GB", **extra)


def _person(
    email: str, organisation: Organisation | None, role: str, *, keep: bool = True, superuser: bool = False
) -> User:
    user = User.objects.create_user(email, None, name=email.split("@")[0].title())
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    if organisation is not None:
        membership = Membership.objects.create(
            user=user,
            organisation=organisation,
            role="editor" if role == "signatory" else role,
            signatory=role == "signatory",
        )
        if not keep:
            membership.delete()
    secretariat = organisation is not None and organisation.kind == "secretariat"
    if role in ("admin", "signatory") or secretariat or superuser:
        enrol_totp(user)  # or the MFA hold would redirect them wherever their organisation is active
    return user


def _build() -> World:
    acme = _org("Acme", export_cap=EXPORT_CAP["owner"])
    orgs = {
        "owner": acme,
        "co_drafter": _org("Globex"),
        "named": _org("Initech", export_cap=EXPORT_CAP["named"]),
        "community": _org("Hooli"),
        "other_member": _org("Umbrella"),
        "partner": _org("Safe Kids", kind="partner"),
        "government": _org("Home Office", kind="government"),
        "suspended": _org("Soylent", status="suspended"),
        "removed": acme,
        "granted": _org("Stark"),
        "owner_granted": acme,
        "org_granted": _org("Wayne"),
        "secretariat": _org("Secretariat", kind="secretariat"),
    }
    orgs["superuser"] = orgs["secretariat"]
    # Someone the owner's editors share with: in no relationship the matrix measures.
    _person(GRANTEE, _org("Tyrell"), "reader")
    research = Community.objects.create(name="Research group", slug="research")
    research.organisations.set([orgs["community"], orgs["suspended"]])
    author = _person("author@acme.example", acme, "editor")

    people: dict[str, User] = {}
    for v in VIEWERS:
        if v.role is not None:
            email = f"{v.relationship}-{v.role}@people.example"
            people[v.key] = _person(
                email,
                orgs.get(v.relationship),  # none for "unaffiliated"
                v.role,
                keep=v.relationship != "removed",
                superuser=v.relationship == "superuser",
            )

    documents: dict[str, Document] = {}
    attachments: dict[str, int] = {}
    for d in DOCS:
        document = services.create_document(
            acting_user=author,
            owner=acme,
            title=f"Document {d.key}",
            body=FIRST_TEXT,
            audience=d.audience,
            tlp=d.tlp,
            audience_organisations=[orgs["named"], orgs["suspended"]],
            audience_communities=[research],
            co_drafters=[orgs["co_drafter"]],
        )
        services.save_revision(acting_user=author, document=document, body=SECOND_TEXT, base_number=1)
        upload = SimpleUploadedFile("minutes.txt", ATTACHMENT, content_type="text/plain")
        attachment = services.add_attachment(acting_user=author, document=document, upload=upload, max_bytes=10_000)
        for v in VIEWERS:
            if v.by_name is not None:
                services.grant(acting_user=author, document=document, level=v.by_name, user=people[v.key])
        if d.tlp != "red":  # the service refuses organisation grants on TLP:RED
            services.grant(acting_user=author, document=document, level="edit", organisation=orgs["org_granted"])
        if d.status == "in_review":  # through the review workflow, as people do it
            drafting.set_review_steps(
                acting_user=author,
                document=document,
                steps=[drafting.StepSpec(name="Check", role="editor", organisation=document.owner)],
            )
            drafting.request_review(acting_user=author, document=document)
        for status in {"draft": [], "in_review": [], "published": ["published"]}.get(
            d.status, ["published", "archived"]
        ):
            workflow.set_status(acting_user=author, document=document, status=status)
        documents[d.key] = document
        attachments[d.key] = attachment.pk

    sessions = {}
    for key, user in people.items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions[key] = client.session.session_key
    states = {key: _state(document.pk) for key, document in documents.items()}
    return World(documents, attachments, sessions, orgs["named"].pk, states, people)


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        # Session activity tracking writes a row per request and is not what this matrix is about.
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast, USERSESSIONS_TRACK_ACTIVITY=False),
        transaction.atomic(),
    ):
        yield _build()
        transaction.set_rollback(True)  # each test ran in a savepoint inside this; leave nothing behind


# --- Running a case ----------------------------------------------------------------------------


def _client(world: World, viewer: Viewer) -> Client:
    client = Client()
    if viewer.role is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[viewer.key]
    return client


WRITES = ("save", "upload", "restore", "grant", "audience", "relabel", "archive")


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _state(pk: int) -> Any:
    """What the writes could change about a document: its row, audiences, revisions, attachments, grants."""
    document = Document.objects.get(pk=pk)
    return (
        list(Document.objects.filter(pk=pk).values()),
        sorted(document.audience_organisations.values_list("pk", flat=True)),
        sorted(document.audience_communities.values_list("pk", flat=True)),
        list(document.revisions.order_by("number").values_list("number", "body")),
        list(document.attachments.order_by("pk").values_list("pk", flat=True)),
        list(DocumentUserGrant.objects.filter(content_object_id=pk).values_list("pk", "user_id", "permission_id")),
        list(DocumentGroupGrant.objects.filter(content_object_id=pk).values_list("pk", "group_id", "permission_id")),
    )


def _requests(action: str, doc: Doc, world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, data) of the requests one action makes."""
    base = f"/library/{world.documents[doc.key].pk}/"
    audience: dict[str, Any] = {"audience": next_audience(doc)}
    if audience["audience"] == "named":
        audience["audience_organisations"] = [world.named_organisation]
    text = {
        "title": f"Document {doc.key}",
        "summary": "",
        "kind": "policy",
        "language": "en",
        "review_by": "",
        "body": THIRD_TEXT,
        "message": "From the matrix",
        "base": "2",
    }
    return {
        "view": [("get", base, {})],
        "history": [("get", f"{base}history/", {}), ("get", f"{base}revisions/2/", {})],
        "drafts": [("get", f"{base}revisions/1/", {}), ("get", f"{base}compare/?from=1&to=2", {})],
        "download": [("get", f"{base}attachments/{world.attachments[doc.key]}/", {})],
        "edit": [("get", f"{base}edit/", {})],
        "save": [("post", f"{base}edit/", text)],
        "upload": [("post", f"{base}attachments/", {"file": SimpleUploadedFile("notes.txt", UPLOAD)})],
        "restore": [("post", f"{base}revisions/1/restore/", {})],
        "share": [("get", f"{base}share/", {})],
        "grant": [("post", f"{base}share/grants/", {"email": GRANTEE, "organisation": "", "level": "view"})],
        "audience": [("post", f"{base}share/", audience)],
        "relabel": [("post", f"{base}share/label/", {"tlp": NEXT_LABEL[doc.tlp]})],
        "archive": [("post", f"{base}share/status/", {"status": "archived", "confirm": "yes"})],
        # Markdown: the same decision as PDF (tests/exports renders PDFs), at a fraction of the time.
        "export": [("post", f"{base}export/md/", {})],
    }[action]


def _assert_sent_to_sign_in(response: Any, url: str) -> None:
    location = urlsplit(response["Location"])
    assert response.status_code == 302
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [url]


def _assert_allowed(action: str, doc: Doc, world: World, response: Any, seq: int) -> None:
    pk = world.documents[doc.key].pk
    if action == "export":
        assert response.status_code == 200
        label = f"TLP:{doc.tlp.upper().replace('_', '+')}"
        lines = response.content.decode().splitlines()
        assert lines[0] == lines[-1] == label
        [event] = AuditEvent.objects.filter(id__gt=seq)
        assert (event.action, event.data["label"], event.target_id) == ("document.exported", label, str(pk))
        assert event.data["export"] in lines[1]
    elif action == "download":
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="minutes.txt"'
        assert b"".join(response.streaming_content) == ATTACHMENT
    elif action in WRITES:
        page = f"/library/{pk}/share/" if action in ("grant", "audience", "relabel", "archive") else f"/library/{pk}/"
        assert response.status_code == 302 and response["Location"] == page
        document = Document.objects.select_related("current_revision").get(pk=pk)
        actions = list(AuditEvent.objects.filter(id__gt=seq).order_by("id").values_list("action", flat=True))
        if action == "save":
            assert (document.current_revision.number, document.current_revision.body) == (3, THIRD_TEXT)
            assert "document.revised" in actions  # (a text in review also goes back to its first step)
        elif action == "upload":
            added = document.attachments.exclude(pk=world.attachments[doc.key]).get()
            assert (added.original_name, added.size) == ("notes.txt", len(UPLOAD))
            assert actions == ["attachment.uploaded"]
        elif action == "restore":
            assert (document.current_revision.number, document.current_revision.body) == (3, FIRST_TEXT)
            assert "document.revision_restored" in actions
        elif action == "grant":
            assert DocumentUserGrant.objects.filter(content_object=document, user__email=GRANTEE).count() == 1
            assert actions == ["document.granted"]
        elif action == "audience":
            assert document.audience == next_audience(doc)
            assert actions == ["document.audience_changed"]
        elif action == "relabel":
            assert document.tlp == NEXT_LABEL[doc.tlp]
            assert actions == ["document.relabelled"]
        else:  # archiving a text in review also ends the review
            assert document.status == "archived"
            assert actions == (["review.withdrawn"] if doc.status == "in_review" else []) + ["document.status_changed"]
    else:
        assert response.status_code == 200


def _check(client: Client, action: str, outcome: str, doc: Doc, world: World, viewer: Viewer) -> None:
    pk = world.documents[doc.key].pk
    # (Earlier reads in the same test may have been recorded: count from here.)
    seq = _last_seq() if outcome != ALLOWED or action in WRITES or action == "export" else 0
    for method, url, data in _requests(action, doc, world):
        # (The test client closes responses itself; closing one here would end the module's transaction.)
        response = client.post(url, data) if method == "post" else client.get(url)
        try:
            if outcome == SIGN_IN:
                _assert_sent_to_sign_in(response, url)
            elif outcome == REFUSED:
                assert response.status_code == 404
            elif outcome == RULE:
                # Past the access check, stopped by a TLP or status rule: the form again, or back to sharing.
                # (A revision never published is simply not there for an audience-only reader.)
                rule_status = 404 if action == "drafts" and "/revisions/" in url else 302
                if action == "export":
                    reason = (
                        "People without an organisation may export TLP:CLEAR material only"
                        if viewer.relationship in NOT_IN_ACTIVE_ORGANISATION
                        else "lets its members export"
                    )
                    assert response.status_code == 403 and reason in response.content.decode()
                else:
                    assert response.status_code == (400 if action in ("relabel", "audience") else rule_status)
            else:
                _assert_allowed(action, doc, world, response, seq)
        except AssertionError as error:
            raise AssertionError(f"{method.upper()} {url}: {error}") from None
    if outcome != ALLOWED:
        assert _last_seq() == seq, "a refused request left an audit event"
        if action in WRITES:
            assert _state(pk) == world.states[doc.key], "a refused request changed the document"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_person_may_do_exactly_what_the_rules_allow(case: Case, world: World, db: Any) -> None:
    client = _client(world, case.viewer)
    wrong = []
    for action in DOCUMENT_ACTIONS:
        outcome = expected(case.viewer, case.doc, action)
        try:
            if action in WRITES:
                # In a savepoint, rolled back: a write one action made never meets the next.
                with transaction.atomic():
                    _check(client, action, outcome, case.doc, world, case.viewer)
                    transaction.set_rollback(True)
            else:
                _check(client, action, outcome, case.doc, world, case.viewer)
        except AssertionError as error:
            wrong.append(f"{action} (expected {outcome}): {error}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("viewer", VIEWERS, ids=[v.key for v in VIEWERS])
def test_the_library_lists_exactly_what_each_person_may_read(viewer: Viewer, world: World, db: Any) -> None:
    response = _client(world, viewer).get("/library/")

    if all(expected(viewer, d, "list") == SIGN_IN for d in DOCS):
        _assert_sent_to_sign_in(response, "/library/")
        return
    assert response.status_code == 200
    html = response.content.decode()
    listed = {key for key, document in world.documents.items() if f'href="/library/{document.pk}/"' in html}
    assert listed == {d.key for d in DOCS if expected(viewer, d, "list") == ALLOWED}


def test_the_matrix_is_large_and_allows_and_refuses_every_action() -> None:
    assert len(CASES) + len(VIEWERS) >= 500  # tests
    assert len(CASES) * len(DOCUMENT_ACTIONS) + len(VIEWERS) * len(DOCS) >= 4000  # person x document x action
    assert {(c.viewer.relationship, c.viewer.role) for c in CASES} == {(v.relationship, v.role) for v in VIEWERS}
    assert {(c.viewer.relationship, c.doc) for c in CASES} == set(itertools.product((*RELATIONSHIPS, ANONYMOUS), DOCS))
    for action in ACTIONS:
        outcomes = {expected(v, d, action) for v in VIEWERS for d in DOCS}
        assert {ALLOWED, REFUSED} <= outcomes, action
    # Readers over their organisation's export cap meet the refusal that says why.
    assert RULE in {expected(v, d, "export") for v in VIEWERS for d in DOCS}


# --- "Who can see it" tells the truth --------------------------------------------------------------


def test_who_the_page_says_can_see_each_document_now_is_exactly_who_can_read_it(world: World, db: Any) -> None:
    """For every document and every person of the matrix: access.sees_now (the audience summary the
    share and document pages show, read as a person reads it) equals can(view). Issue 9, defect 4:
    a draft's named audience was listed as able to see it."""
    from django.contrib.auth.models import AnonymousUser

    from coalition import access

    wrong = []
    for key, document in world.documents.items():
        summary = access.audience_of(document)
        for person_key, person in [*world.people.items(), ("anonymous", AnonymousUser())]:
            fresh = person if person_key == "anonymous" else User.objects.get(pk=person.pk)
            if access.sees_now(summary, fresh) != access.can(fresh, "document.view", document):
                wrong.append(f"{person_key} on {key}")
    assert wrong == []


def test_the_share_page_of_a_draft_says_its_audience_sees_it_only_once_published(world: World, db: Any) -> None:
    document = world.documents["draft-coalition-green"]
    page = _client(world, Viewer("owner", "editor")).get(f"/library/{document.pk}/share/").content.decode()
    now, _, later = page.partition("Will see it once it is published")
    assert "Every active organisation" not in now.split("Can see it now")[1]
    assert "Every active organisation of the coalition" in later
    named = world.documents["in_review-named-amber"]
    page = _client(world, Viewer("owner", "editor")).get(f"/library/{named.pk}/share/").content.decode()
    assert "Let Initech see the draft now" in page
    assert "Let Soylent see the draft now" not in page  # suspended: no grant offered


def test_an_organisation_that_already_sees_a_draft_is_not_listed_as_waiting_for_it(world: World, db: Any) -> None:
    """A co-drafting organisation that is also in the named audience sees the draft now: the page
    lists it once, under "Can see it now", and offers no grant for it."""
    named = world.documents["in_review-named-amber"]
    initech = next(o for o in named.audience_organisations.all() if o.name == "Initech")
    named.co_drafters.add(initech)
    try:
        page = _client(world, Viewer("owner", "editor")).get(f"/library/{named.pk}/share/").content.decode()
    finally:
        named.co_drafters.remove(initech)
    now, _, later = page.partition("Will see it once it is published")
    assert "Everyone at Initech (co-drafting)" in now
    assert "Initech" not in later.partition("</ul>")[0]
    assert "Let Initech see the draft now" not in page
