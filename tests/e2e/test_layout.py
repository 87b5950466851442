"""Layout and accessibility in Chromium. The main pages of the demo coalition, each seen by the
person who uses it, at 1366 px and at 390 px (a phone): nothing scrolls sideways, and axe-core
(vendored in tests/e2e/vendor/axe-core, never served by the portal) finds no serious or critical
violation; a few pages are checked in the dark colour scheme too. Every page is saved as a
screenshot in var/screenshots/layout/ (ignored by git) for people to look at. The navigation folds
into a "Menu" disclosure on a phone, which opens by keyboard, and without JavaScript."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from coalition.accounts.models import User
from coalition.appeals.models import Appeal, Tip
from coalition.assessments.models import SelfAssessment
from coalition.drafting.models import Proposal
from coalition.library.models import Document
from coalition.principles.models import EvidenceItem, Milepost
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "layout"
WIDE, PHONE = 1366, 390
DEMO_PASSWORD = "coalition-demo-2026"
# Whoever must use a second factor signs in with an authenticator app enrolled by the test.
WITH_MFA = {
    "mei@harbor.example",
    "nadia@northwind.example",
    "amira@secretariat.example",
    "pieter@accessreview.example",
    "sofia@fcpu.example",
}
# axe-core's result, kept short: the rule, its impact and the first few elements it names.
RUN_AXE = """
axe.run(document, {resultTypes: ["violations"]}).then(result => result.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => `${v.id} (${v.impact}): ${v.help} -- ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`))
"""
WIDEST_ELEMENTS = """
[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} (${Math.round(e.getBoundingClientRect().right)})`)
"""


@dataclass
class Checks:
    problems: list[str] = field(default_factory=list)
    pages: int = 0

    def visit(self, page: Page, who: str, path: str, *, dark: bool = False) -> None:
        """Open `path` at both widths (and in the dark scheme when asked); record what is wrong."""
        schemes = ("light", "dark") if dark else ("light",)
        for scheme in schemes:
            page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            for width in (WIDE, PHONE):
                page.set_viewport_size({"width": width, "height": 900 if width == WIDE else 844})
                response = page.goto(path)
                expect(page.locator(".htmx-request")).to_have_count(0)  # live previews have loaded
                where = f"{who} {path} at {width} px{' (dark)' if scheme == 'dark' else ''}"
                self.pages += 1
                if response is None or response.status != 200:
                    self.problems.append(f"{where}: status {response.status if response else 'none'}")
                    continue
                name = re.sub(r"[^a-z0-9]+", "-", f"{who.split('@')[0]} {path} {width} {scheme}".lower()).strip("-")
                page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
                if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                    wide = page.evaluate(WIDEST_ELEMENTS)
                    self.problems.append(f"{where}: scrolls sideways ({', '.join(wide)})")
                for violation in page.evaluate(AXE + "\n;" + RUN_AXE):
                    self.problems.append(f"{where}: {violation}")


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> dict[str, Any]:
    settings.DEMO_DATA = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("search_rebuild", stdout=io.StringIO())
    shared = Document.objects.get(title="Shared principles on stopping the spread of abuse material")
    return {
        "shared": shared,
        "livestreaming": Document.objects.get(title="Principles for safer livestreaming"),
        "moderators": Document.objects.get(title__startswith="Guidance for moderators handling reports"),
        "public": Document.objects.get(title__startswith="Voluntary principles against online child sexual"),
        "proposal": Proposal.objects.filter(document=shared).order_by("pk").first(),
        "appeal": Appeal.objects.filter(status=Appeal.Status.OPEN).order_by("pk").first(),
        "tip": Tip.objects.filter(appeal__organisation__slug="fcpu").order_by("pk").first(),
        "secrets": {email: enrol_totp(User.objects.get(email=email)) for email in WITH_MFA},
        "evidence": EvidenceItem.objects.filter(record__organisation__slug="northwind").order_by("pk").first(),
        "milepost": Milepost.objects.filter(organisation__slug="northwind").order_by("pk").first(),
        "assessment": SelfAssessment.objects.filter(organisation__slug="harbor").order_by("pk").first(),
    }


def pages_by_person(demo: dict[str, Any]) -> dict[str, list[str]]:
    shared, public = demo["shared"].pk, demo["public"].pk
    first, last = 1, demo["shared"].current_revision.number
    return {
        "": [
            "/",
            "/accounts/login/",
            "/accounts/password/reset/",
            "/appeals/",
            f"/appeals/{demo['appeal'].pk}/",
            "/report/",
            "/principles/",
            "/principles/voluntary-principles/",
            f"/library/{public}/",
            f"/library/{public}/adopted/",
            "/search/?q=hotline",
        ],
        "owen@northwind.example": [
            "/",
            "/library/",
            f"/library/{shared}/",
            f"/library/{shared}/edit/",
            f"/library/{shared}/history/",
            f"/library/{shared}/compare/?from={first}&to={last}",
            f"/library/{shared}/discussion/",
            f"/library/{shared}/disposition/",
            f"/library/{shared}/proposals/{demo['proposal'].pk}/",
            f"/library/{shared}/proposals/new/",
            f"/library/{shared}/review/",
            f"/library/{shared}/ratification/",
            f"/library/{shared}/share/",
            f"/library/{demo['moderators'].pk}/acknowledgements/",
            "/library/new/",
            "/search/?q=reporting",
            "/search/saved/",
            "/notifications/",
            "/notifications/preferences/",
            "/principles/voluntary-principles/",
            "/principles/voluntary-principles/orgs/northwind/",
            f"/principles/records/{demo['evidence'].record_id}/",
            f"/principles/records/{demo['evidence'].record_id}/evidence/{demo['evidence'].pk}/",
            "/principles/mileposts/",
            f"/principles/mileposts/{demo['milepost'].pk}/",
            "/accounts/email/",
            "/accounts/password/change/",
            "/accounts/2fa/",
            "/accounts/sessions/",
        ],
        "raj@harbor.example": [
            "/",
            f"/library/{demo['livestreaming'].pk}/review/",
            f"/principles/self-assessment/a/{demo['assessment'].pk}/",
        ],
        "mei@harbor.example": [f"/library/{shared}/ratification/", "/orgs/harbor/"],
        "nadia@northwind.example": [
            "/orgs/northwind/",
            "/orgs/northwind/invitations/",
            "/audit/organisations/northwind/activity/",
            f"/audit/documents/{shared}/readers/",
        ],
        "amira@secretariat.example": [
            "/secretariat/organisations/",
            "/secretariat/organisations/northwind/",
            "/secretariat/organisations/new/",
            "/secretariat/communities/",
            "/appeals/helplines/",
        ],
        "pieter@accessreview.example": ["/audit/oversight/"],
        "sofia@fcpu.example": [
            "/appeals/tips/",
            f"/appeals/tips/{demo['tip'].pk}/",
            "/appeals/manage/",
            f"/appeals/manage/{demo['appeal'].pk}/",
        ],
    }


# Pages also checked in the dark colour scheme: notices, labels, diffs and the TLP banner.
DARK_FOR_VISITORS = re.compile(r"/|/report/|/accounts/login/")
DARK_FOR_MEMBERS = re.compile(r"^/library/\d+/(discussion/|compare/|proposals/\d+/)?(\?|$)")


def test_main_pages_fit_a_phone_and_have_no_serious_accessibility_violations(
    new_page: Any, demo: dict[str, Any]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    checks = Checks()
    for email, paths in pages_by_person(demo).items():
        page = new_page()  # one browser (cookies) per person, signed in once
        if email:
            sign_in(page, email, DEMO_PASSWORD, totp_secret=demo["secrets"].get(email))
        for path in paths:
            dark = bool(DARK_FOR_VISITORS.fullmatch(path) if not email else DARK_FOR_MEMBERS.search(path))
            checks.visit(page, email or "visitor", path, dark=dark)
        page.context.close()
    assert checks.pages > 100
    assert not checks.problems, "\n".join(checks.problems)


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Any]:
    """A phone-sized browser, with or without JavaScript."""
    contexts = []

    def open_page(*, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": PHONE, "height": 844},
            java_script_enabled=javascript,
            locale="en-GB",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def menu_expanded(page: Page) -> bool:
    """Whether the Menu button, as Chromium gives it to screen readers (a disclosure button with
    an expanded state), says it is expanded."""
    nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    (menu,) = [
        n
        for n in nodes
        if n.get("role", {}).get("value") == "DisclosureTriangle" and n["name"]["value"].startswith("Menu")
    ]
    return {p["name"]: p["value"]["value"] for p in menu["properties"]}["expanded"]


def test_on_a_phone_the_navigation_opens_from_its_menu_button_by_keyboard(phone: Any, acme_editor: User) -> None:
    page = phone()
    sign_in(page, acme_editor.email, PASSWORD)
    banner = page.get_by_role("banner")
    library = banner.get_by_role("link", name="Library")
    expect(library).to_be_hidden()

    menu = page.locator(".nav-menu > summary")
    expect(menu).to_have_text("Menu")
    assert menu_expanded(page) is False
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".nav-menu")).to_have_js_property("open", True)
    assert menu_expanded(page) is True
    expect(library).to_be_visible()
    assert page.evaluate(AXE + "\n;" + RUN_AXE) == []  # the open menu too
    page.keyboard.press("Tab")
    expect(library).to_be_focused()
    library.click()
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.set_viewport_size({"width": WIDE, "height": 900})
    expect(menu).to_be_hidden()
    expect(library).to_be_visible()


def test_on_a_phone_the_menu_opens_without_javascript(phone: Any) -> None:
    page = phone(javascript=False)
    page.goto("/report/")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Sign in")).to_be_visible()  # a visitor's way in stays in sight
    appeals = banner.get_by_role("link", name="Appeals")
    expect(appeals).to_be_hidden()
    page.locator(".nav-menu > summary").click()
    expect(appeals).to_be_visible()
    appeals.click()
    expect(page.get_by_role("heading", name="Do you recognise these objects?", level=1)).to_be_visible()


@pytest.mark.parametrize(("scheme", "colour"), [("light", "rgb(11, 87, 208)"), ("dark", "rgb(255, 210, 77)")])
def test_the_keyboard_focus_shows_a_ring_in_both_colour_schemes(page: Page, scheme: str, colour: str) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.goto("/report/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the portal's name, a link home
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.textContent.trim(), s.outlineStyle, s.outlineWidth, s.outlineColor]; })()"
    )
    assert ring == ["Coalition portal", "solid", "3px", colour]
