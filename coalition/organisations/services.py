"""Writes to organisations, memberships, communities and invitations. Each runs in a transaction,
checks the acting user through coalition.access, and records its audit event."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.audit.services import record
from coalition.core.errors import AccessDenied, ServiceError
from coalition.organisations.emails import send_invitation_email
from coalition.organisations.models import (
    EXPORT_LABELS,
    Community,
    Invitation,
    Membership,
    Organisation,
    Role,
    hash_token,
)
from coalition.search import reporting_index

ORGANISATION_FIELDS = (
    "name",
    "slug",
    "kind",
    "country",
    "email_domains",
    "website",
    "may_publish_appeals",
    "oversight_body",
)


def _validate(instance: Any, **kwargs: Any) -> None:
    """full_clean(), with its refusal turned into a ServiceError the views know how to show."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(messages[0], code=field) from None


def _require(user: Any, action: Action, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


def _normalise_domains(domains: list[str]) -> list[str]:
    return sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})


# --- Organisations (secretariat) ---------------------------------------------------------------


@transaction.atomic
def create_organisation(
    *,
    acting_user: Any,
    name: str,
    slug: str,
    kind: str,
    country: str,
    email_domains: list[str] | None = None,
    website: str = "",
    may_publish_appeals: bool = False,
    oversight_body: bool = False,
) -> Organisation:
    _require(acting_user, Action.MANAGE_ORGANISATIONS)
    slug = slug.lower()
    # Case-insensitive: "ACME" next to "acme" would be two addresses that look like one.
    if Organisation.objects.filter(slug__iexact=slug).exists():
        raise ServiceError(f"The short name “{slug}” is already used by another organisation.", code="slug")
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ServiceError(f"An organisation called “{name}” already exists.", code="name")
    organisation = Organisation(
        name=name,
        slug=slug,
        kind=kind,
        country=country.upper(),
        email_domains=_normalise_domains(email_domains or []),
        website=website,
        may_publish_appeals=may_publish_appeals,
        oversight_body=oversight_body,
    )
    _validate(organisation)
    organisation.save()
    record(
        action="organisation.created",
        actor=acting_user,
        target=organisation,
        target_org_id=organisation.pk,
        data={
            "name": name,
            "kind": kind,
            "country": organisation.country,
            "may_publish_appeals": may_publish_appeals,
            "oversight_body": oversight_body,
        },
    )
    return organisation


@transaction.atomic
def update_organisation(*, acting_user: Any, organisation: Organisation, **changes: Any) -> Organisation:
    _require(acting_user, Action.MANAGE_ORGANISATIONS)
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"update_organisation() cannot change {', '.join(sorted(unknown))}")
    if "email_domains" in changes:
        changes["email_domains"] = _normalise_domains(changes["email_domains"])
    if "country" in changes:
        changes["country"] = changes["country"].upper()
    if "slug" in changes:
        changes["slug"] = changes["slug"].lower()
    others = Organisation.objects.exclude(pk=organisation.pk)
    if "slug" in changes and others.filter(slug__iexact=changes["slug"]).exists():
        raise ServiceError(f"The short name “{changes['slug']}” is already used by another organisation.", code="slug")
    if "name" in changes and others.filter(name__iexact=changes["name"]).exists():
        raise ServiceError(f"An organisation called “{changes['name']}” already exists.", code="name")
    if (
        organisation.kind == Organisation.Kind.SECRETARIAT
        and changes.get("kind", organisation.kind) != Organisation.Kind.SECRETARIAT
        and not others.filter(kind=Organisation.Kind.SECRETARIAT, status=Organisation.Status.ACTIVE).exists()
    ):
        # Like suspending it: nobody would be left to manage organisations or to undo this.
        raise ServiceError("The secretariat must stay a secretariat: nobody could manage the coalition.", code="kind")
    before = {field: getattr(organisation, field) for field in changes}
    changed = {field: value for field, value in changes.items() if before[field] != value}
    if not changed:
        return organisation
    for field, value in changed.items():
        setattr(organisation, field, value)
    _validate(organisation)
    organisation.save(update_fields=[*changed, "updated_at"])
    if "name" in changed:
        reporting_index.organisation_renamed(organisation.pk)  # its records and mileposts carry its name
    record(
        action="organisation.updated",
        actor=acting_user,
        target=organisation,
        target_org_id=organisation.pk,
        data={"changed": {field: [before[field], value] for field, value in changed.items()}},
    )
    return organisation


