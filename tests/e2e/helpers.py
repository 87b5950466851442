"""Steps several browser tests share."""

from __future__ import annotations

import re
import time
from importlib import import_module

import pyotp
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from playwright.sync_api import Page, expect

LOGIN_PATH = "/accounts/login/"
MFA_PATH = "/accounts/2fa/authenticate/"
REAUTH_PATH = "/accounts/2fa/reauthenticate/"
TOTP_PERIOD = 30


def at(path: str) -> re.Pattern[str]:
    """A URL on the live server whose path (and query, if given) is exactly `path`."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def sign_in(
    page: Page, email: str, password: str, *, totp_secret: str | None = None, code: str | None = None
) -> int | None:
    """Sign in through the sign-in page: email ("login") and password, then, for an account with an
    authenticator app, the two-factor page. Give the app's secret (the code is computed as the
    form is sent) or a ready `code`; with neither, the two-factor page must not appear. Returns the
    30-second step whose code was accepted, when computed from the secret (see `totp_step`)."""
    page.goto(LOGIN_PATH)
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    step = None
    if totp_secret is not None or code is not None:
        expect(page).to_have_url(re.compile(re.escape(MFA_PATH)))
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        if code is not None:
            _submit_code(page, code, button="Sign in")
        else:
            assert totp_secret is not None
            step = _submit_current_code(page, totp_secret, path=MFA_PATH, button="Sign in")
    expect(page).not_to_have_url(re.compile(f"{re.escape(LOGIN_PATH)}|{re.escape(MFA_PATH)}"))
    return step


def totp_step() -> int:
    """The authenticator's current 30-second step (its code changes with each)."""
    return int(time.time()) // TOTP_PERIOD


def wait_for_totp_step_after(step: int) -> None:
    """Wait, at most one period, until the authenticator shows the code of a later step than
    `step`: allauth refuses a code it has accepted once, so a person confirming again within the
    same 30 seconds would wait for the next code too."""
    remaining = (step + 1) * TOTP_PERIOD - time.time()
    if remaining > 0:
        time.sleep(remaining + 0.05)


def confirm_second_factor(page: Page, secret: str) -> int:
    """On allauth's re-authentication page, enter the app's current code; returns its step."""
    expect(page).to_have_url(re.compile(re.escape(REAUTH_PATH)))
    expect(page.get_by_text("Enter an authenticator code:")).to_be_visible()
    step = _submit_current_code(page, secret, path=REAUTH_PATH, button="Confirm")
    expect(page).not_to_have_url(re.compile(re.escape(REAUTH_PATH)))
    return step


def signed_in_long_ago(page: Page, *, seconds: float = 3600) -> None:
    """Move back the times at which the browser's person signed in (password and second factor),
    as allauth records them in the session, as if that was `seconds` ago: an action that needs a
    recently used second factor then asks for it again. Call it between page loads."""
    name = settings.SESSION_COOKIE_NAME
    key = next(c["value"] for c in page.context.cookies() if c["name"] == name)
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    records = store[AUTHENTICATION_METHODS_SESSION_KEY]
    assert records, "the session records no sign-in"
    store[AUTHENTICATION_METHODS_SESSION_KEY] = [{**r, "at": float(r["at"]) - seconds} for r in records]
    store.save()


def _submit_code(page: Page, code: str, *, button: str) -> None:
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def _submit_current_code(page: Page, secret: str, *, path: str, button: str) -> int:
    # The portal accepts only the current 30-second step (MFA_TOTP_TOLERANCE = 0). A code computed
    # just before a step ends may be refused because the step changed on the way: then, and only
    # then, the next step's code is entered once more.
    for _ in range(2):
        step = totp_step()
        _submit_code(page, pyotp.TOTP(secret).at(step * TOTP_PERIOD), button=button)
        if path not in page.url or totp_step() == step:
            break
    return step


def expect_status(page: Page, text: str) -> None:
    """The portal's confirmation message (role status) says `text`."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def sign_out(page: Page) -> None:
    """Sign out from the account menu (allauth asks to confirm)."""
    page.locator("header details.dropdown summary").click()
    page.get_by_role("banner").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


def answer_visible_questions(page: Page) -> None:
    """On a self-assessment section, pick the first answer of every question shown, including the
    ones an answer reveals."""
    done = 0
    while True:
        shown = page.locator("div.question:not([hidden]) fieldset")
        if done >= shown.count():
            return
        shown.nth(done).get_by_role("radio").first.check()
        done += 1


def answer_every_section(page: Page) -> None:
    """From a self-assessment's first section to its report, answering every question shown."""
    while True:
        answer_visible_questions(page)
        next_button = page.get_by_role("button", name="Save and continue")
        if next_button.count():
            next_button.click()
            continue
        page.get_by_role("button", name="Save and see the report").click()
        expect(page.get_by_role("heading", name="Overview by area")).to_be_visible()
        return


def share_record(page: Page, record_id: int, audience: str, tlp: str) -> None:
    """Share an implementation record from its page: `audience` and `tlp` as the form words them."""
    page.goto(f"/principles/records/{record_id}/")
    page.get_by_role("button", name="Share and label").click()
    page.get_by_label("TLP label").select_option(label=tlp)
    page.get_by_label(audience, exact=True).check()
    page.get_by_role("button", name="Save sharing").click()
    expect(page.get_by_text("Sharing saved.")).to_be_visible()
