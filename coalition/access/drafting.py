"""Who may take part in drafting a document: comment, propose, decide, review, publish, ratify and
acknowledge. Builds on the reading rules in documents.py; nothing else reads roles to decide this.

- Comment and propose: contributors and above of an organisation the document reaches (the owner,
  a co-drafter, or, once it is out, an organisation in its audience; a public document reaches every
  organisation), plus comment-level grants. TLP:RED: only comment-level grants to the person.
- Decide proposals, define review steps, request review, publish, open a ratification, ask for
  acknowledgement: the owner organisation's editors (as for sharing), never once archived.
- Review a step: people holding the step's role in its organisation or community who can read the
  working copy (the revision under review); never the person who asked for the review.
- Endorse, decline, withdraw: signatories of active member organisations the document reaches (its
  owner, co-drafters, organisations granted it, its audience), who can read it.
- Acknowledge: contributors and above of an organisation that was asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from coalition.access import documents
from coalition.access.memberships import MembershipInfo
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import ROLE_RANK, Community, Membership, Organisation, Role

if TYPE_CHECKING:
    from coalition.drafting.models import AcknowledgementRequest, Endorsement, Ratification, Review, ReviewStep

# Organisations whose signatories ratify principles (partners, observers and the secretariat do not).
RATIFYING_KINDS = (Organisation.Kind.MEMBER,)


def sees_working_copy(user: Any, document: Document) -> bool:
    """Owner, co-drafters and grant holders work on the current revision; someone who reads the
    document only through its audience sees what was published, never the draft in progress."""
    reader = documents.reader_for(user)
    if document.tlp == TLP.RED:
        return document.pk in reader.user_grants
    return (
        document.owner_id in reader.organisation_ids
        or bool(reader.organisation_ids & documents._co_drafter_ids(document))
        or reader.grant_level(document.pk, tlp=document.tlp) is not None
    )


def _audience_organisation_ids(reader: documents.Reader, document: Document) -> set[int]:
    """Which of the reader's organisations the document's audience reaches (it must be out)."""
    if document.status not in documents.OPEN_STATUSES:
        return set()
    if document.audience in (Audience.PUBLIC, Audience.COALITION):
        return reader.organisation_ids
    if document.audience != Audience.NAMED or not reader.organisation_ids:
        return set()
    answers = document.__dict__.setdefault("_named_audience_orgs", {})
    key = frozenset(reader.organisation_ids)
    if key not in answers:
        direct = set(
            Document.audience_organisations.through.objects.filter(
                document_id=document.pk, organisation_id__in=key
            ).values_list("organisation_id", flat=True)
        )
        through_communities = set(
            Community.organisations.through.objects.filter(
                organisation_id__in=key,
                community_id__in=Document.audience_communities.through.objects.filter(document_id=document.pk).values(
                    "community_id"
                ),
            ).values_list("organisation_id", flat=True)
        )
        answers[key] = direct | through_communities
    return answers[key]


def commenting_membership(user: Any, document: Document) -> MembershipInfo | None:
    """The membership through which the user may comment or propose (the organisation they speak
    for, cited in the disposition table), or None if they may not."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if document.status == Document.Status.ARCHIVED or not documents.can_view(user, document):
        return None
    reader = documents.reader_for(user)
    contributors = [m for m in reader.memberships if m.at_least(Role.CONTRIBUTOR)]
    if document.tlp == TLP.RED:
        granted = (
            documents.LEVEL_RANK.get(reader.user_grants.get(document.pk, ""), 0)
            >= documents.LEVEL_RANK[documents.COMMENT]
        )
        return reader.memberships[0] if granted and reader.memberships else None
    # The owner first, then co-drafters, then the audience: the most direct reason speaks.
    for m in contributors:
        if m.organisation_id == document.owner_id:
            return m
    for m in contributors:
        if m.organisation_id in documents._co_drafter_ids(document):
            return m
    reached = _audience_organisation_ids(reader, document)
    for m in contributors:
        if m.organisation_id in reached:
            return m
    level = reader.grant_level(document.pk, tlp=document.tlp)
    if (
        level is not None
        and documents.LEVEL_RANK[level] >= documents.LEVEL_RANK[documents.COMMENT]
        and reader.memberships
    ):
        # An organisation grant is already capped by role; a personal grant speaks for their first
        # organisation.
        return contributors[0] if contributors else reader.memberships[0]
    return None