@transaction.atomic
def suspend_organisation(*, acting_user: Any, organisation: Organisation, reason: str = "") -> Organisation:
    _require(acting_user, Action.MANAGE_ORGANISATIONS)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.kind == Organisation.Kind.SECRETARIAT:
        raise ServiceError("The secretariat cannot be suspended: nobody could reactivate it.")
    if organisation.status == Organisation.Status.SUSPENDED:
        raise ServiceError(f"{organisation.name} is already suspended.")
    organisation.status = Organisation.Status.SUSPENDED
    organisation.suspended_at = timezone.now()
    organisation.save(update_fields=["status", "suspended_at", "updated_at"])
    record(
        action="organisation.suspended",
        actor=acting_user,
        target=organisation,
        target_org_id=organisation.pk,
        data={"reason": reason[:500]},
    )
    return organisation


@transaction.atomic
def reactivate_organisation(*, acting_user: Any, organisation: Organisation) -> Organisation:
    _require(acting_user, Action.MANAGE_ORGANISATIONS)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status == Organisation.Status.ACTIVE:
        raise ServiceError(f"{organisation.name} is already active.")
    organisation.status = Organisation.Status.ACTIVE
    organisation.suspended_at = None
    organisation.save(update_fields=["status", "suspended_at", "updated_at"])
    record(action="organisation.reactivated", actor=acting_user, target=organisation, target_org_id=organisation.pk)
    return organisation


# --- Communities (secretariat) -----------------------------------------------------------------


def _check_community_unique(*, name: str, slug: str, exclude_pk: int | None = None) -> None:
    others = Community.objects.exclude(pk=exclude_pk) if exclude_pk is not None else Community.objects.all()
    if others.filter(slug__iexact=slug).exists():
        raise ServiceError(f"The short name “{slug}” is already used by another community.", code="slug")
    if others.filter(name__iexact=name).exists():
        raise ServiceError(f"A community called “{name}” already exists.", code="name")


@transaction.atomic
def create_community(
    *, acting_user: Any, name: str, slug: str, description: str = "", organisations: list[Organisation]
) -> Community:
    _require(acting_user, Action.MANAGE_COMMUNITIES)
    slug = slug.lower()
    _check_community_unique(name=name, slug=slug)
    community = Community(name=name, slug=slug, description=description)
    _validate(community)
    community.save()
    community.organisations.set(organisations)
    record(
        action="community.created",
        actor=acting_user,
        target=community,
        data={"name": name, "organisation_ids": sorted(o.pk for o in organisations)},
    )
    return community


@transaction.atomic
def update_community(
    *,
    acting_user: Any,
    community: Community,
    name: str,
    slug: str,
    description: str,
    organisations: list[Organisation],
) -> Community:
    _require(acting_user, Action.MANAGE_COMMUNITIES)
    slug = slug.lower()
    _check_community_unique(name=name, slug=slug, exclude_pk=community.pk)
    before_ids = set(community.organisations.values_list("pk", flat=True))
    after_ids = {o.pk for o in organisations}
    if (community.name, community.slug, community.description, before_ids) == (name, slug, description, after_ids):
        return community
    community.name, community.slug, community.description = name, slug, description
    _validate(community)
    community.save(update_fields=["name", "slug", "description", "updated_at"])
    community.organisations.set(organisations)
    record(
        action="community.updated",
        actor=acting_user,
        target=community,
        data={
            "name": name,
            "added_organisation_ids": sorted(after_ids - before_ids),
            "removed_organisation_ids": sorted(before_ids - after_ids),
        },
    )
    return community


@transaction.atomic
def delete_community(*, acting_user: Any, community: Community) -> None:
    _require(acting_user, Action.MANAGE_COMMUNITIES)
    record(action="community.deleted", actor=acting_user, target=community, data={"name": community.name})
    community.delete()


# --- Memberships (organisation admins) ---------------------------------------------------------


def _lock_membership(membership: Membership) -> Membership:
    """Lock the membership's organisation row first, then the membership: every change to an
    organisation's people takes the locks in this one order, so two admins demoting each other at
    once queue instead of deadlocking, and the second sees the first's change."""
    Organisation.objects.select_for_update().filter(pk=membership.organisation_id).first()
    try:
        return (
            Membership.objects.select_for_update(of=("self",))
            .select_related("organisation", "user")
            .order_by()
            .get(pk=membership.pk)
        )
    except Membership.DoesNotExist:
        raise ServiceError("This person is no longer a member of the organisation.") from None


def _other_admins(membership: Membership) -> int:
    # Read under the organisation lock taken by _lock_membership: no concurrent change can leave
    # the organisation without an admin.
    admins = Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
    return admins.exclude(pk=membership.pk).count()


