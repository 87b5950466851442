"""Who may do what to library documents.

Reading follows, in order: TLP:RED is readable only through grants to named people; drafts and
documents in review only by the owner organisation, co-drafting organisations and grants; published
(and archived) documents also by their audience: the owner organisation, named organisations and
communities, every active organisation, or anyone. Grants to people or organisations sit in
guardian's direct-foreign-key tables, with view < comment < edit levels.

Listing is one SQL filter: the user's grant ids are fetched first (one UNION query) and added as an
id list, as measured in DESIGN.md; nothing is cached across requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import models
from django.db.models import IntegerField, OuterRef, Q, Subquery, Value
from guardian.shortcuts import assign_perm, remove_perm

from coalition.access.policy import MembershipInfo, memberships_of
from coalition.library.models import (
    TLP,
    Audience,
    Document,
    DocumentGroupGrant,
    DocumentUserGrant,
)
from coalition.organisations.models import Community, Organisation, Role

VIEW, COMMENT, EDIT = "view", "comment", "edit"
LEVELS = (VIEW, COMMENT, EDIT)
LEVEL_RANK = {VIEW: 1, COMMENT: 2, EDIT: 3}
LEVEL_PERMISSION = {VIEW: "view_document", COMMENT: "comment_document", EDIT: "change_document"}
PERMISSION_LEVEL = {codename: level for level, codename in LEVEL_PERMISSION.items()}
# The least role an organisation's member needs to use an organisation grant of each level.
LEVEL_ROLE = {VIEW: Role.READER, COMMENT: Role.CONTRIBUTOR, EDIT: Role.EDITOR}
OPEN_STATUSES = (Document.Status.PUBLISHED, Document.Status.ARCHIVED)


@dataclass
class Reader:
    """What one request knows about the user for document decisions; built once per request."""

    memberships: list[MembershipInfo]
    community_ids: set[int]
    user_grants: dict[int, str]  # document id -> level granted to the person
    org_grants: dict[int, str]  # document id -> best level usable through their organisations

    @property
    def organisation_ids(self) -> set[int]:
        return {m.organisation_id for m in self.memberships}

    def membership(self, organisation_id: int) -> MembershipInfo | None:
        return next((m for m in self.memberships if m.organisation_id == organisation_id), None)

    def grant_level(self, document_id: int, *, tlp: str) -> str | None:
        """The best grant level on a document; for TLP:RED only grants to the person count."""
        levels = [self.user_grants.get(document_id)]
        if tlp != TLP.RED:
            levels.append(self.org_grants.get(document_id))
        present = [level for level in levels if level]
        return max(present, key=LEVEL_RANK.__getitem__) if present else None


_READER_ATTR = "_coalition_document_reader"
_EMPTY = Reader([], set(), {}, {})


def reader_for(user: Any) -> Reader:
    if user is None or not user.is_authenticated or not user.is_active:
        return _EMPTY
    cached = getattr(user, _READER_ATTR, None)
    if cached is not None:
        return cached
    memberships = memberships_of(user)
    organisation_ids = [m.organisation_id for m in memberships]
    community_ids = set(
        Community.organisations.through.objects.filter(organisation_id__in=organisation_ids).values_list(
            "community_id", flat=True
        )
    )
    user_grants, org_grants = _grants_of(user, memberships)
    reader = Reader(memberships, community_ids, user_grants, org_grants)
    setattr(user, _READER_ATTR, reader)
    return reader


def forget(user: Any) -> None:
    if user is not None and hasattr(user, _READER_ATTR):
        delattr(user, _READER_ATTR)


def _grants_of(user: Any, memberships: list[MembershipInfo]) -> tuple[dict[int, str], dict[int, str]]:
    """The person's grants and their organisations' grants, in one UNION query."""
    role_of = {m.organisation_id: m.role for m in memberships}
    rows = DocumentUserGrant.objects.filter(user_id=user.pk).values_list(
        "content_object_id", "permission__codename", Value(None, output_field=IntegerField())
    )
    if role_of:
        rows = rows.union(
            DocumentGroupGrant.objects.filter(group__organisation__in=list(role_of)).values_list(
                "content_object_id", "permission__codename", "group__organisation__id"
            ),
            all=True,
        )
    user_grants: dict[int, str] = {}
    org_grants: dict[int, str] = {}
    for document_id, codename, organisation_id in rows:  # one query
        level = PERMISSION_LEVEL.get(codename)
        if level is None:
            continue
        if organisation_id is None:
            target = user_grants
        else:
            # An organisation grant serves each member up to what their role allows.
            usable = [lv for lv in LEVELS[: LEVEL_RANK[level]] if _role_allows(role_of[organisation_id], lv)]
            if not usable:
                continue
            level, target = usable[-1], org_grants
        if LEVEL_RANK[level] > LEVEL_RANK.get(target.get(document_id, ""), 0):
            target[document_id] = level
    return user_grants, org_grants


def _role_allows(role: str, level: str) -> bool:
    from coalition.organisations.models import ROLE_RANK

    return ROLE_RANK[role] >= ROLE_RANK[LEVEL_ROLE[level]]


# --- Decisions on one document ---------------------------------------------------------------


def _co_drafter_ids(document: Document) -> set[int]:
    cache = getattr(document, "_co_drafter_ids", None)
    if cache is None:
        cache = set(document.co_drafters.values_list("pk", flat=True))
        document._co_drafter_ids = cache  # type: ignore[attr-defined]
    return cache


def _audience_reaches(reader: Reader, document: Document) -> bool:
    if document.audience == Audience.PUBLIC:
        return True
    if document.audience == Audience.COALITION:
        return bool(reader.memberships)
    if document.audience == Audience.NAMED:
        orgs = reader.organisation_ids
        if not orgs:
            return False
        # can(), explain() and the page's other checks all ask this: query once per document and
        # set of organisations (the answer depends on nothing else).
        answers = document.__dict__.setdefault("_named_audience_reaches", {})
        key = frozenset(orgs)
        if key not in answers:
            answers[key] = (
                Document.audience_organisations.through.objects.filter(
                    document_id=document.pk, organisation_id__in=orgs
                ).exists()
                or Document.audience_communities.through.objects.filter(
                    document_id=document.pk, community_id__in=reader.community_ids
                ).exists()
            )
        return answers[key]
    return False


def can_view(user: Any, document: Document) -> bool:
    reader = reader_for(user)
    if document.tlp == TLP.RED:
        return document.pk in reader.user_grants
    if document.owner_id in reader.organisation_ids:
        return True
    if reader.grant_level(document.pk, tlp=document.tlp):
        return True
    if reader.organisation_ids & _co_drafter_ids(document):
        return True
    if document.status not in OPEN_STATUSES:
        return False
    return _audience_reaches(reader, document)


def _owner_editor(reader: Reader, document: Document) -> bool:
    membership = reader.membership(document.owner_id)
    return membership is not None and membership.at_least(Role.EDITOR)


def can_edit(user: Any, document: Document) -> bool:
    if document.status == Document.Status.ARCHIVED or not can_view(user, document):
        return False
    reader = reader_for(user)
    if document.tlp == TLP.RED:
        # TLP:RED: only what the person was granted by name, whatever their role.
        return reader.user_grants.get(document.pk) == EDIT
    if _owner_editor(reader, document):
        return True
    if reader.grant_level(document.pk, tlp=document.tlp) == EDIT:
        return True
    # Co-drafting organisations' editors work on drafts (and texts in review), not on what is out.
    if document.status in OPEN_STATUSES:
        return False
    return any(m.organisation_id in _co_drafter_ids(document) and m.at_least(Role.EDITOR) for m in reader.memberships)


def can_manage(user: Any, document: Document) -> bool:
    """Share, relabel, archive: only the owner organisation's editors, never recipients (TLP:AMBER
    and AMBER+STRICT material may not be re-shared by those it was shared with)."""
    reader = reader_for(user)
    if document.tlp == TLP.RED and reader.user_grants.get(document.pk) != EDIT:
        return False
    return can_view(user, document) and _owner_editor(reader, document)


def can_create_in(user: Any, organisation: Organisation) -> bool:
    membership = reader_for(user).membership(organisation.pk)
    return membership is not None and membership.at_least(Role.EDITOR)


def creatable_in(user: Any) -> list[MembershipInfo]:
    """The user's memberships in organisations they may create documents for."""
    return [m for m in reader_for(user).memberships if m.at_least(Role.EDITOR)]