def can_comment(user: Any, document: Document) -> bool:
    return commenting_membership(user, document) is not None


def can_decide_proposal(user: Any, document: Document) -> bool:
    """Owner-side editors (for TLP:RED, with an edit grant by name)."""
    return documents.can_edit(user, document) and documents._owner_editor(documents.reader_for(user), document)


def can_steer(user: Any, document: Document) -> bool:
    """Define review steps, request or withdraw review, publish, open ratification, ask for
    acknowledgement: the owner organisation's editors, on a document that is not archived."""
    return document.status != Document.Status.ARCHIVED and documents.can_manage(user, document)


def reviewer_membership(user: Any, review: Review) -> MembershipInfo | None:
    """The membership that makes the user a reviewer of the review's current step, if any."""
    if user is None or not user.is_authenticated or not user.is_active or not review.is_open:
        return None
    # Reviewers read the revision under review, which may be a draft the audience does not see.
    if review.requested_by_id == user.pk or not sees_working_copy(user, review.document):
        return None
    step = review.document.review_steps.filter(position=review.current_position).first()
    if step is None:
        return None
    reader = documents.reader_for(user)
    candidates = [m for m in reader.memberships if m.at_least(step.role)]
    if step.organisation_id is not None:
        return next((m for m in candidates if m.organisation_id == step.organisation_id), None)
    assert step.community_id is not None
    in_community = set(
        Community.organisations.through.objects.filter(
            community_id=step.community_id, organisation_id__in=[m.organisation_id for m in candidates]
        ).values_list("organisation_id", flat=True)
    )
    return next((m for m in candidates if m.organisation_id in in_community), None)


def organisations_reached(document: Document) -> set[int]:
    """The active organisations whose members read the document as members: the owner,
    co-drafters, organisations granted it and, once it is out, its audience. (TLP:RED reaches
    named people only, so no organisation beyond the owner.)"""
    from coalition.library.models import DocumentGroupGrant

    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    reached = {document.owner_id}
    if document.tlp == TLP.RED:
        return reached & set(active.filter(pk=document.owner_id).values_list("pk", flat=True))
    reached |= set(document.co_drafters.values_list("pk", flat=True))
    reached |= set(
        DocumentGroupGrant.objects.filter(content_object=document).values_list("group__organisation__id", flat=True)
    )
    if document.status in documents.OPEN_STATUSES:
        if document.audience in (Audience.PUBLIC, Audience.COALITION):
            return set(active.values_list("pk", flat=True))
        if document.audience == Audience.NAMED:
            reached |= set(document.audience_organisations.values_list("pk", flat=True))
            reached |= set(
                Community.organisations.through.objects.filter(
                    community_id__in=document.audience_communities.values("pk")
                ).values_list("organisation_id", flat=True)
            )
    return reached & set(active.filter(pk__in=reached).values_list("pk", flat=True))


def ratifying_organisation_ids(document: Document) -> set[int]:
    """Member organisations the document reaches: those that may ratify it."""
    reached = organisations_reached(document)
    return set(Organisation.objects.filter(pk__in=reached, kind__in=RATIFYING_KINDS).values_list("pk", flat=True))


