"""An admin without a second factor is held on the enrolment page until they add one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from coalition.audit.models import AuditEvent
from coalition.organisations.models import Role
from tests.conftest import PASSWORD
from tests.e2e.helpers import at, sign_in, sign_out

pytestmark = pytest.mark.e2e

HOLD_HEADING = "Set up two-factor authentication to continue"


def test_admin_without_mfa_is_held_on_enrolment_page_but_can_sign_out(page: Page, make_member, acme):
    admin = make_member(acme, Role.ADMIN, email="new.admin@acme.example", name="Nia Newadmin")

    sign_in(page, "new.admin@acme.example", PASSWORD)

    expect(page).to_have_url(at("/accounts/mfa-required/"))
    expect(page.get_by_role("heading", name=HOLD_HEADING)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Admin at Acme")).to_be_visible()
    expect(page.get_by_role("button", name="Use an authenticator app")).to_be_visible()

    for path in ("/orgs/acme/", "/", "/orgs/acme/invitations/"):
        page.goto(path)
        expect(page).to_have_url(at("/accounts/mfa-required/"))
        expect(page.get_by_role("heading", name=HOLD_HEADING)).to_be_visible()

    sign_out(page)
    expect(page.get_by_role("heading", name="Coalition portal", exact=True)).to_be_visible()
    page.goto("/orgs/acme/")
    expect(page).to_have_url(at("/accounts/login/?next=/orgs/acme/"))
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=admin.pk).count() == 1


def test_first_sign_in_of_an_admin_is_one_path_back_to_where_they_were_going(page: Page, make_member, acme):
    """Sign in from a link, enrol an authenticator app without typing the password again, save the
    recovery codes, continue to the page the link was for (issue 9, defect 10)."""
    import re

    import pyotp

    make_member(acme, Role.ADMIN, email="first.admin@acme.example", name="Fia Firstadmin")
    page.goto("/orgs/acme/")
    expect(page).to_have_url(at("/accounts/login/?next=/orgs/acme/"))
    page.get_by_label("Email").fill("first.admin@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name=HOLD_HEADING)).to_be_visible()
    page.get_by_role("button", name="Use an authenticator app").click()
    expect(page.get_by_role("heading", name="Activate authenticator app")).to_be_visible()  # no password again
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(at("/orgs/acme/"))
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