# --- Listing -----------------------------------------------------------------------------------


def _linked(through: Any, **lookup: Any) -> Q:
    """The document has a row in `through` matching `lookup` (a correlated scalar subquery)."""
    return Q(pk=Subquery(through.objects.filter(document_id=OuterRef("pk"), **lookup).values("document_id")[:1]))


def visible_documents(user: Any, queryset: models.QuerySet[Document]) -> models.QuerySet[Document]:
    """The documents of `queryset` the user may read, as one filter (no per-row Python)."""
    reader = reader_for(user)
    public = Q(audience=Audience.PUBLIC, status__in=OPEN_STATUSES) & ~Q(tlp=TLP.RED)
    if not reader.memberships and not reader.user_grants:
        return queryset.filter(public)
    orgs = list(reader.organisation_ids)
    granted = [pk for pk in reader.org_grants] + [pk for pk in reader.user_grants]
    own = Q(owner_id__in=orgs) | Q(
        pk__in=Document.co_drafters.through.objects.filter(organisation_id__in=orgs).values("document_id")
    )
    # Correlated, one-row probes rather than `pk IN (subquery)`: the IN form builds the whole set
    # of documents shared with the user's communities (17,000 ids for a typical reader at 1M
    # documents) on every request, while a page needs only a few index probes (docs/performance.md).
    named = Q(audience=Audience.NAMED) & (
        _linked(Document.audience_organisations.through, organisation_id__in=orgs)
        | _linked(Document.audience_communities.through, community_id__in=list(reader.community_ids))
    )
    audience = Q(audience=Audience.PUBLIC) | (Q(audience=Audience.COALITION) if orgs else Q(pk__in=[])) | named
    not_red = ~Q(tlp=TLP.RED) & (own | Q(pk__in=granted) | (Q(status__in=OPEN_STATUSES) & audience))
    red = Q(tlp=TLP.RED, pk__in=list(reader.user_grants))
    return queryset.filter(not_red | red)