@transaction.atomic
def change_role(*, acting_user: Any, membership: Membership, role: str) -> Membership:
    membership = _lock_membership(membership)
    _require(acting_user, Action.MANAGE_MEMBERS, membership.organisation)
    if role not in Role.values:
        raise ServiceError(f"“{role}” is not a role.")
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and _other_admins(membership) == 0:
        raise ServiceError(
            f"{membership.user.display_name} is the last admin of {membership.organisation.name}. "
            "Make someone else an admin first."
        )
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    record(
        action="membership.role_changed",
        actor=acting_user,
        target=membership.user,
        target_org_id=membership.organisation_id,
        data={"from": before, "to": role, "membership_id": membership.pk},
    )
    access.forget(acting_user)
    return membership


def _set_flag(acting_user: Any, membership: Membership, flag: str, value: bool) -> Membership:
    """Set one of a membership's flags (signatory, tip handler, oversight) and record the change;
    the caller holds the lock and has checked access."""
    if getattr(membership, flag) == value:
        return membership
    setattr(membership, flag, value)
    membership.save(update_fields=[flag, "updated_at"])
    record(
        action=f"membership.{flag}_changed",
        actor=acting_user,
        target=membership.user,
        target_org_id=membership.organisation_id,
        data={flag: value, "membership_id": membership.pk},
    )
    access.forget(acting_user)
    return membership


@transaction.atomic
def set_signatory(*, acting_user: Any, membership: Membership, signatory: bool) -> Membership:
    membership = _lock_membership(membership)
    _require(acting_user, Action.MANAGE_MEMBERS, membership.organisation)
    return _set_flag(acting_user, membership, "signatory", signatory)


@transaction.atomic
def set_tip_handler(*, acting_user: Any, membership: Membership, tip_handler: bool) -> Membership:
    membership = _lock_membership(membership)
    _require(acting_user, Action.MANAGE_MEMBERS, membership.organisation)
    return _set_flag(acting_user, membership, "tip_handler", tip_handler)


@transaction.atomic
def set_oversight(*, acting_user: Any, membership: Membership, oversight: bool) -> Membership:
    membership = _lock_membership(membership)
    _require(acting_user, Action.MANAGE_MEMBERS, membership.organisation)
    if oversight and not membership.organisation.oversight_body:
        raise ServiceError(f"{membership.organisation.name} is not the coalition's oversight body.")
    return _set_flag(acting_user, membership, "oversight", oversight)


@transaction.atomic
def remove_member(*, acting_user: Any, membership: Membership) -> None:
    membership = _lock_membership(membership)
    _require(acting_user, Action.MANAGE_MEMBERS, membership.organisation)
    if membership.role == Role.ADMIN and _other_admins(membership) == 0:
        raise ServiceError(
            f"{membership.user.display_name} is the last admin of {membership.organisation.name} "
            "and cannot be removed. Make someone else an admin first."
        )
    record(
        action="membership.removed",
        actor=acting_user,
        target=membership.user,
        target_org_id=membership.organisation_id,
        data={"role": membership.role, "signatory": membership.signatory, "membership_id": membership.pk},
    )
    membership.delete()
    access.forget(acting_user)


@transaction.atomic
def set_export_cap(*, acting_user: Any, organisation: Organisation, export_cap: str) -> Organisation:
    """The highest TLP label the organisation's members may export: its admins and the secretariat's
    admins set it, and each change is an event."""
    _require(acting_user, Action.SET_EXPORT_CAP, organisation)
    if export_cap not in dict(EXPORT_LABELS):
        raise ServiceError("Choose one of the TLP labels.", code="export_cap")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = organisation.export_cap
    if before == export_cap:
        return organisation
    organisation.export_cap = export_cap
    organisation.save(update_fields=["export_cap", "updated_at"])
    record(
        action="organisation.export_cap_changed",
        actor=acting_user,
        target=organisation,
        target_org_id=organisation.pk,
        data={"from": before, "to": export_cap},
    )
    return organisation


# --- Invitations -------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


