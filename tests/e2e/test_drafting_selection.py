"""Selecting text of a document to comment on it or propose a change, in Chromium: the way people
select (dragging, triple-clicking a paragraph) must all offer the bar."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

FIRST = "These principles apply to every service a member runs."
LAST = "Members report suspected abuse to the hotline within 24 hours."


def test_triple_clicking_the_last_paragraph_offers_to_comment_on_it(
    new_page: Callable[[], Page], make_member, acme: Organisation
):
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    document = library.create_document(
        acting_user=editor,
        owner=acme,
        title="Shared principles",
        kind=Document.Kind.PRINCIPLES,
        body=f"## Scope\n\n{FIRST}\n\n## Reporting\n\n{LAST}\n",
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    page = new_page()
    sign_in(page, editor.email, PASSWORD)
    page.goto(f"/library/{document.pk}/")
    bar = page.get_by_role("region", name="Selected text")

    # Chromium ends a triple-click selection of the text's last paragraph at the start of the next
    # element on the page, outside the text: it is still a selection of that paragraph.
    page.locator(".document-body").get_by_text(LAST).click(click_count=3)
    expect(bar).to_be_visible()
    expect(bar.get_by_role("button", name="Propose a change")).to_have_attribute(
        "href", f"/library/{document.pk}/proposals/new/?quote={quote(LAST, safe='')}"
    )
    # On the document page the comment form opens in the margin, beside the passage.
    bar.get_by_role("button", name="Comment on selection").click()
    expect(page.locator(".draft form[data-margin-form]").get_by_label("Quoted passage", exact=True)).to_have_value(LAST)

    # A selection running on past the text (into the page around it) is not offered.
    page.goto(f"/library/{document.pk}/")
    page.evaluate(
        """(last) => {
          const paragraph = [...document.querySelectorAll(".document-body p")].find(p => p.textContent === last);
          const heading = [...document.querySelectorAll("h2")].find(h => h.textContent.trim() === "Attachments");
          const range = document.createRange();
          range.setStart(paragraph.firstChild, 0);
          range.setEnd(heading, heading.childNodes.length);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }""",
        LAST,
    )
    expect(bar).to_be_hidden()
