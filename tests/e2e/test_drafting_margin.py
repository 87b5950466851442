"""Drafting in place, in Chromium: someone of another organisation selects a passage of the text
and suggests a replacement in the margin beside it; the owner's editor accepts it from the margin;
the rendered diff (formatted text, insertions and deletions marked) shows the change. Then the
same with JavaScript off, through the existing forms (the propose page, and the margin's own
plain forms). Also: mentions by name, chosen from the list with the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, Proposal
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import CHROMIUM_ARGS, TIMEOUT_MS
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

SCOPE = "These principles apply to every service a member runs."
REPORTING = "Members report suspected abuse to the hotline within 24 hours."
BODY = f"## Scope\n\n{SCOPE}\n\n## Reporting\n\n{REPORTING}\n"


@pytest.fixture
def shared(make_member: Any, acme: Organisation, globex: Organisation) -> dict[str, Any]:
    """A coalition-wide, published principles text of Acme's; Globex's contributor reads it."""
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    contributor = make_member(globex, Role.CONTRIBUTOR, email="gina@globex.example", name="Gina Globex")
    document = library.create_document(
        acting_user=editor,
        owner=acme,
        title="Shared principles",
        kind=Document.Kind.PRINCIPLES,
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    drafting.publish(acting_user=editor, document=document)
    return {"editor": editor, "contributor": contributor, "document": document}


def _select(page: Page, paragraph_text: str, passage: str) -> None:
    """Select `passage` inside the paragraph of the text that holds it, as a drag would."""
    page.evaluate(
        """([paragraphText, passage]) => {
          const paragraphs = [...document.querySelectorAll(".draft .document-body p")];
          const p = paragraphs.find(e => e.textContent === paragraphText);
          const text = p.firstChild;
          const start = text.textContent.indexOf(passage);
          const range = document.createRange();
          range.setStart(text, start);
          range.setEnd(text, start + passage.length);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }""",
        [paragraph_text, passage],
    )


def _accept_in_margin(page: Page, document: Document, proposal: Proposal) -> None:
    page.goto(f"/library/{document.pk}/")
    note = page.locator(f"#proposal-{proposal.pk}")
    notes = page.locator("details[data-margin-notes]").filter(has=note)
    if notes.get_attribute("open") is None:  # a closed marker (no script, or a narrow screen)
        notes.locator("summary").first.click()
    expect(note.locator(".rendered-diff ins")).to_have_text("12")
    expect(note.locator(".rendered-diff del")).to_have_text("24")
    note.locator("summary", has_text="Decide").click()
    note.get_by_label("Accept: put the suggested text in").check()
    note.get_by_label("Response to the proposer").fill("Agreed: twelve hours it is.")
    note.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("The proposal was accepted; its author is notified.")).to_be_visible()
    expect(page.locator(".draft .document-body").get_by_text("within 12 hours")).to_be_visible()


def _rendered_diff_shows_it(page: Page, document: Document, proposal: Proposal) -> None:
    page.goto(f"/library/{document.pk}/proposals/{proposal.pk}/")
    formatted = page.get_by_role("figure", name="Proposed change, formatted")
    expect(formatted.locator("ins")).to_have_text("12")
    expect(formatted.locator("del")).to_have_text("24")
    expect(formatted.locator("p")).to_contain_text("within")
    page.goto(f"/library/{document.pk}/compare/?from=1&to=2")
    compared = page.get_by_role("figure", name="Changes from revision 1 to 2, formatted")
    expect(compared.locator("ins")).to_have_text("12")
    expect(compared.locator("h2", has_text="Reporting")).to_be_visible()


def test_suggesting_in_the_margin_and_accepting_it_there(new_page: Callable[[], Page], shared: dict[str, Any]):
    document = shared["document"]
    page = new_page()
    sign_in(page, shared["contributor"].email, PASSWORD)
    page.goto(f"/library/{document.pk}/")
    expect(page.get_by_text("0 open comment threads, 0 open suggestions")).to_be_visible()

    _select(page, REPORTING, "within 24 hours")
    bar = page.get_by_role("region", name="Selected text")
    bar.get_by_role("button", name="Propose a change").click()
    form = page.locator(".draft form[data-margin-form]")
    # Beside the paragraph it is about, with the passage ready to edit.
    expect(page.locator(".draft-row", has_text=REPORTING).locator("form[data-margin-form]")).to_be_visible()
    replacement = form.get_by_label("Replace the selected text with")
    expect(replacement).to_be_focused()
    expect(replacement).to_have_value("within 24 hours")
    replacement.fill("within 12 hours")
    form.get_by_label("Why").fill("Hotlines ask for faster reports.")
    form.get_by_role("button", name="Suggest change").click()

    expect(page.get_by_text("Your proposal was submitted")).to_be_visible()
    proposal = Proposal.objects.get(document=document)
    assert (proposal.anchor, proposal.quote, proposal.original) == ("quote", "within 24 hours", "within 24 hours")
    assert proposal.replacement == "within 12 hours" and proposal.organisation.slug == "globex"
    expect(page.get_by_text("0 open comment threads, 1 open suggestion")).to_be_visible()
    expect(page.locator(f"#proposal-{proposal.pk}")).to_be_visible()  # opened on a wide screen
    # The proposer may not decide: no decision form in their margin.
    expect(page.locator(f"#proposal-{proposal.pk}").get_by_text("Decide")).to_have_count(0)

    owner = new_page()
    sign_in(owner, shared["editor"].email, PASSWORD)
    _accept_in_margin(owner, document, proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED and proposal.result_revision is not None
    _rendered_diff_shows_it(owner, document, proposal)


def test_the_same_without_javascript_through_the_existing_forms(
    browser: Browser, live_server: Any, shared: dict[str, Any]
):
    document = shared["document"]
    pages = []
    for _ in range(2):
        context = browser.new_context(
            base_url=live_server.url, locale="en-GB", timezone_id="UTC", java_script_enabled=False
        )
        context.set_default_timeout(TIMEOUT_MS)
        pages.append(context.new_page())
    proposer, owner = pages
    assert CHROMIUM_ARGS  # the same Chromium, only with scripts off

    sign_in(proposer, shared["contributor"].email, PASSWORD)
    proposer.goto(f"/library/{document.pk}/")
    expect(proposer.get_by_role("region", name="Selected text")).to_be_hidden()
    proposer.locator(".draft-hint").get_by_role("link", name="Propose a change").click()
    proposer.get_by_label("A quoted passage").check()
    proposer.get_by_label("Quoted passage:", exact=True).fill("within 24 hours")
    proposer.get_by_role("button", name="Show its current text").click()
    proposer.get_by_label("Your text").fill("within 12 hours")
    proposer.get_by_label("Why").fill("Hotlines ask for faster reports.")
    proposer.get_by_role("button", name="Submit proposal").click()
    expect(proposer.get_by_text("Your proposal was submitted")).to_be_visible()
    proposal = Proposal.objects.get(document=document)

    sign_in(owner, shared["editor"].email, PASSWORD)
    _accept_in_margin(owner, document, proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    _rendered_diff_shows_it(owner, document, proposal)
    for page in pages:
        page.context.close()


def test_replying_and_resolving_from_the_margin_without_javascript(
    browser: Browser, live_server: Any, shared: dict[str, Any]
):
    document = shared["document"]
    thread = drafting.add_comment(
        acting_user=shared["contributor"],
        document=document,
        body="Should this say which hotline?",
        anchor="quote",
        quote="to the hotline",
    )
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, shared["editor"].email, PASSWORD)
    page.goto(f"/library/{document.pk}/")
    row = page.locator(".draft-row", has_text=REPORTING)
    row.locator("summary", has_text="1 comment thread").click()
    note = row.locator(f"#comment-{thread.pk}")
    expect(note).to_contain_text("Should this say which hotline?")
    note.locator("summary", has_text="Reply").click()
    note.get_by_label("Your reply").fill("The national one; we will say so.")
    note.get_by_role("button", name="Reply").click()
    expect(page.get_by_text("Your reply was added.")).to_be_visible()
    expect(page.locator(f"#comment-{thread.pk}")).to_contain_text("The national one")
    page.locator(f"#comment-{thread.pk}").get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("The thread is resolved.")).to_be_visible()
    expect(page.locator(f"#comment-{thread.pk}")).to_have_count(0)
    thread.refresh_from_db()
    assert thread.is_resolved and Comment.objects.filter(parent=thread).count() == 1
    context.close()


def test_mentioning_someone_by_name_with_the_keyboard(new_page: Callable[[], Page], shared: dict[str, Any]):
    document = shared["document"]
    page = new_page()
    sign_in(page, shared["contributor"].email, PASSWORD)
    page.goto(f"/library/{document.pk}/")
    _select(page, SCOPE, "every service")
    page.get_by_role("region", name="Selected text").get_by_role("button", name="Comment on selection").click()
    box = page.locator(".draft form[data-margin-form]").get_by_label("Comment", exact=True)
    expect(box).to_be_focused()
    box.press_sequentially("Could @Ed")
    options = page.get_by_role("listbox", name="People who can read this revision").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Ed Editor")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id") or "")
    box.press("Enter")
    expect(box).to_have_value("Could @editor@acme.example ")
    box.press_sequentially("check this?")
    page.locator(".draft form[data-margin-form]").get_by_role("button", name="Comment").click()
    expect(page.get_by_text("Your comment was added.")).to_be_visible()
    comment = Comment.objects.get(document=document)
    assert [u.email for u in comment.mentions.all()] == ["editor@acme.example"]
    assert comment.quote == "every service"