# --- Explanations ------------------------------------------------------------------------------


def explain_document(user: Any, document: Document) -> list[str]:
    """Why this user can (or cannot) read the document, in words."""
    reader = reader_for(user)
    reasons: list[str] = []
    if document.tlp == TLP.RED:
        level = reader.user_grants.get(document.pk)
        if level:
            return [f"TLP:RED: granted to you by name ({level})."]
        return ["TLP:RED: readable only by the people it is granted to by name, and you are not one of them."]
    owner = reader.membership(document.owner_id)
    if owner is not None:
        reasons.append(f"{owner.role_label} at {owner.organisation_name}, the owner organisation.")
    for m in reader.memberships:
        if m.organisation_id in _co_drafter_ids(document):
            reasons.append(f"{m.role_label} at {m.organisation_name}, which co-drafts this document.")
    if document.pk in reader.user_grants:
        reasons.append(f"Granted to you by name ({reader.user_grants[document.pk]}).")
    if document.pk in reader.org_grants:
        reasons.append(f"Granted to one of your organisations ({reader.org_grants[document.pk]}).")
    if document.status in OPEN_STATUSES and _audience_reaches(reader, document):
        reasons.append(_audience_reason(reader, document))
    if not reasons:
        if document.status not in OPEN_STATUSES:
            return [f"{document.get_status_display()}: only the owner organisation, co-drafters and grants see it."]
        return ["It is not shared with any organisation you belong to."]
    return reasons


