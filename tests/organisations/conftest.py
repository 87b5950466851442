"""Fixtures for the organisation and secretariat tests: invitations with known tokens, a "world"
with every named person in it, and helpers to read the audit log and compare database states."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.organisations.models import Community, Invitation, Membership, Organisation, Role, hash_token


@pytest.fixture
def make_invitation(db: Any) -> Callable[..., tuple[Invitation, str]]:
    """An invitation with a known token, written directly (no audit event, no email)."""

    def make(
        organisation: Organisation,
        email: str,
        *,
        role: str = Role.READER,
        signatory: bool = False,
        invited_by: User | None = None,
        **state: Any,
    ) -> tuple[Invitation, str]:
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        invitation = Invitation.objects.create(
            email=email,
            organisation=organisation,
            role=role,
            signatory=signatory,
            token_hash=hash_token(token),
            invited_by=invited_by,
            sent_at=state.pop("sent_at", now),
            expires_at=state.pop("expires_at", now + timedelta(days=14)),
            **state,
        )
        return invitation, token

    return make


def last_seq() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.pk if event else 0


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=seq).order_by("id"))


def database_state() -> dict[str, Any]:
    """Everything an organisation or secretariat action could change, to compare before/after."""
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "communities": list(Community.objects.order_by("pk").values()),
        "community_organisations": list(Community.organisations.through.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "is_active")),
        "audit_events": AuditEvent.objects.count(),
    }


@dataclass
class World:
    acme: Organisation
    globex: Organisation
    secretariat: Organisation
    umbrella: Organisation  # suspended, for the reactivate pages
    target: Membership  # an ordinary Acme member the admin actions are aimed at
    pending: Invitation  # an open invitation to Acme, for newcomer@example.org
    pending_token: str
    community: Community
    people: dict[str, User]


VIEWERS = [
    "acme_admin",
    "acme_editor",
    "acme_contributor",
    "acme_reader",
    "globex_admin",
    "secretariat_admin",
    "secretariat_staff",
    "outsider",
    "anonymous",
]


@pytest.fixture
def world(
    acme: Organisation,
    globex: Organisation,
    secretariat: Organisation,
    community: Community,
    make_org: Callable[..., Organisation],
    make_member: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
    acme_admin: User,
    acme_editor: User,
    acme_contributor: User,
    acme_reader: User,
    acme_signatory: User,
    globex_admin: User,
    secretariat_admin: User,
    secretariat_staff: User,
    outsider: User,
) -> World:
    umbrella = make_org("Umbrella", slug="umbrella", status=Organisation.Status.SUSPENDED, suspended_at=timezone.now())
    target_user = make_member(acme, Role.READER, email="target@acme.example", name="Tess Target")
    pending, pending_token = make_invitation(acme, "newcomer@example.org", invited_by=acme_admin)
    people = {
        "acme_admin": acme_admin,
        "acme_editor": acme_editor,
        "acme_contributor": acme_contributor,
        "acme_reader": acme_reader,
        "acme_signatory": acme_signatory,
        "globex_admin": globex_admin,
        "secretariat_admin": secretariat_admin,
        "secretariat_staff": secretariat_staff,
        "outsider": outsider,
    }
    return World(
        acme=acme,
        globex=globex,
        secretariat=secretariat,
        umbrella=umbrella,
        target=Membership.objects.get(user=target_user),
        pending=pending,
        pending_token=pending_token,
        community=community,
        people=people,
    )