def signatory_memberships(user: Any, ratification: Ratification) -> list[MembershipInfo]:
    """The organisations the user may endorse or decline for on this ratification: member
    organisations the document reaches, where the user is a signatory."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if ratification.state != ratification.State.OPEN or not documents.can_view(user, ratification.document):
        return []
    mine = [m for m in documents.reader_for(user).memberships if m.signatory and m.organisation_kind in RATIFYING_KINDS]
    if not mine:
        return []
    eligible = ratification.document.__dict__.get("_ratifying_ids")
    if eligible is None:
        eligible = ratification.document.__dict__["_ratifying_ids"] = ratifying_organisation_ids(ratification.document)
    return [m for m in mine if m.organisation_id in eligible]


def can_withdraw_endorsement(user: Any, endorsement: Endorsement) -> bool:
    if endorsement.withdrawn_at is not None:
        return False
    return any(
        m.organisation_id == endorsement.organisation_id for m in signatory_memberships(user, endorsement.ratification)
    )


def acknowledging_memberships(user: Any, request: AcknowledgementRequest) -> list[MembershipInfo]:
    """The asked organisations the user may acknowledge for (contributors and above)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if not documents.can_view(user, request.document):
        return []
    # .all(), not values_list(): a page listing many requests prefetches their organisations, and
    # this then costs no query per request (fix by the review/ratification pages' author).
    asked = {o.pk for o in request.organisations.all()}
    return [
        m for m in documents.reader_for(user).memberships if m.organisation_id in asked and m.at_least(Role.CONTRIBUTOR)
    ]


# --- Who the people are (for notifications and warnings); each answer is checked as above ---------


def step_reviewers(step: ReviewStep, document: Document) -> list[Any]:
    """The people who hold the step's role where it is assigned and see the working copy (the
    revision under review, not only what was published)."""
    memberships = _memberships_at_least(step.role)
    if step.organisation_id is not None:
        memberships = memberships.filter(organisation_id=step.organisation_id)
    else:
        memberships = memberships.filter(organisation__communities=step.community_id)
    people = {m.user.pk: m.user for m in memberships.select_related("user")}
    return [u for u in people.values() if sees_working_copy(u, document)]


def ratifying_signatories(document: Document) -> list[Any]:
    """Signatories of the member organisations the document reaches, who can read it."""
    memberships = Membership.objects.filter(
        signatory=True, organisation_id__in=ratifying_organisation_ids(document), user__is_active=True
    ).select_related("user")
    people = {m.user.pk: m.user for m in memberships}
    return [u for u in people.values() if documents.can_view(u, document)]


def readers_by_organisation(
    document: Document, organisations: list[Organisation], *, at_least: str = Role.READER
) -> dict[int, list[Any]]:
    """For each active organisation, its members with at least that role who can read the document
    (contributors and above are those who could acknowledge it if asked)."""
    reach: dict[int, list[Any]] = {o.pk: [] for o in organisations if o.is_active}
    memberships = _memberships_at_least(at_least).filter(organisation_id__in=list(reach))
    for m in memberships.select_related("user"):
        if documents.can_view(m.user, document):
            reach[m.organisation_id].append(m.user)
    return reach


def _memberships_at_least(role: str) -> Any:
    roles = [r for r in Role.values if ROLE_RANK[r] >= ROLE_RANK[role]]
    return Membership.objects.filter(
        role__in=roles, organisation__status=Organisation.Status.ACTIVE, user__is_active=True
    )


# --- What waits for a person, as SQL (My work) -------------------------------------------------
#
# reviewer_membership(), signatory_memberships() and acknowledging_memberships() above, turned
# into filters over many rows, so that My work lists each kind of task in one query. Each keeps
# only what the matching service would still accept from the person now: a review step in
# progress, a ratification their organisation has not decided, a request they have not answered.


def _roles_up_to(role: str) -> list[str]:
    return [r for r in Role.values if ROLE_RANK[r] <= ROLE_RANK[role]]


def _community_ids_of(organisation_id: int) -> Any:
    return Community.organisations.through.objects.filter(organisation_id=organisation_id).values("community_id")


