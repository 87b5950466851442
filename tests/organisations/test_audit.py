"""Every organisation, membership, community and invitation service writes exactly one audit event
naming who acted and on which organisation; a refused call (by access or by a rule) writes none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from coalition.accounts.models import User
from coalition.core.errors import AccessDenied, ServiceError
from coalition.organisations import services
from coalition.organisations.models import Invitation, Membership, Organisation, Role
from tests.organisations.conftest import World, database_state, events_since, last_seq


def _newcomer(w: World) -> User:
    user = User.objects.create_user("newcomer@example.org", "x" * 16, name="Nia Newcomer")
    w.people["newcomer"] = user
    return user


@dataclass(frozen=True)
class Call:
    action: str
    actor: str
    call: Callable[[World, User], Any]
    organisation: Callable[[World], int | None]
    data: Callable[[World], dict[str, Any]] | None = None
    refused_for: str | None = None  # someone access control turns away


ACME = lambda w: w.acme.pk  # noqa: E731
NO_ORGANISATION = lambda w: None  # noqa: E731

CALLS = [
    Call(
        "invitation.created",
        "acme_admin",
        lambda w, u: services.invite(acting_user=u, organisation=w.acme, email="Nia@Example.org", role=Role.EDITOR),
        ACME,
        data=lambda w: {"email": "nia@example.org", "role": "editor", "signatory": False},
        refused_for="acme_editor",
    ),
    Call(
        "invitation.resent",
        "secretariat_admin",
        lambda w, u: services.resend_invitation(acting_user=u, invitation=w.pending),
        ACME,
        data=lambda w: {"email": "newcomer@example.org"},
        refused_for="globex_admin",
    ),
    Call(
        "invitation.revoked",
        "acme_admin",
        lambda w, u: services.revoke_invitation(acting_user=u, invitation=w.pending),
        ACME,
        data=lambda w: {"email": "newcomer@example.org"},
        refused_for="secretariat_staff",
    ),
    Call(
        "invitation.accepted",
        "newcomer",
        lambda w, u: services.accept_invitation(token=w.pending_token, user=u),
        ACME,
        data=lambda w: {"email": "newcomer@example.org", "role": "reader", "signatory": False},
    ),
    Call(
        "membership.role_changed",
        "acme_admin",
        lambda w, u: services.change_role(acting_user=u, membership=w.target, role=Role.CONTRIBUTOR),
        ACME,
        data=lambda w: {"from": "reader", "to": "contributor", "membership_id": w.target.pk},
        refused_for="secretariat_admin",
    ),
    Call(
        "membership.signatory_changed",
        "acme_admin",
        lambda w, u: services.set_signatory(acting_user=u, membership=w.target, signatory=True),
        ACME,
        data=lambda w: {"signatory": True, "membership_id": w.target.pk},
        refused_for="acme_editor",
    ),
    Call(
        "membership.removed",
        "acme_admin",
        lambda w, u: services.remove_member(acting_user=u, membership=w.target),
        ACME,
        data=lambda w: {"role": "reader", "signatory": False, "membership_id": w.target.pk},
        refused_for="globex_admin",
    ),
    Call(
        "organisation.created",
        "secretariat_admin",
        lambda w, u: services.create_organisation(
            acting_user=u, name="Initrode", slug="initrode", kind="partner", country="ke"
        ),
        lambda w: Organisation.objects.get(slug="initrode").pk,
        data=lambda w: {
            "name": "Initrode",
            "kind": "partner",
            "country": "KE",
            "may_publish_appeals": False,
            "oversight_body": False,
        },
        refused_for="secretariat_staff",
    ),
    Call(
        "organisation.updated",
        "secretariat_admin",
        lambda w, u: services.update_organisation(acting_user=u, organisation=w.acme, name="Acme Holdings"),
        ACME,
        data=lambda w: {"changed": {"name": ["Acme", "Acme Holdings"]}},
        refused_for="acme_admin",
    ),
    Call(
        "organisation.suspended",
        "secretariat_admin",
        lambda w, u: services.suspend_organisation(acting_user=u, organisation=w.acme, reason="Unpaid dues"),
        ACME,
        data=lambda w: {"reason": "Unpaid dues"},
        refused_for="secretariat_staff",
    ),
    Call(
        "organisation.reactivated",
        "secretariat_admin",
        lambda w, u: services.reactivate_organisation(acting_user=u, organisation=w.umbrella),
        lambda w: w.umbrella.pk,
        refused_for="outsider",
    ),
    Call(
        "community.created",
        "secretariat_admin",
        lambda w, u: services.create_community(
            acting_user=u, name="Policy group", slug="policy", organisations=[w.acme, w.globex]
        ),
        NO_ORGANISATION,
        data=lambda w: {"name": "Policy group", "organisation_ids": sorted([w.acme.pk, w.globex.pk])},
        refused_for="secretariat_staff",
    ),
    Call(
        "community.updated",
        "secretariat_admin",
        lambda w, u: services.update_community(
            acting_user=u,
            community=w.community,
            name="Research WG",
            slug="research",
            description="",
            organisations=[w.acme],
        ),
        NO_ORGANISATION,
        data=lambda w: {"name": "Research WG", "added_organisation_ids": [], "removed_organisation_ids": [w.globex.pk]},
        refused_for="acme_admin",
    ),
    Call(
        "community.deleted",
        "secretariat_admin",
        lambda w, u: services.delete_community(acting_user=u, community=w.community),
        NO_ORGANISATION,
        data=lambda w: {"name": "Research group"},
        refused_for="secretariat_staff",
    ),
]


def _actor(world: World, name: str) -> User:
    return _newcomer(world) if name == "newcomer" else world.people[name]


@pytest.mark.parametrize("call", CALLS, ids=[c.action for c in CALLS])
def test_each_service_writes_exactly_one_audit_event_naming_actor_and_organisation(call: Call, world: World) -> None:
    actor = _actor(world, call.actor)
    seq = last_seq()
    call.call(world, actor)
    [event] = events_since(seq)
    assert (event.action, event.actor_id, event.actor_label) == (call.action, actor.pk, actor.email)
    assert event.target_org_id == call.organisation(world)
    if call.data is not None:
        assert event.data == call.data(world)


REFUSABLE = [c for c in CALLS if c.refused_for]


@pytest.mark.parametrize("call", REFUSABLE, ids=[f"{c.action} by {c.refused_for}" for c in REFUSABLE])
def test_a_service_call_refused_by_access_control_changes_nothing_and_writes_no_event(call: Call, world: World) -> None:
    before = database_state()
    with pytest.raises(AccessDenied):
        call.call(world, world.people[call.refused_for])
    assert database_state() == before


def test_an_anonymous_visitor_cannot_call_a_service(world: World) -> None:
    before = database_state()
    with pytest.raises(AccessDenied):
        services.invite(acting_user=AnonymousUser(), organisation=world.acme, email="nia@example.org", role="reader")
    assert database_state() == before


def _revoke_pending(w: World) -> None:
    Invitation.objects.filter(pk=w.pending.pk).update(revoked_at=timezone.now())


RULES = [
    (
        "demoting the last admin",
        "acme_admin",
        None,
        lambda w, u: services.change_role(acting_user=u, membership=Membership.objects.get(user=u), role=Role.EDITOR),
        "Ada Admin is the last admin of Acme. Make someone else an admin first.",
    ),
    (
        "removing the last admin",
        "acme_admin",
        None,
        lambda w, u: services.remove_member(acting_user=u, membership=Membership.objects.get(user=u)),
        "Ada Admin is the last admin of Acme and cannot be removed. Make someone else an admin first.",
    ),
    (
        "a role that does not exist",
        "acme_admin",
        None,
        lambda w, u: services.change_role(acting_user=u, membership=w.target, role="owner"),
        "“owner” is not a role.",
    ),
    (
        "inviting with a role that does not exist",
        "acme_admin",
        None,
        lambda w, u: services.invite(acting_user=u, organisation=w.acme, email="nia@example.org", role="owner"),
        "“owner” is not a role.",
    ),
    (
        "inviting an existing member",
        "acme_admin",
        None,
        lambda w, u: services.invite(acting_user=u, organisation=w.acme, email="Target@Acme.example", role="reader"),
        "target@acme.example is already a member of Acme.",
    ),
    (
        "a second pending invitation",
        "secretariat_admin",
        None,
        lambda w, u: services.invite(acting_user=u, organisation=w.acme, email="newcomer@example.org", role="admin"),
        "newcomer@example.org already has a pending invitation to Acme. Resend it instead.",
    ),
    (
        "resending a revoked invitation",
        "acme_admin",
        _revoke_pending,
        lambda w, u: services.resend_invitation(acting_user=u, invitation=w.pending),
        "This invitation was already revoked and cannot be resent.",
    ),
    (
        "accepting as another address",
        "outsider",
        None,
        lambda w, u: services.accept_invitation(token=w.pending_token, user=u),
        "This invitation was sent to newcomer@example.org, but you are signed in as outsider@example.org. "
        "Sign out and open the link again.",
    ),
    (
        "accepting a revoked invitation",
        "newcomer",
        _revoke_pending,
        lambda w, u: services.accept_invitation(token=w.pending_token, user=u),
        "This invitation was withdrawn by Acme. Ask them for a new one.",
    ),
    (
        "a duplicate organisation slug",
        "secretariat_admin",
        None,
        lambda w, u: services.create_organisation(
            acting_user=u, name="Acme 2", slug="acme", kind="member", country="GB"
        ),
        "The short name “acme” is already used by another organisation.",
    ),
    (
        "a duplicate organisation name",
        "secretariat_admin",
        None,
        lambda w, u: services.update_organisation(acting_user=u, organisation=w.globex, name="ACME"),
        "An organisation called “ACME” already exists.",
    ),
    (
        "suspending the secretariat",
        "secretariat_admin",
        None,
        lambda w, u: services.suspend_organisation(acting_user=u, organisation=w.secretariat, reason="x"),
        "The secretariat cannot be suspended: nobody could reactivate it.",
    ),
    (
        "making the only secretariat an ordinary organisation",
        "secretariat_admin",
        None,
        lambda w, u: services.update_organisation(acting_user=u, organisation=w.secretariat, kind="member"),
        "The secretariat must stay a secretariat: nobody could manage the coalition.",
    ),
    (
        "a duplicate community slug",
        "secretariat_admin",
        None,
        lambda w, u: services.create_community(acting_user=u, name="Other", slug="research", organisations=[]),
        "The short name “research” is already used by another community.",
    ),
]


@pytest.mark.parametrize(("name", "actor", "prepare", "call", "message"), RULES, ids=[r[0] for r in RULES])
def test_a_service_call_refused_by_a_rule_explains_itself_changes_nothing_and_writes_no_event(
    world: World,
    name: str,
    actor: str,
    prepare: Callable[[World], None] | None,
    call: Callable[[World, User], Any],
    message: str,
) -> None:
    if prepare is not None:
        prepare(world)
    user = _actor(world, actor)
    before = database_state()
    with pytest.raises(ServiceError) as refused:
        call(world, user)
    assert refused.value.messages == [message]
    assert database_state() == before


def test_changing_nothing_writes_no_event(world: World) -> None:
    admin = world.people["acme_admin"]
    seq = last_seq()
    services.change_role(acting_user=admin, membership=world.target, role=Role.READER)
    services.set_signatory(acting_user=admin, membership=world.target, signatory=False)
    services.update_organisation(acting_user=world.people["secretariat_admin"], organisation=world.acme, name="Acme")
    assert events_since(seq) == []


def test_a_second_secretariat_lets_the_first_become_an_ordinary_organisation(world: World, make_org: Any) -> None:
    make_org("New Secretariat", slug="new-secretariat", kind=Organisation.Kind.SECRETARIAT)
    services.update_organisation(
        acting_user=world.people["secretariat_admin"], organisation=world.secretariat, kind=Organisation.Kind.MEMBER
    )
    assert Organisation.objects.get(pk=world.secretariat.pk).kind == Organisation.Kind.MEMBER


def test_invitation_tokens_are_stored_only_as_hashes(world: World) -> None:
    invitation, token = services.invite(
        acting_user=world.people["acme_admin"], organisation=world.acme, email="nia@example.org", role="reader"
    )
    assert token not in str(list(Invitation.objects.values()))
    assert services.find_invitation(token) == invitation
