"""Who may see and act on appeals, tips and the hotline directory.

An appeal is public once published (open, solved or closed) while its organisation is active; a
draft is seen by the organisation's members only. Editors and admins of an organisation the
secretariat allows to publish appeals write them. Tips are read by the organisation's tip handlers
only: not its other members, not the secretariat, not superusers.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from coalition.access.memberships import is_secretariat, membership_in, memberships_of
from coalition.appeals.models import Appeal, Tip
from coalition.organisations.models import Organisation, Role

PUBLIC_STATUSES = (Appeal.Status.OPEN, Appeal.Status.SOLVED, Appeal.Status.CLOSED)


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_view_appeal(user: Any, appeal: Appeal) -> bool:
    organisation = appeal.organisation
    if organisation.status != Organisation.Status.ACTIVE:
        return False
    if appeal.status in PUBLIC_STATUSES:
        return True
    return _signed_in(user) and membership_in(user, organisation.pk) is not None


def visible_appeals(user: Any, queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
    public = Q(status__in=PUBLIC_STATUSES)
    member_of = [m.organisation_id for m in memberships_of(user)] if _signed_in(user) else []
    if member_of:
        public |= Q(organisation_id__in=member_of)
    # A subquery rather than a join: the planners then walk the gallery's index newest first and
    # check each row's organisation, instead of collecting every appeal of every active one.
    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE).values("pk")
    return queryset.filter(public, organisation_id__in=active)


def can_write_appeals_for(user: Any, organisation: Organisation) -> bool:
    if not _signed_in(user) or not organisation.may_publish_appeals:
        return False
    membership = membership_in(user, organisation.pk)
    return membership is not None and membership.at_least(Role.EDITOR)


def can_edit_appeal(user: Any, appeal: Appeal) -> bool:
    return appeal.organisation.status == Organisation.Status.ACTIVE and can_write_appeals_for(user, appeal.organisation)


def publishing_organisations(user: Any) -> list[int]:
    """Ids of the organisations for which `user` may write appeals."""
    if not _signed_in(user):
        return []
    return [m.organisation_id for m in memberships_of(user) if m.may_publish_appeals and m.at_least(Role.EDITOR)]


def tip_organisations(user: Any) -> list[int]:
    if not _signed_in(user):
        return []
    return [m.organisation_id for m in memberships_of(user) if m.tip_handler]


def can_handle_tips_of(user: Any, organisation_id: int) -> bool:
    return organisation_id in tip_organisations(user)


def can_handle_tip(user: Any, tip: Tip) -> bool:
    return can_handle_tips_of(user, tip.organisation_id)


def visible_tips(user: Any, queryset: QuerySet[Tip]) -> QuerySet[Tip]:
    ids = tip_organisations(user)
    return queryset.filter(organisation_id__in=ids) if ids else queryset.none()


def can_manage_helplines(user: Any) -> bool:
    return _signed_in(user) and is_secretariat(user, role=Role.EDITOR)
