"""A person's memberships, read once per request: the facts every access decision starts from.

Kept on that request's user object only, so a removed member or a suspended organisation loses
access on the very next request. The bottom floor of coalition/access/: documents.py, drafting.py
and policy.py build on it, and it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coalition.organisations.models import DEFAULT_EXPORT_CAP, ROLE_RANK, Membership, Organisation, Role


@dataclass(frozen=True)
class MembershipInfo:
    membership_id: int
    organisation_id: int
    organisation_slug: str
    organisation_name: str
    organisation_kind: str
    role: str
    signatory: bool
    # The organisation's guardian group, through which grants to the organisation are stored
    # (None until it was first granted something): the library list reads its grants by this id.
    grant_group_id: int | None = None
    # Sees the anonymous tips sent to the organisation's appeals (coalition/access/appeals.py).
    tip_handler: bool = False
    # The secretariat lets the organisation publish appeals.
    may_publish_appeals: bool = False
    # Holds the oversight role: the flag, in an organisation the secretariat made the oversight body.
    oversight: bool = False
    # The highest TLP label the organisation lets its members export (coalition/access/exports.py).
    export_cap: str = DEFAULT_EXPORT_CAP

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


_CACHE_ATTR = "_coalition_memberships"
_MFA_HOLD_ATTR = "_coalition_held_for_mfa"


def memberships_of(user: Any) -> list[MembershipInfo]:
    """The user's memberships in active organisations (a suspended organisation counts for nothing)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = (
            Membership.objects.filter(user=user, organisation__status=Organisation.Status.ACTIVE)
            .order_by("organisation__name")
            .values_list(
                "id",
                "organisation_id",
                "organisation__slug",
                "organisation__name",
                "organisation__kind",
                "role",
                "signatory",
                "organisation__grant_group_id",
                "tip_handler",
                "organisation__may_publish_appeals",
                "oversight",
                "organisation__oversight_body",
                "organisation__export_cap",
            )
        )
        cached = [MembershipInfo(*row[:-3], oversight=row[-3] and row[-2], export_cap=row[-1]) for row in rows]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    """Drop the request-local copy after a service changed this user's memberships."""
    for attr in (_CACHE_ATTR, _MFA_HOLD_ATTR):
        if user is not None and hasattr(user, attr):
            delattr(user, attr)


def organisation_ids_of(user: Any) -> set[int]:
    return {m.organisation_id for m in memberships_of(user)}


def membership_in(user: Any, organisation_id: int) -> MembershipInfo | None:
    return next((m for m in memberships_of(user) if m.organisation_id == organisation_id), None)


def is_secretariat(user: Any, *, role: str = Role.READER) -> bool:
    return any(m.organisation_kind == Organisation.Kind.SECRETARIAT and m.at_least(role) for m in memberships_of(user))


def requires_mfa(user: Any) -> bool:
    """Organisation admins, signatories, tip handlers, the oversight role, secretariat staff and
    Django admin users must use a second factor."""
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    return any(
        m.role == Role.ADMIN
        or m.signatory
        or m.tip_handler
        or m.oversight
        or m.organisation_kind == Organisation.Kind.SECRETARIAT
        for m in memberships_of(user)
    )


def held_for_mfa(user: Any) -> bool:
    """Must enrol a second factor before using the portal; answered once per request."""
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(user, _MFA_HOLD_ATTR, None)
    if cached is None:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.utils import is_mfa_enabled

        # Recovery codes alone are a way back in, not a second factor.
        factors = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        cached = requires_mfa(user) and not is_mfa_enabled(user, factors)
        setattr(user, _MFA_HOLD_ATTR, cached)
    return cached