def _audience_reason(reader: Reader, document: Document) -> str:
    if document.audience == Audience.PUBLIC:
        return "Published for everyone (TLP:CLEAR)."
    if document.audience == Audience.COALITION:
        first = reader.memberships[0]
        return f"Shared with the whole coalition; you are {first.role_label.lower()} at {first.organisation_name}."
    names = list(document.audience_organisations.filter(pk__in=reader.organisation_ids).values_list("name", flat=True))
    communities = list(document.audience_communities.filter(pk__in=reader.community_ids).values_list("name", flat=True))
    parts = [f"shared with {name}" for name in names] + [f"shared with the {name}" for name in communities]
    return f"{'; '.join(parts).capitalize()}, which includes your organisation."


@dataclass(frozen=True)
class AudienceSummary:
    everyone: bool
    every_organisation: bool
    organisations: list[Organisation]
    communities: list[Community]
    co_drafters: list[Organisation]
    people: list[tuple[Any, str]]
    organisation_grants: list[tuple[Organisation, str]]


def audience_of(document: Document) -> AudienceSummary:
    """Who can see the document, for its owners."""
    red = document.tlp == TLP.RED
    people = [
        (grant.user, PERMISSION_LEVEL[grant.permission.codename])
        for grant in DocumentUserGrant.objects.filter(content_object=document).select_related("user", "permission")
    ]
    organisation_grants = [
        (grant.group.organisation, PERMISSION_LEVEL[grant.permission.codename])
        for grant in DocumentGroupGrant.objects.filter(content_object=document).select_related(
            "group__organisation", "permission"
        )
    ]
    named = document.audience == Audience.NAMED and not red
    return AudienceSummary(
        everyone=document.audience == Audience.PUBLIC and not red,
        every_organisation=document.audience == Audience.COALITION and not red,
        organisations=list(document.audience_organisations.all()) if named else [],
        communities=list(document.audience_communities.all()) if named else [],
        co_drafters=[] if red else list(document.co_drafters.all()),
        people=people,
        organisation_grants=[] if red else organisation_grants,
    )


# --- Grant storage (guardian) ------------------------------------------------------------------


def grant_group_of(organisation: Organisation) -> Group:
    if organisation.grant_group_id is None:
        group, _ = Group.objects.get_or_create(name=f"coalition-organisation-{organisation.pk}")
        organisation.grant_group = group
        organisation.save(update_fields=["grant_group"])
    assert organisation.grant_group is not None
    return organisation.grant_group


def store_grant(document: Document, *, level: str, user: Any = None, organisation: Organisation | None = None) -> None:
    """Replace any grant the person or organisation has on the document with one of `level`."""
    subject = user if user is not None else grant_group_of(organisation)  # type: ignore[arg-type]
    delete_grant(document, user=user, organisation=organisation)
    assign_perm(LEVEL_PERMISSION[level], subject, document)


def delete_grant(document: Document, *, user: Any = None, organisation: Organisation | None = None) -> None:
    subject = user if user is not None else grant_group_of(organisation)  # type: ignore[arg-type]
    for codename in LEVEL_PERMISSION.values():
        remove_perm(codename, subject, document)


def grant_level_of(document: Document, *, user: Any = None, organisation: Organisation | None = None) -> str | None:
    codenames: Any
    if user is not None:
        codenames = DocumentUserGrant.objects.filter(content_object=document, user=user).values_list(
            "permission__codename", flat=True
        )
    else:
        assert organisation is not None
        if organisation.grant_group_id is None:
            return None
        codenames = DocumentGroupGrant.objects.filter(
            content_object=document, group_id=organisation.grant_group_id
        ).values_list("permission__codename", flat=True)
    levels = [PERMISSION_LEVEL[c] for c in codenames if c in PERMISSION_LEVEL]
    return max(levels, key=LEVEL_RANK.__getitem__) if levels else None
