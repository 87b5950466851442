"""Steps several browser tests share."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

LOGIN_PATH = "/accounts/login/"
MFA_PATH = "/accounts/2fa/authenticate/"
TOTP_PERIOD = 30


def at(path: str) -> re.Pattern[str]:
    """A URL on the live server whose path (and query, if given) is exactly `path`."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def sign_in(page: Page, email: str, password: str, *, totp_secret: str | None = None, code: str | None = None) -> None:
    """Sign in through the sign-in page: email ("login") and password, then, for an account with an
    authenticator app, the two-factor page. Give the app's secret (the code is computed as the
    form is sent) or a ready `code`; with neither, the two-factor page must not appear."""
    page.goto(LOGIN_PATH)
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In", exact=True).click()
    if totp_secret is not None or code is not None:
        expect(page).to_have_url(re.compile(re.escape(MFA_PATH)))
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        if code is not None:
            _submit_code(page, code)
        else:
            assert totp_secret is not None
            _submit_current_code(page, totp_secret)
    expect(page).not_to_have_url(re.compile(f"{re.escape(LOGIN_PATH)}|{re.escape(MFA_PATH)}"))


def _submit_code(page: Page, code: str) -> None:
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In", exact=True).click()


def _submit_current_code(page: Page, secret: str) -> None:
    # The portal accepts only the current 30-second step (MFA_TOTP_TOLERANCE = 0). A code computed
    # just before a step ends may be refused because the step changed on the way: then, and only
    # then, the next step's code is entered once more.
    for _ in range(2):
        step = int(time.time()) // TOTP_PERIOD
        _submit_code(page, pyotp.TOTP(secret).at(step * TOTP_PERIOD))
        if MFA_PATH not in page.url or int(time.time()) // TOTP_PERIOD == step:
            return


def sign_out(page: Page) -> None:
    """Sign out from the account menu (allauth asks to confirm)."""
    page.locator("header details.dropdown summary").click()
    page.get_by_role("banner").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
