"""Who may read and write mileposts, and see evidence items and transparency reports.

Mileposts follow exactly the implementation records' rules (coalition/access/principles.py): the
owner organisation always; named organisations and communities; every active organisation
("coalition"); anyone ("public", TLP:CLEAR only, a check constraint); never TLP:RED. The owner
organisation's editors and admins write them. Evidence items are read with their record; linking
a library document also needs reading that document. Transparency reports are published by the
secretariat's editors and admins, and read by anyone once published.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from coalition.access import documents
from coalition.access.documents import reader_for
from coalition.access.memberships import is_secretariat, memberships_of
from coalition.library.models import TLP, Audience
from coalition.organisations.models import Community, Role
from coalition.principles.models import Milepost


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def readable_condition(user: Any, path: str = "") -> Q:
    """The reading rules as a filter on mileposts (or on rows reaching a milepost through `path`,
    such as the search index's entries)."""
    prefix = f"{path}__" if path else ""
    public = Q(**{f"{prefix}audience": Audience.PUBLIC, f"{prefix}tlp": TLP.CLEAR})
    if not _signed_in(user):
        return public
    organisation_ids = sorted(m.organisation_id for m in memberships_of(user))
    if not organisation_ids:
        return public
    named_orgs = Milepost.audience_organisations.through.objects.filter(organisation_id__in=organisation_ids).values(
        "milepost_id"
    )
    their_communities = Community.organisations.through.objects.filter(organisation_id__in=organisation_ids).values(
        "community_id"
    )
    named_communities = Milepost.audience_communities.through.objects.filter(community_id__in=their_communities).values(
        "milepost_id"
    )
    return (
        public
        | Q(**{f"{prefix}organisation_id__in": organisation_ids})
        | Q(**{f"{prefix}audience": Audience.COALITION})
        | Q(**{f"{prefix}audience": Audience.NAMED})
        & (Q(**{f"{prefix}pk__in": named_orgs}) | Q(**{f"{prefix}pk__in": named_communities}))
    )


def visible_mileposts(user: Any, queryset: models.QuerySet[Milepost]) -> models.QuerySet[Milepost]:
    return queryset.filter(readable_condition(user))


def editable_mileposts(user: Any, queryset: models.QuerySet[Milepost]) -> models.QuerySet[Milepost]:
    return queryset.filter(organisation_id__in=writing_organisation_ids(user))


def writing_organisation_ids(user: Any) -> list[int]:
    if not _signed_in(user):
        return []
    return sorted(m.organisation_id for m in memberships_of(user) if m.at_least(Role.EDITOR))


def can_view_milepost(user: Any, milepost: Milepost) -> bool:
    if milepost.audience == Audience.PUBLIC and milepost.tlp == TLP.CLEAR:
        return True
    if not _signed_in(user):
        return False
    reader = reader_for(user)
    if not reader.organisation_ids:
        return False
    if milepost.organisation_id in reader.organisation_ids or milepost.audience == Audience.COALITION:
        return True
    if milepost.audience == Audience.NAMED:
        return (
            Milepost.audience_organisations.through.objects.filter(
                milepost_id=milepost.pk, organisation_id__in=reader.organisation_ids
            ).exists()
            or Milepost.audience_communities.through.objects.filter(
                milepost_id=milepost.pk, community_id__in=reader.community_ids
            ).exists()
        )
    return False


def can_edit_milepost(user: Any, milepost: Milepost) -> bool:
    return _signed_in(user) and milepost.organisation_id in writing_organisation_ids(user)


def can_link_document(user: Any, document: Any) -> bool:
    """Evidence may link only a library document the person linking it may read."""
    return _signed_in(user) and documents.can_view(user, document)


def can_publish_report(user: Any) -> bool:
    return _signed_in(user) and is_secretariat(user, role=Role.EDITOR)


def can_export_matrix(user: Any) -> bool:
    """Exports of the matrix need an account (each file names its recipient); what is in the file
    is what the person may read, within their export cap (coalition/access/exports.py)."""
    return _signed_in(user)