def reviews_to_decide(user: Any, queryset: Any) -> Any:
    """The reviews of `queryset` whose current step the user may approve or send back now."""
    from django.db.models import Exists, OuterRef, Q

    from coalition.drafting.models import Review, ReviewStep

    memberships = documents.reader_for(user).memberships
    if not memberships:
        return queryset.none()
    assigned = Q(pk__in=[])
    for m in memberships:
        assigned |= Q(role__in=_roles_up_to(m.role)) & (
            Q(organisation_id=m.organisation_id) | Q(community_id__in=_community_ids_of(m.organisation_id))
        )
    step = ReviewStep.objects.filter(
        assigned, document_id=OuterRef("document_id"), position=OuterRef("current_position")
    )
    return (
        queryset.filter(state=Review.State.IN_PROGRESS)
        .exclude(requested_by_id=user.pk)
        .filter(documents.working_copy_condition(user, "document"))
        .filter(Exists(step))
    )


def ratifications_to_decide(user: Any, queryset: Any) -> Any:
    """The open ratifications of `queryset` on which the user may still endorse or decline for one
    of their organisations: a signatory of an active member organisation the document reaches,
    which has not decided (or withdrew its decision), before the deadline, on the text that is
    published now."""
    from django.db.models import Exists, F, OuterRef, Q
    from django.utils import timezone

    from coalition.drafting.models import Endorsement, Ratification
    from coalition.library.models import DocumentGroupGrant

    signatories = [
        m for m in documents.reader_for(user).memberships if m.signatory and m.organisation_kind in RATIFYING_KINDS
    ]
    if not signatories:
        return queryset.none()
    through = Document.audience_organisations.through
    communities = Document.audience_communities.through
    mine = Q(pk__in=[])
    for m in signatories:
        reached = (
            Q(document__audience__in=(Audience.PUBLIC, Audience.COALITION))
            | Q(
                document_id__in=Document.co_drafters.through.objects.filter(organisation_id=m.organisation_id).values(
                    "document_id"
                )
            )
            | Q(document_id__in=through.objects.filter(organisation_id=m.organisation_id).values("document_id"))
            | Q(
                document_id__in=communities.objects.filter(
                    community_id__in=_community_ids_of(m.organisation_id)
                ).values("document_id")
            )
        )
        if m.grant_group_id is not None:
            reached |= Q(
                document_id__in=DocumentGroupGrant.objects.filter(group_id=m.grant_group_id).values("content_object_id")
            )
        undecided = Q(
            ~Exists(
                Endorsement.objects.filter(
                    ratification_id=OuterRef("pk"), organisation_id=m.organisation_id, withdrawn_at__isnull=True
                )
            )
        )
        mine |= (Q(document__owner_id=m.organisation_id) | (~Q(document__tlp=TLP.RED) & reached)) & undecided
    today = timezone.localdate()
    open_now = queryset.filter(
        Q(deadline__isnull=True) | Q(deadline__gte=today),
        state=Ratification.State.OPEN,
        document__status=Document.Status.PUBLISHED,
        document__published_revision_id=F("revision_id"),
    )
    return documents.visible_documents_at(user, open_now.filter(mine), "document")


def acknowledgements_to_give(user: Any, queryset: Any) -> Any:
    """The acknowledgement requests of `queryset` the user may still acknowledge for one of the
    asked organisations (contributors and above), having not done so for it yet."""
    from django.db.models import Exists, OuterRef, Q

    from coalition.drafting.models import Acknowledgement, AcknowledgementRequest

    contributors = [m for m in documents.reader_for(user).memberships if m.at_least(Role.CONTRIBUTOR)]
    if not contributors:
        return queryset.none()
    asked = AcknowledgementRequest.organisations.through
    mine = Q(pk__in=[])
    for m in contributors:
        mine |= Exists(
            asked.objects.filter(acknowledgementrequest_id=OuterRef("pk"), organisation_id=m.organisation_id)
        ) & ~Exists(
            Acknowledgement.objects.filter(
                request_id=OuterRef("pk"), user_id=user.pk, organisation_id=m.organisation_id
            )
        )
    return documents.visible_documents_at(user, queryset.filter(mine), "document")


# --- Watching ------------------------------------------------------------------------------------