@transaction.atomic
def invite(
    *, acting_user: Any, organisation: Organisation, email: str, role: str, signatory: bool = False
) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns the invitation and the raw token (only
    its hash is stored)."""
    _require(acting_user, Action.INVITE_MEMBERS, organisation)
    email = email.strip().lower()
    if not organisation.is_active:
        raise ServiceError(f"{organisation.name} is suspended: nobody can be invited until it is reactivated.")
    if role not in Role.values:
        raise ServiceError(f"“{role}” is not a role.")
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ServiceError(f"{email} is already a member of {organisation.name}.", code="email")
    # An expired invitation still counts as open for the uniqueness rule; close it quietly.
    open_invitations = Invitation.objects.select_for_update().filter(
        organisation=organisation, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for existing in open_invitations:
        if existing.state == "pending":
            raise ServiceError(
                f"{email} already has a pending invitation to {organisation.name}. Resend it instead.", code="email"
            )
        existing.revoked_at = timezone.now()
        existing.save(update_fields=["revoked_at", "updated_at"])
        record(
            action="invitation.revoked",
            actor=acting_user,
            target=existing,
            target_org_id=organisation.pk,
            data={"email": existing.email, "reason": "expired, replaced by a new invitation"},
        )
    token = _new_token()
    now = timezone.now()
    invitation = Invitation(
        email=email,
        organisation=organisation,
        role=role,
        signatory=signatory,
        token_hash=hash_token(token),
        invited_by=acting_user,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        sent_at=now,
    )
    _validate(invitation, exclude=["invited_by"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ServiceError(f"{email} already has a pending invitation to {organisation.name}.", code="email") from None
    record(
        action="invitation.created",
        actor=acting_user,
        target=invitation,
        target_org_id=organisation.pk,
        data={"email": email, "role": role, "signatory": signatory},
    )
    send_invitation_email(invitation=invitation, url=invitation_url(token))
    return invitation, token


@transaction.atomic
def resend_invitation(*, acting_user: Any, invitation: Invitation) -> tuple[Invitation, str]:
    """A fresh link (the old one stops working) and a new expiry date."""
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    _require(acting_user, Action.INVITE_MEMBERS, invitation.organisation)
    if invitation.accepted_at or invitation.revoked_at:
        raise ServiceError(f"This invitation was already {invitation.state} and cannot be resent.")
    if not invitation.organisation.is_active:
        # Its link could not be accepted (invitation_problem), so do not email one.
        raise ServiceError(
            f"{invitation.organisation.name} is suspended: nobody can be invited until it is reactivated."
        )
    token = _new_token()
    now = timezone.now()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "updated_at"])
    record(
        action="invitation.resent",
        actor=acting_user,
        target=invitation,
        target_org_id=invitation.organisation_id,
        data={"email": invitation.email},
    )
    send_invitation_email(invitation=invitation, url=invitation_url(token))
    return invitation, token


@transaction.atomic
def revoke_invitation(*, acting_user: Any, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    _require(acting_user, Action.INVITE_MEMBERS, invitation.organisation)
    if invitation.accepted_at or invitation.revoked_at:
        raise ServiceError(f"This invitation was already {invitation.state}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    record(
        action="invitation.revoked",
        actor=acting_user,
        target=invitation,
        target_org_id=invitation.organisation_id,
        data={"email": invitation.email},
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link points at, in whatever state; None for a link that never existed."""
    return Invitation.objects.select_related("organisation").filter(token_hash=hash_token(token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why this invitation cannot be used now, in words; None when it can."""
    if invitation is None:
        return "This invitation link is not valid. Check that you copied the whole link from the email."
    state = invitation.state
    if state == "accepted":
        return "This invitation has already been used. Sign in with the account that accepted it."
    if state == "revoked":
        return f"This invitation was withdrawn by {invitation.organisation.name}. Ask them for a new one."
    if state == "expired":
        return f"This invitation has expired. Ask an admin of {invitation.organisation.name} to send it again."
    if not invitation.organisation.is_active:
        return f"{invitation.organisation.name} is suspended, so its invitations cannot be accepted now."
    return None


@transaction.atomic
def accept_invitation(*, token: str, user: Any) -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is not None:
        invitation = Invitation.objects.select_related("organisation").get(pk=invitation.pk)
    problem = invitation_problem(invitation)
    if problem:
        raise ServiceError(problem)
    assert invitation is not None
    if invitation.email.lower() != user.email.lower():
        raise ServiceError(
            f"This invitation was sent to {invitation.email}, but you are signed in as {user.email}. "
            "Sign out and open the link again."
        )
    if Membership.objects.filter(organisation=invitation.organisation, user=user).exists():
        raise ServiceError(f"You are already a member of {invitation.organisation.name}.")
    membership = Membership.objects.create(
        user=user, organisation=invitation.organisation, role=invitation.role, signatory=invitation.signatory
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    record(
        action="invitation.accepted",
        actor=user,
        target=invitation,
        target_org_id=invitation.organisation_id,
        data={"email": invitation.email, "role": invitation.role, "signatory": invitation.signatory},
    )
    access.forget(user)
    return membership
