"""Who may do what to implementation records (coalition/principles).

Reading follows the documents' audience rules (coalition/access/documents.py) on the record's own
audience: the owner organisation always; named organisations and communities; every active
organisation ("coalition"); anyone ("public", which needs TLP:CLEAR by a check constraint). Records
never carry TLP:RED, so there are no grants by name to read. Editing and sharing are for the owner
organisation's editors and admins only: recipients never re-share (TLP:AMBER and AMBER+STRICT).
Frameworks and principles are managed by the secretariat's editors and admins.

Listing is one SQL filter built from the person's memberships (read once per request).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from coalition.access.documents import reader_for
from coalition.access.memberships import is_secretariat, membership_in, memberships_of
from coalition.library.models import TLP, Audience
from coalition.organisations.models import Community, Organisation, Role
from coalition.principles.models import ImplementationRecord


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def readable_condition(user: Any, path: str = "") -> Q:
    """The reading rules as a filter on records (or on rows reaching a record through `path`)."""
    prefix = f"{path}__" if path else ""
    public = Q(**{f"{prefix}audience": Audience.PUBLIC, f"{prefix}tlp": TLP.CLEAR})
    if not _signed_in(user):
        return public
    organisation_ids = sorted(m.organisation_id for m in memberships_of(user))
    if not organisation_ids:
        return public
    named_orgs = ImplementationRecord.audience_organisations.through.objects.filter(
        organisation_id__in=organisation_ids
    ).values("implementationrecord_id")
    their_communities = Community.organisations.through.objects.filter(organisation_id__in=organisation_ids).values(
        "community_id"
    )
    named_communities = ImplementationRecord.audience_communities.through.objects.filter(
        community_id__in=their_communities
    ).values("implementationrecord_id")
    return (
        public
        | Q(**{f"{prefix}organisation_id__in": organisation_ids})
        | Q(**{f"{prefix}audience": Audience.COALITION})
        | Q(**{f"{prefix}audience": Audience.NAMED})
        & (Q(**{f"{prefix}pk__in": named_orgs}) | Q(**{f"{prefix}pk__in": named_communities}))
    )


def principles_readable_condition(user: Any, path: str = "") -> Q:
    """Who reads a principle: everyone, visitors included. Frameworks and their principles (retired
    ones too) are the coalition's published catalogue, listed on pages open to all; the condition
    is here so that search asks the access module like every other reader of principles does."""
    return Q()


def visible_records(
    user: Any, queryset: models.QuerySet[ImplementationRecord]
) -> models.QuerySet[ImplementationRecord]:
    return queryset.filter(readable_condition(user))


def editable_records(
    user: Any, queryset: models.QuerySet[ImplementationRecord]
) -> models.QuerySet[ImplementationRecord]:
    return queryset.filter(organisation_id__in=reporting_organisation_ids(user))


def reporting_organisation_ids(user: Any) -> list[int]:
    """The organisations whose records the person may write and share: their editors and admins."""
    if not _signed_in(user):
        return []
    return sorted(m.organisation_id for m in memberships_of(user) if m.at_least(Role.EDITOR))


def can_view_record(user: Any, record: ImplementationRecord) -> bool:
    if record.audience == Audience.PUBLIC and record.tlp == TLP.CLEAR:
        return True
    if not _signed_in(user):
        return False
    reader = reader_for(user)
    organisation_ids = reader.organisation_ids
    if not organisation_ids:
        return False
    if record.organisation_id in organisation_ids:
        return True
    if record.audience == Audience.COALITION:
        return True
    if record.audience == Audience.NAMED:
        through_orgs = ImplementationRecord.audience_organisations.through.objects
        through_communities = ImplementationRecord.audience_communities.through.objects
        return (
            through_orgs.filter(implementationrecord_id=record.pk, organisation_id__in=organisation_ids).exists()
            or through_communities.filter(
                implementationrecord_id=record.pk, community_id__in=reader.community_ids
            ).exists()
        )
    return False


def can_report_for(user: Any, organisation: Organisation) -> bool:
    """Create, edit and share the organisation's records: its editors and admins."""
    if not _signed_in(user):
        return False
    membership = membership_in(user, organisation.pk)
    return membership is not None and membership.at_least(Role.EDITOR)


def can_edit_record(user: Any, record: ImplementationRecord) -> bool:
    return _signed_in(user) and record.organisation_id in reporting_organisation_ids(user)


def can_view_history(user: Any, record: ImplementationRecord) -> bool:
    """The change history: the owner organisation's members only (earlier texts may have been
    written for a narrower audience than the record has now)."""
    return _signed_in(user) and membership_in(user, record.organisation_id) is not None


def can_manage_principles(user: Any) -> bool:
    return _signed_in(user) and is_secretariat(user, role=Role.EDITOR)
