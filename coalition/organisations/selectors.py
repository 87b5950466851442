"""Reads for the organisation pages; callers have already checked access."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from coalition.organisations.models import Community, Invitation, Membership, Organisation


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def open_invitations_of(organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked, expired ones included (they can be resent)."""
    return (
        Invitation.objects.filter(organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-sent_at")
    )


def organisations_overview() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(
        member_count=Count("memberships", distinct=True),
        admin_count=Count("memberships", filter=Q(memberships__role="admin"), distinct=True),
    ).order_by("name")


def communities_overview() -> QuerySet[Community]:
    return Community.objects.annotate(organisation_count=Count("organisations")).order_by("name")
