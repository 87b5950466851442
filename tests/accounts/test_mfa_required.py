"""MFA is mandatory for organisation admins, signatories and secretariat staff: until they enrol
they reach only the enrolment pages, sign-out and public pages."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.http import HttpResponse
from django.urls import path

from coalition.core.http import public_page
from coalition.organisations.models import Role
from tests.conftest import enrol_totp

HELD_PAGES = ["/", "/orgs/acme/", "/orgs/acme/invitations/", "/secretariat/organisations/", "/accounts/email/"]
REACHABLE_WHILE_HELD = [
    "/accounts/mfa-required/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/logout/",
]


@pytest.fixture
def held_admin(make_member, acme):
    return make_member(acme, Role.ADMIN, email="new-admin@acme.example")


@pytest.mark.parametrize("path", HELD_PAGES)
def test_admin_without_mfa_is_held_on_the_enrolment_page(client_for, held_admin, path):
    response = client_for(held_admin).get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/mfa-required/"


@pytest.mark.parametrize("path", REACHABLE_WHILE_HELD)
def test_admin_without_mfa_can_still_reach_enrolment_and_sign_out(client_for, held_admin, path):
    response = client_for(held_admin).get(path)
    assert response.status_code == 200 or not response["Location"].startswith("/accounts/mfa-required/")


def test_enrolment_page_says_why(client_for, held_admin):
    response = client_for(held_admin).get("/accounts/mfa-required/")
    assert b"Set up two-factor authentication to continue" in response.content
    assert b"Admin at Acme" in response.content


def test_a_held_person_opening_an_invitation_link_enrols_first(client_for, held_admin):
    response = client_for(held_admin).get("/invitations/any-token/")
    assert response["Location"] == "/accounts/mfa-required/"


@public_page
def _public_view(request):
    return HttpResponse("public")


urlpatterns = [path("public/", _public_view)]


@pytest.mark.urls("tests.accounts.test_mfa_required")
def test_pages_marked_public_stay_reachable_while_held(client_for, held_admin, client):
    assert client_for(held_admin).get("/public/").content == b"public"
    assert client.get("/public/").content == b"public"


@pytest.mark.parametrize(
    ("role", "signatory", "kind", "held"),
    [
        (Role.ADMIN, False, "member", True),
        (Role.EDITOR, True, "member", True),
        (Role.READER, False, "secretariat", True),
        (Role.EDITOR, False, "member", False),
        (Role.CONTRIBUTOR, False, "member", False),
        (Role.READER, False, "member", False),
    ],
)
def test_who_is_held(client_for, make_org, make_member, role, signatory, kind, held):
    organisation = make_org(kind=kind)
    user = make_member(organisation, role, signatory=signatory)
    response = client_for(user).get(f"/orgs/{organisation.slug}/")
    if held:
        assert response["Location"] == "/accounts/mfa-required/"
    else:
        assert response.status_code == 200


def test_enrolled_admin_is_not_held(client_for, acme_admin):
    assert client_for(acme_admin).get("/orgs/acme/").status_code == 200


def test_being_made_admin_holds_on_the_next_request(client_for, acme_reader, acme):
    client = client_for(acme_reader)
    assert client.get("/orgs/acme/").status_code == 200
    acme_reader.memberships.filter(organisation=acme).update(role=Role.ADMIN)
    assert client.get("/orgs/acme/")["Location"] == "/accounts/mfa-required/"


def test_admin_cannot_remove_their_last_second_factor(client_for, acme_admin):
    from allauth.mfa.adapter import get_adapter

    totp = Authenticator.objects.get(user=acme_admin, type=Authenticator.Type.TOTP)
    assert get_adapter().can_delete_authenticator(totp) is False


def test_reader_can_remove_their_only_second_factor(acme_reader):
    from allauth.mfa.adapter import get_adapter

    enrol_totp(acme_reader)
    totp = Authenticator.objects.get(user=acme_reader, type=Authenticator.Type.TOTP)
    assert get_adapter().can_delete_authenticator(totp) is True


def test_user_sees_and_can_end_their_other_sessions(client, client_for, acme_reader):
    from tests.conftest import PASSWORD

    other = client_for(None)
    other.post("/accounts/login/", {"login": acme_reader.email, "password": PASSWORD})
    client.post("/accounts/login/", {"login": acme_reader.email, "password": PASSWORD})
    page = client.get("/accounts/sessions/")
    assert page.status_code == 200
    assert page.content.count(b"<tr") >= 3  # header row and two sessions
    client.post("/accounts/sessions/", {})
    assert other.get("/orgs/acme/")["Location"].startswith("/accounts/login/")
    from coalition.audit.models import AuditEvent

    [ended] = AuditEvent.objects.filter(action="auth.session_ended")
    assert ended.actor_id == acme_reader.pk
    assert client.get("/orgs/acme/").status_code == 200
