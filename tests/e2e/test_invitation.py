"""From an admin's invitation to a member signing in with an authenticator app."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from playwright.sync_api import Page, expect

from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.organisations.models import Membership, Role
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import at, sign_in, sign_out

pytestmark = pytest.mark.e2e

INVITEE = "nadia.new@acme.example"
INVITEE_PASSWORD = "violet-lantern-orchard-42"


def _invitation_path(to: str) -> str:
    messages = [m for m in mail.outbox if to in m.to]
    assert len(messages) == 1, [m.to for m in mail.outbox]
    assert messages[0].subject == "[Coalition portal] You are invited to join Acme"
    links = re.findall(r"https?://\S+/invitations/\S+/", messages[0].body)
    assert len(links) == 1, messages[0].body
    return urlsplit(links[0]).path


def test_invited_person_signs_up_enrols_totp_and_signs_in_with_it(new_page, make_member, acme, settings):
    # One step either side: the second sign-in uses the next step's code, which cannot be the one
    # just used to activate the app (allauth refuses a code it has accepted once within its 30 s
    # period), and the test need not wait up to 30 s for a new step.
    settings.MFA_TOTP_TOLERANCE = 1
    admin = make_member(acme, Role.ADMIN, email="admin@acme.example", name="Ada Admin")
    admin_secret = enrol_totp(admin)

    # The admin invites Nadia as an editor.
    admin_page: Page = new_page()
    sign_in(admin_page, admin.email, PASSWORD, totp_secret=admin_secret)
    admin_page.goto("/orgs/acme/")
    admin_page.get_by_role("button", name="Invite people").click()
    expect(admin_page).to_have_url(at("/orgs/acme/invitations/"))
    expect(admin_page.get_by_role("heading", name="Invite people to Acme")).to_be_visible()
    admin_page.get_by_label("Email address").fill(INVITEE)
    admin_page.get_by_label("Role").select_option(label="Editor")
    admin_page.get_by_role("button", name="Send invitation").click()
    expect(admin_page.get_by_role("status").filter(has_text=f"Invitation sent to {INVITEE}.")).to_be_visible()
    waiting = admin_page.get_by_role("table", name="Waiting for an answer")
    expect(waiting.get_by_role("row").filter(has_text=INVITEE)).to_contain_text("Editor")

    # Nadia opens the link from the email in her own browser and signs up.
    page: Page = new_page()
    page.goto(_invitation_path(INVITEE))
    expect(page).to_have_url(at("/accounts/signup/"))
    email_field = page.locator("input[name=email]")
    expect(email_field).to_have_value(INVITEE)
    expect(email_field).to_have_attribute("readonly", "")
    expect(page.get_by_text("The address Acme invited.")).to_be_visible()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(page.get_by_text("Acme invited you as editor.")).to_be_visible()
    page.get_by_label("Full name").fill("Nadia Newcomer")
    page.locator("input[name=password1]").fill(INVITEE_PASSWORD)
    page.locator("input[name=password2]").fill(INVITEE_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()

    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    expect(page.locator("nav details.dropdown summary")).to_have_text("Nadia Newcomer")
    own_orgs = page.get_by_role("region", name="Your organisations")
    expect(own_orgs.get_by_role("listitem").filter(has_text="Acme")).to_contain_text("Editor")
    user = User.objects.get(email=INVITEE)
    assert user.name == "Nadia Newcomer"
    assert Membership.objects.get(user=user, organisation=acme).role == Role.EDITOR

    # She activates an authenticator app; allauth first asks for her password again.
    page.locator("header details.dropdown summary").click()
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page).to_have_url(at("/accounts/2fa/"))
    expect(page.get_by_text("An authenticator app is not active.")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Activate").click()
    expect(page).to_have_url(at("/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"))
    page.locator("input[name=password]").fill(INVITEE_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(at("/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("heading", name="Activate authenticator app")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("status").filter(has_text="Authenticator app activated.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10, codes
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    # Signing in again now takes the password and a fresh code from the app.
    sign_out(page)
    sign_in(page, INVITEE, INVITEE_PASSWORD, code=pyotp.TOTP(secret).at(time.time() + 30))
    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    expect(page.locator("nav details.dropdown summary")).to_have_text("Nadia Newcomer")

    last_login = AuditEvent.objects.filter(action="auth.login", actor_id=user.pk).order_by("id").last()
    assert last_login is not None
    assert last_login.data["factors"] == ["password", "mfa:totp"], last_login.data
