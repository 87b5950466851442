"""Invitations over HTTP: sending, resending and revoking them, every way a link can be unusable,
and the two ways in: a new person signs up from the link, an existing account signs in and joins."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from coalition.accounts.models import User
from coalition.organisations.models import Invitation, Membership, Organisation, Role
from tests.conftest import PASSWORD
from tests.organisations.conftest import database_state, events_since, last_seq

NEW_PASSWORD = "a-long-enough-passphrase"


def _link_in(email: Any) -> str:
    """The path of the invitation link in an email, as the invited person would click it."""
    match = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", email.body)
    assert match, email.body
    return match.group(1)


def _signup(client: Any, email: str, name: str = "Nia Newcomer") -> Any:
    return client.post(
        "/accounts/signup/", {"name": name, "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


# --- Sending ---------------------------------------------------------------------------------


def test_admin_invites_someone_and_the_email_carries_a_working_link(
    acme_admin, client_for, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme_admin).post(
            "/orgs/acme/invitations/", {"email": "Nia@Example.org", "role": Role.EDITOR}, follow=True
        )
    assertContains(response, "Invitation sent to nia@example.org.")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.signatory, invitation.state) == (
        "nia@example.org",
        Role.EDITOR,
        False,
        "pending",
    )
    [email] = mailoutbox
    assert email.to == ["nia@example.org"]
    assert "Acme" in email.subject
    response = client.get(_link_in(email))
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/"


def test_inviting_an_existing_member_is_refused(acme_admin, acme_reader, client_for, mailoutbox):
    before = database_state()
    response = client_for(acme_admin).post("/orgs/acme/invitations/", {"email": "READER@acme.example", "role": "admin"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["reader@acme.example is already a member of Acme."]
    assert database_state() == before
    assert mailoutbox == []


def test_a_second_pending_invitation_to_the_same_address_is_refused(acme_admin, client_for, make_invitation):
    make_invitation(acme_admin.memberships.get().organisation, "nia@example.org")
    before = database_state()
    response = client_for(acme_admin).post("/orgs/acme/invitations/", {"email": "NIA@example.org", "role": "reader"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "nia@example.org already has a pending invitation to Acme. Resend it instead."
    ]
    assert database_state() == before


def test_inviting_again_after_an_invitation_expired_replaces_it(acme, acme_admin, client_for, make_invitation):
    expired, _ = make_invitation(acme, "nia@example.org", expires_at=timezone.now() - timedelta(days=1))
    seq = last_seq()
    response = client_for(acme_admin).post("/orgs/acme/invitations/", {"email": "nia@example.org", "role": "reader"})
    assert response.status_code == 302
    expired.refresh_from_db()
    assert expired.state == "revoked"
    [fresh] = Invitation.objects.exclude(pk=expired.pk)
    assert fresh.state == "pending"
    # The replaced invitation's closing is on the record too, before the new one.
    revoked, created = events_since(seq)
    assert (revoked.action, revoked.target_id, revoked.data["reason"]) == (
        "invitation.revoked",
        str(expired.pk),
        "expired, replaced by a new invitation",
    )
    assert (created.action, created.target_id) == ("invitation.created", str(fresh.pk))


def test_secretariat_admin_inviting_to_another_organisation_is_led_back_to_its_secretariat_page(
    secretariat_admin, acme, client_for
):
    response = client_for(secretariat_admin).get("/orgs/acme/invitations/")
    assertContains(response, 'href="/secretariat/organisations/acme/"')
    assertNotContains(response, 'href="/orgs/acme/"')


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-address", "role": "reader"}, "email"),
        ({"email": "nia@example.org", "role": "owner"}, "role"),
        ({"email": "", "role": "reader"}, "email"),
    ],
    ids=["bad address", "unknown role", "no address"],
)
def test_an_invitation_with_bad_input_shows_the_error_and_sends_nothing(
    acme_admin, client_for, mailoutbox, data, field
):
    before = database_state()
    response = client_for(acme_admin).post("/orgs/acme/invitations/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert database_state() == before
    assert mailoutbox == []


def test_the_secretariat_cannot_invite_to_a_suspended_organisation(secretariat_admin, acme, client_for):
    Organisation.objects.filter(pk=acme.pk).update(status=Organisation.Status.SUSPENDED)
    before = database_state()
    response = client_for(secretariat_admin).post(
        "/orgs/acme/invitations/", {"email": "nia@example.org", "role": "admin"}
    )
    assert response.status_code == 200
    assertContains(response, "Acme is suspended: nobody can be invited until it is reactivated.")
    assert database_state() == before


# --- Resending and revoking --------------------------------------------------------------------


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    acme, acme_admin, client_for, client, make_invitation, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, old_token = make_invitation(acme, "nia@example.org", sent_at=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme_admin).post(f"/orgs/acme/invitations/{invitation.pk}/resend/", follow=True)
    assertContains(response, "A new link was sent to nia@example.org; the old link no longer works.")
    [email] = mailoutbox
    assert client.get(f"/invitations/{old_token}/").status_code == 404
    assert client.get(_link_in(email)).status_code == 302


def test_an_expired_invitation_can_be_resent_and_works_again(acme, acme_admin, client_for, client, make_invitation):
    invitation, old_token = make_invitation(acme, "nia@example.org", expires_at=timezone.now() - timedelta(days=1))
    admin = client_for(acme_admin)
    assertContains(admin.get("/orgs/acme/invitations/"), "Expired")
    admin.post(f"/orgs/acme/invitations/{invitation.pk}/resend/")
    invitation.refresh_from_db()
    assert invitation.state == "pending"
    assert client.get(f"/invitations/{old_token}/").status_code == 404


def test_a_revoked_invitation_leaves_the_waiting_list_and_its_link_stops_working(
    acme, acme_admin, client_for, client, make_invitation
):
    invitation, token = make_invitation(acme, "nia@example.org")
    admin = client_for(acme_admin)
    assertContains(admin.get("/orgs/acme/invitations/"), "nia@example.org")
    response = admin.post(f"/orgs/acme/invitations/{invitation.pk}/revoke/", follow=True)
    assertContains(response, "The invitation of nia@example.org was withdrawn.")
    assertNotContains(response, "<td>nia@example.org</td>", html=False)
    assert client.get(f"/invitations/{token}/").status_code == 410


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        ("revoked", "resend", "This invitation was already revoked and cannot be resent."),
        ("accepted", "resend", "This invitation was already accepted and cannot be resent."),
        ("revoked", "revoke", "This invitation was already revoked."),
        ("accepted", "revoke", "This invitation was already accepted."),
    ],
)
def test_a_closed_invitation_cannot_be_resent_or_revoked(
    acme, acme_admin, outsider, client_for, make_invitation, mailoutbox, state, action, message
):
    closed = {"revoked_at": timezone.now()} if state == "revoked" else {"accepted_at": timezone.now()}
    invitation, _ = make_invitation(acme, "nia@example.org", **closed)
    before = database_state()
    response = client_for(acme_admin).post(f"/orgs/acme/invitations/{invitation.pk}/{action}/", follow=True)
    assertContains(response, message)
    assert database_state() == before
    assert mailoutbox == []


def test_an_invitation_of_a_suspended_organisation_cannot_be_resent(
    acme, secretariat_admin, client_for, make_invitation, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, _ = make_invitation(acme, "nia@example.org")
    Organisation.objects.filter(pk=acme.pk).update(status=Organisation.Status.SUSPENDED)
    before = database_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(secretariat_admin).post(f"/orgs/acme/invitations/{invitation.pk}/resend/", follow=True)
    assertContains(response, "Acme is suspended: nobody can be invited until it is reactivated.")
    assert database_state() == before
    assert mailoutbox == []


def test_an_invitation_of_another_organisation_cannot_be_reached_through_ones_own(
    globex, acme_admin, client_for, make_invitation
):
    invitation, _ = make_invitation(globex, "nia@example.org")
    client = client_for(acme_admin)
    before = database_state()
    assert client.post(f"/orgs/acme/invitations/{invitation.pk}/resend/").status_code == 404
    assert client.get(f"/orgs/acme/invitations/{invitation.pk}/revoke/").status_code == 404
    assert client.post(f"/orgs/acme/invitations/{invitation.pk}/revoke/").status_code == 404
    assert database_state() == before


# --- Links that cannot be used -----------------------------------------------------------------

UNUSABLE = [
    ("expired", {"expires_at": "past"}, 410, "This invitation has expired. Ask an admin of Acme to send it again."),
    ("revoked", {"revoked_at": "now"}, 410, "This invitation was withdrawn by Acme. Ask them for a new one."),
    (
        "already used",
        {"accepted_at": "now"},
        410,
        "This invitation has already been used. Sign in with the account that accepted it.",
    ),
    ("suspended organisation", {}, 410, "Acme is suspended, so its invitations cannot be accepted now."),
    (
        "unknown",
        None,
        404,
        "This invitation link is not valid. Check that you copied the whole link from the email.",
    ),
]


def _unusable_link(name: str, state: dict[str, str] | None, acme: Organisation, make_invitation: Any) -> str:
    if state is None:
        return "/invitations/no-such-token-at-all/"
    now = timezone.now()
    values = {key: now - timedelta(days=1) if value == "past" else now for key, value in state.items()}
    _, token = make_invitation(acme, "nia@example.org", **values)
    if name == "suspended organisation":
        Organisation.objects.filter(pk=acme.pk).update(status=Organisation.Status.SUSPENDED)
    return f"/invitations/{token}/"


@pytest.mark.parametrize(("name", "state", "status", "message"), UNUSABLE, ids=[u[0] for u in UNUSABLE])
def test_an_unusable_link_explains_why_and_does_not_open_sign_up(
    client, acme, make_invitation, name, state, status, message
):
    link = _unusable_link(name, state, acme, make_invitation)
    before = database_state()
    response = client.get(link)
    assert response.status_code == status
    assertContains(response, message, status_code=status)
    assertTemplateUsed(response, "organisations/invitation_problem.html")
    assertTemplateUsed(client.get("/accounts/signup/"), "account/signup_closed.html")
    assert database_state() == before


@pytest.mark.parametrize(("name", "state", "status", "message"), UNUSABLE, ids=[u[0] for u in UNUSABLE])
def test_an_unusable_link_cannot_be_accepted_by_a_signed_in_user(
    client_for, make_user, acme, make_invitation, name, state, status, message
):
    link = _unusable_link(name, state, acme, make_invitation)
    client = client_for(make_user("nia@example.org"))
    before = database_state()
    response = client.post(link)
    assertContains(response, message, status_code=status)
    assert database_state() == before


def test_accepting_while_signed_in_as_a_different_address_is_refused(outsider, acme, client_for, make_invitation):
    invitation, token = make_invitation(acme, "nia@example.org")
    client = client_for(outsider)
    assertContains(client.get(f"/invitations/{token}/"), "Join Acme")
    before = database_state()
    response = client.post(f"/invitations/{token}/")
    assertContains(
        response,
        "This invitation was sent to nia@example.org, but you are signed in as outsider@example.org. "
        "Sign out and open the link again.",
        status_code=409,
    )
    assert database_state() == before
    assert Invitation.objects.get(pk=invitation.pk).state == "pending"


def test_accepting_an_invitation_to_an_organisation_one_already_belongs_to_is_refused(
    acme, acme_reader, client_for, make_invitation
):
    # Made directly: the service refuses to invite an existing member, but they may join later.
    _, token = make_invitation(acme, acme_reader.email, role=Role.ADMIN)
    before = database_state()
    response = client_for(acme_reader).post(f"/invitations/{token}/")
    assertContains(response, "You are already a member of Acme.", status_code=409)
    assert database_state() == before


# --- Signing up from a link --------------------------------------------------------------------


def test_a_new_person_signs_up_from_the_link_and_joins_with_the_invited_role(
    client, client_for, acme, acme_admin, make_invitation
):
    invitation, token = make_invitation(acme, "nia@example.org", role=Role.CONTRIBUTOR, signatory=True)
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/"

    form = client.get("/accounts/signup/").context["form"]
    assert form["email"].value() == "nia@example.org"

    seq = last_seq()
    response = _signup(client, "nia@example.org")
    assert response.status_code == 302

    user = User.objects.get(email="nia@example.org")
    assert user.name == "Nia Newcomer"
    assert EmailAddress.objects.get(user=user).verified
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.signatory) == (acme, Role.CONTRIBUTOR, True)
    invitation.refresh_from_db()
    assert invitation.state == "accepted" and invitation.accepted_by == user
    [accepted] = [e for e in events_since(seq) if e.action == "invitation.accepted"]
    assert (accepted.actor_id, accepted.target_org_id) == (user.pk, acme.pk)
    [login] = [e for e in events_since(seq) if e.action == "auth.login"]
    assert login.actor_id == user.pk and login.data == {"factors": ["signup:invitation"]}
    # Signed in at once; a signatory must first set up a second factor.
    assert client.get("/orgs/acme/")["Location"] == "/accounts/mfa-required/"
    # The link has done its work.
    assert client_for(None).get(f"/invitations/{token}/").status_code == 410


def test_a_new_reader_lands_on_their_organisation_after_sign_up(client, acme, make_invitation):
    _, token = make_invitation(acme, "nia@example.org", role=Role.READER)
    client.get(f"/invitations/{token}/")
    _signup(client, "nia@example.org")
    response = client.get("/orgs/acme/")
    assertContains(response, "Reader at Acme.")


def test_sign_up_without_an_invitation_is_closed(client, db):
    assertTemplateUsed(client.get("/accounts/signup/"), "account/signup_closed.html")
    response = _signup(client, "nia@example.org")
    assertTemplateUsed(response, "account/signup_closed.html")
    assert not User.objects.filter(email="nia@example.org").exists()


def test_sign_up_with_a_different_address_than_invited_is_refused(client, acme, make_invitation):
    invitation, token = make_invitation(acme, "nia@example.org")
    client.get(f"/invitations/{token}/")
    before = database_state()
    response = _signup(client, "someone-else@example.org")
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Use the address the invitation was sent to: nia@example.org."]
    assert database_state() == before
    assert Invitation.objects.get(pk=invitation.pk).state == "pending"


def test_sign_up_stops_working_once_the_invitation_is_revoked(client, acme, make_invitation):
    invitation, token = make_invitation(acme, "nia@example.org")
    client.get(f"/invitations/{token}/")
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    response = _signup(client, "nia@example.org")
    assertTemplateUsed(response, "account/signup_closed.html")
    assert not User.objects.filter(email="nia@example.org").exists()


def test_an_existing_account_signs_in_from_the_link_and_accepts_with_a_post(client, acme, outsider, make_invitation):
    invitation, token = make_invitation(acme, "Outsider@Example.org", role=Role.EDITOR)
    link = f"/invitations/{token}/"

    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={link}"

    response = client.post(f"/accounts/login/?next={link}", {"login": outsider.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == link

    response = client.get(link)
    assertContains(response, "Join Acme")
    assert not Membership.objects.filter(user=outsider).exists()

    seq = last_seq()
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == "/orgs/acme/"
    membership = Membership.objects.get(user=outsider)
    assert (membership.organisation, membership.role, membership.signatory) == (acme, Role.EDITOR, False)
    invitation.refresh_from_db()
    assert invitation.state == "accepted" and invitation.accepted_by == outsider
    assert [(e.action, e.actor_id, e.target_org_id) for e in events_since(seq)] == [
        ("invitation.accepted", outsider.pk, acme.pk)
    ]
    assertContains(client.get("/orgs/acme/"), "Editor at Acme.")
