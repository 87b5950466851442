"""Who may open which organisation and secretariat page, and perform which action, as one table.

Every viewer x page/action pair is a test. Allowed: 200 for a page, a redirect for an action, and
the change (with its single audit event) happened. Refused: a signed-in viewer gets 404, never 403,
and nothing in the database changed; an anonymous visitor is sent to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from coalition.organisations.models import Community, Invitation, Membership, Organisation, Role
from tests.organisations.conftest import VIEWERS, World, database_state, events_since, last_seq

ACME_MEMBERS = frozenset({"acme_admin", "acme_editor", "acme_contributor", "acme_reader"})
ACME_ADMIN = frozenset({"acme_admin"})
INVITERS = frozenset({"acme_admin", "secretariat_admin"})  # access Action.INVITE_MEMBERS
SECRETARIAT = frozenset({"secretariat_admin", "secretariat_staff"})
SECRETARIAT_ADMIN = frozenset({"secretariat_admin"})


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    allowed: frozenset[str]
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    # For an action: whether its change is in the database, where it redirects, what it audits.
    done: Callable[[World], bool] | None = None
    redirect: Callable[[World], str] | None = None
    audit: str | None = None
    audit_org: Callable[[World], int | None] = lambda w: w.acme.pk


def _target(w: World) -> Membership | None:
    return Membership.objects.filter(pk=w.target.pk).first()


def _acme(w: World) -> Organisation:
    return Organisation.objects.get(pk=w.acme.pk)


def _pending(w: World) -> Invitation:
    return Invitation.objects.get(pk=w.pending.pk)


def _community(w: World) -> Community | None:
    return Community.objects.filter(pk=w.community.pk).first()


ORGANISATION_FORM = {
    "name": "Initrode",
    "slug": "initrode",
    "kind": Organisation.Kind.PARTNER,
    "country": "KE",
    "email_domains": "initrode.example",
    "website": "https://initrode.example",
}

ORGANISATION_CASES = [
    Case("org detail", "get", lambda w: "/orgs/acme/", ACME_MEMBERS),
    Case(
        "change role",
        "post",
        lambda w: f"/orgs/acme/members/{w.target.pk}/role/",
        ACME_ADMIN,
        data=lambda w: {"role": Role.EDITOR, "confirm": "yes"},
        done=lambda w: _target(w).role == Role.EDITOR,
        redirect=lambda w: "/orgs/acme/",
        audit="membership.role_changed",
    ),
    Case(
        "set signatory",
        "post",
        lambda w: f"/orgs/acme/members/{w.target.pk}/signatory/",
        ACME_ADMIN,
        data=lambda w: {"signatory": "on"},
        done=lambda w: _target(w).signatory,
        redirect=lambda w: "/orgs/acme/",
        audit="membership.signatory_changed",
    ),
    Case("remove member page", "get", lambda w: f"/orgs/acme/members/{w.target.pk}/remove/", ACME_ADMIN),
    Case(
        "remove member",
        "post",
        lambda w: f"/orgs/acme/members/{w.target.pk}/remove/",
        ACME_ADMIN,
        done=lambda w: _target(w) is None,
        redirect=lambda w: "/orgs/acme/",
        audit="membership.removed",
    ),
    Case("invitations page", "get", lambda w: "/orgs/acme/invitations/", INVITERS),
    Case(
        "invite",
        "post",
        lambda w: "/orgs/acme/invitations/",
        INVITERS,
        data=lambda w: {"email": "Another@Example.org", "role": Role.CONTRIBUTOR},
        done=lambda w: Invitation.objects.filter(
            organisation=w.acme, email="another@example.org", role=Role.CONTRIBUTOR
        ).exists(),
        redirect=lambda w: "/orgs/acme/invitations/",
        audit="invitation.created",
    ),
    Case(
        "resend invitation",
        "post",
        lambda w: f"/orgs/acme/invitations/{w.pending.pk}/resend/",
        INVITERS,
        done=lambda w: _pending(w).token_hash != w.pending.token_hash,
        redirect=lambda w: "/orgs/acme/invitations/",
        audit="invitation.resent",
    ),
    Case("revoke invitation page", "get", lambda w: f"/orgs/acme/invitations/{w.pending.pk}/revoke/", INVITERS),
    Case(
        "revoke invitation",
        "post",
        lambda w: f"/orgs/acme/invitations/{w.pending.pk}/revoke/",
        INVITERS,
        done=lambda w: _pending(w).revoked_at is not None,
        redirect=lambda w: "/orgs/acme/invitations/",
        audit="invitation.revoked",
    ),
]

SECRETARIAT_CASES = [
    Case("organisations list", "get", lambda w: "/secretariat/organisations/", SECRETARIAT),
    Case("organisation overview", "get", lambda w: "/secretariat/organisations/acme/", SECRETARIAT),
    Case("new organisation page", "get", lambda w: "/secretariat/organisations/new/", SECRETARIAT_ADMIN),
    Case(
        "new organisation",
        "post",
        lambda w: "/secretariat/organisations/new/",
        SECRETARIAT_ADMIN,
        data=lambda w: ORGANISATION_FORM,
        done=lambda w: Organisation.objects.filter(slug="initrode", country="KE").exists(),
        redirect=lambda w: "/secretariat/organisations/initrode/",
        audit="organisation.created",
        audit_org=lambda w: Organisation.objects.get(slug="initrode").pk,
    ),
    Case("edit organisation page", "get", lambda w: "/secretariat/organisations/acme/edit/", SECRETARIAT_ADMIN),
    Case(
        "edit organisation",
        "post",
        lambda w: "/secretariat/organisations/acme/edit/",
        SECRETARIAT_ADMIN,
        data=lambda w: {**ORGANISATION_FORM, "name": "Acme Holdings", "slug": "acme", "kind": "member"},
        done=lambda w: _acme(w).name == "Acme Holdings",
        redirect=lambda w: "/secretariat/organisations/acme/",
        audit="organisation.updated",
    ),
    Case("suspend page", "get", lambda w: "/secretariat/organisations/acme/suspend/", SECRETARIAT_ADMIN),
    Case(
        "suspend",
        "post",
        lambda w: "/secretariat/organisations/acme/suspend/",
        SECRETARIAT_ADMIN,
        data=lambda w: {"reason": "Unpaid dues"},
        done=lambda w: _acme(w).status == Organisation.Status.SUSPENDED,
        redirect=lambda w: "/secretariat/organisations/acme/",
        audit="organisation.suspended",
    ),
    Case("reactivate page", "get", lambda w: "/secretariat/organisations/umbrella/reactivate/", SECRETARIAT_ADMIN),
    Case(
        "reactivate",
        "post",
        lambda w: "/secretariat/organisations/umbrella/reactivate/",
        SECRETARIAT_ADMIN,
        done=lambda w: Organisation.objects.get(pk=w.umbrella.pk).status == Organisation.Status.ACTIVE,
        redirect=lambda w: "/secretariat/organisations/umbrella/",
        audit="organisation.reactivated",
        audit_org=lambda w: w.umbrella.pk,
    ),
    Case("communities list", "get", lambda w: "/secretariat/communities/", SECRETARIAT),
    Case("new community page", "get", lambda w: "/secretariat/communities/new/", SECRETARIAT_ADMIN),
    Case(
        "new community",
        "post",
        lambda w: "/secretariat/communities/new/",
        SECRETARIAT_ADMIN,
        data=lambda w: {"name": "Policy group", "slug": "policy", "organisations": [w.acme.pk]},
        done=lambda w: list(Organisation.objects.filter(communities__slug="policy")) == [w.acme],
        redirect=lambda w: "/secretariat/communities/",
        audit="community.created",
        audit_org=lambda w: None,
    ),
    Case("edit community page", "get", lambda w: "/secretariat/communities/research/edit/", SECRETARIAT_ADMIN),
    Case(
        "edit community",
        "post",
        lambda w: "/secretariat/communities/research/edit/",
        SECRETARIAT_ADMIN,
        data=lambda w: {"name": "Research WG", "slug": "research", "organisations": [w.globex.pk]},
        done=lambda w: _community(w).name == "Research WG" and list(_community(w).organisations.all()) == [w.globex],
        redirect=lambda w: "/secretariat/communities/",
        audit="community.updated",
        audit_org=lambda w: None,
    ),
    Case("delete community page", "get", lambda w: "/secretariat/communities/research/delete/", SECRETARIAT_ADMIN),
    Case(
        "delete community",
        "post",
        lambda w: "/secretariat/communities/research/delete/",
        SECRETARIAT_ADMIN,
        done=lambda w: _community(w) is None,
        redirect=lambda w: "/secretariat/communities/",
        audit="community.deleted",
        audit_org=lambda w: None,
    ),
]

CASES = ORGANISATION_CASES + SECRETARIAT_CASES


def _request(client: Any, case: Case, world: World) -> Any:
    return getattr(client, case.method)(case.url(world), case.data(world))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_viewer_may_use_exactly_the_pages_and_actions_their_role_allows(
    viewer: str, case: Case, world: World, client_for: Any
) -> None:
    user = world.people.get(viewer)
    client = client_for(user)
    before = database_state()
    seq = last_seq()
    if case.done is not None:
        assert not case.done(world), "the table's change must not be in place before the request"

    response = _request(client, case, world)

    if viewer == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={case.url(world)}"
        assert database_state() == before
    elif viewer not in case.allowed:
        assert response.status_code == 404
        assert database_state() == before
    elif case.method == "get":
        assert response.status_code == 200
        assert database_state() == before
    else:
        assert response.status_code == 302
        assert response["Location"] == case.redirect(world)
        assert case.done(world)
        [event] = events_since(seq)
        assert (event.action, event.actor_id, event.target_org_id) == (case.audit, user.pk, case.audit_org(world))


@pytest.mark.parametrize("case", ORGANISATION_CASES, ids=[c.name for c in ORGANISATION_CASES])
@pytest.mark.parametrize("viewer", sorted(ACME_MEMBERS))
def test_members_of_a_suspended_organisation_lose_every_organisation_page_and_action(
    viewer: str, case: Case, world: World, client_for: Any
) -> None:
    client = client_for(world.people[viewer])
    Organisation.objects.filter(pk=world.acme.pk).update(status=Organisation.Status.SUSPENDED)
    before = database_state()

    response = _request(client, case, world)

    assert response.status_code == 404
    assert database_state() == before
