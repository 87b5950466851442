"""My work in Chromium: a policy officer signs in, lands on My work, sees the change Globex
proposed to Acme's principles waiting for them, follows it straight to the decision, decides, and
finds it gone from My work; on a phone-sized screen nothing on My work scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from coalition.drafting import services as drafting
from coalition.library import services as library
from coalition.library.models import TLP, Audience
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD
from tests.e2e.helpers import at, expect_status, sign_in

pytestmark = pytest.mark.e2e

TITLE = "Principles on reporting abuse"
BODY = "# Principles\n\n## Reporting\n\nMembers report suspected abuse to the hotline within 24 hours.\n"


@pytest.fixture
def waiting_proposal(make_org, make_member):  # type: ignore[no-untyped-def]
    acme = make_org("Acme", slug="acme")
    globex = make_org("Globex", slug="globex")
    officer = make_member(acme, Role.EDITOR, email="officer@acme.example", name="Polly Officer")
    globex_contributor = make_member(globex, Role.CONTRIBUTOR, email="gina@globex.example", name="Gina Globex")
    document = library.create_document(
        acting_user=officer,
        owner=acme,
        title=TITLE,
        kind="principles",
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    drafting.publish(acting_user=officer, document=document)
    document.refresh_from_db()
    proposal = drafting.propose(
        acting_user=globex_contributor,
        document=document,
        anchor="section",
        section="doc-reporting",
        replacement="Members report suspected abuse to the hotline at once.\n",
        rationale="A day is too long.",
    )
    assert isinstance(acme, Organisation)
    return officer, proposal


def test_a_policy_officer_starts_on_my_work_and_follows_a_waiting_item_to_decide_it(
    page: Page, waiting_proposal
) -> None:  # type: ignore[no-untyped-def]
    officer, proposal = waiting_proposal
    sign_in(page, officer.email, PASSWORD)

    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    waiting = page.locator("#work-proposals")
    expect(waiting.get_by_role("heading", name="Proposed changes to decide")).to_be_visible()
    waiting.get_by_role("link", name=TITLE).click()

    expect(page).to_have_url(at(f"/library/{proposal.document_id}/proposals/{proposal.pk}/"))
    page.get_by_label("Accept: put the proposed text in as it stands").check()
    page.get_by_label("Response to the proposer").fill("Agreed: at once.")
    page.get_by_role("button", name="Record decision").click()
    expect_status(page, "The proposal was accepted; its author is notified.")

    page.goto("/")
    expect(page.locator("#work-proposals")).to_have_count(0)
    expect(page.get_by_text("Nothing waits for you right now.")).to_be_visible()


def test_my_work_fits_a_phone_screen(page: Page, waiting_proposal) -> None:  # type: ignore[no-untyped-def]
    officer, _ = waiting_proposal
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, officer.email, PASSWORD)
    expect(page.locator("#work-proposals")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