def watches_by_default(user: Any, document: Document) -> bool:
    """Owners and co-drafting editors watch a document unless they chose not to: editors and admins
    of the owner organisation or of a co-drafting organisation."""
    reader = documents.reader_for(user)
    drafting_organisations = {document.owner_id} | documents._co_drafter_ids(document)
    return any(m.organisation_id in drafting_organisations and m.at_least(Role.EDITOR) for m in reader.memberships)


def default_watchers(document: Document) -> list[Any]:
    """The people who watch `document` without having asked to: the editors and admins of the owner
    and co-drafting organisations (active people of active organisations). Whether each may hear
    of a given event is asked again by the notifications."""
    organisations = [document.owner_id, *documents._co_drafter_ids(document)]
    memberships = _memberships_at_least(Role.EDITOR).filter(organisation_id__in=organisations)
    return list({m.user.pk: m.user for m in memberships.select_related("user")}.values())


def review_owner_candidates(document: Document) -> list[Any]:
    """The people who may be made responsible for reviewing the document by its review-by date:
    the editors and admins of the owner organisation, who may edit it (on TLP:RED, those of them
    granted it by name at the edit level), in one query: the edit page lists them all."""
    if document.status == Document.Status.ARCHIVED:
        return []
    memberships = _memberships_at_least(Role.EDITOR).filter(organisation_id=document.owner_id)
    if document.tlp == TLP.RED:
        from coalition.library.models import DocumentUserGrant

        granted = DocumentUserGrant.objects.filter(
            content_object_id=document.pk, permission__codename=documents.LEVEL_PERMISSION[documents.EDIT]
        )
        memberships = memberships.filter(user_id__in=granted.values("user_id"))
    memberships = memberships.select_related("user").order_by("user__name", "user__email")
    return list({m.user.pk: m.user for m in memberships}.values())


# --- Who can read one revision, as SQL (mention suggestions) -----------------------------------


def revision_readers_condition(document: Document, *, published: bool) -> Q:
    """A filter on users: the people who can read `document` and, when the revision is a draft
    (`published` False), its working copy. The SQL twin of can(VIEW_DOCUMENT) plus, for a draft,
    sees_working_copy(): the rule the comment service applies to every @mention (tests hold the
    two equal for every person of the authorisation matrix). One query wherever it is used."""
    from coalition.library.models import DocumentGroupGrant, DocumentUserGrant

    level_codenames = list(documents.LEVEL_PERMISSION.values())
    granted_people = DocumentUserGrant.objects.filter(
        content_object_id=document.pk, permission__codename__in=level_codenames
    ).values("user_id")
    if document.tlp == TLP.RED:
        return Q(is_active=True, pk__in=granted_people)
    active = Membership.objects.filter(organisation__status=Organisation.Status.ACTIVE)
    granted_groups = DocumentGroupGrant.objects.filter(
        content_object_id=document.pk, permission__codename__in=level_codenames
    ).values("group_id")
    drafting = (
        Q(organisation_id=document.owner_id)
        | Q(
            organisation_id__in=Document.co_drafters.through.objects.filter(document_id=document.pk).values(
                "organisation_id"
            )
        )
        | Q(organisation__grant_group_id__in=granted_groups)
    )
    reach = Q(pk__in=granted_people) | Q(pk__in=active.filter(drafting).values("user_id"))
    if published and document.status in documents.OPEN_STATUSES:
        if document.audience == Audience.PUBLIC:
            reach = Q()
        elif document.audience == Audience.COALITION:
            reach |= Q(pk__in=active.values("user_id"))
        elif document.audience == Audience.NAMED:
            named = Q(
                organisation_id__in=Document.audience_organisations.through.objects.filter(
                    document_id=document.pk
                ).values("organisation_id")
            ) | Q(
                organisation__communities__in=Document.audience_communities.through.objects.filter(
                    document_id=document.pk
                ).values("community_id")
            )
            reach |= Q(pk__in=active.filter(named).values("user_id"))
    return Q(is_active=True) & reach
