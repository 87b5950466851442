"""The editor's rich-text mode, in Chromium (issue 10, "An editor for people who don't write
Markdown"): it stores the same Markdown as the textarea, so the server's render of a text before and
after a trip through the rich editor is the same, for every text of the demo library and every entry
of the XSS corpus; typing, the toolbar by keyboard, a document it cannot show faithfully, an edit
conflict, and the textarea without JavaScript."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from coalition.core.markdown import render
from coalition.library import services
from coalition.library.models import Document, Revision
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD
from tests.e2e.helpers import expect_status, sign_in

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parents[1] / "library" / "data" / "xss_payloads.json"
DEMO_PASSWORD = "coalition-demo-2026"
STORAGE_KEY = "coalition.editor.mode"

# Whitespace the browser does not show: runs of it count as one space outside <pre>, and none
# around block tags (the rich editor keeps a paragraph's line breaks, but "unchanged in meaning"
# should not hang on them).
BLOCK = "p|li|ul|ol|h[1-6]|blockquote|table|thead|tbody|tfoot|tr|th|td|div|hr|pre|dl|dt|dd|br"


def normalise(html: str) -> str:
    parts = re.split(r"(<pre[\s>][\s\S]*?</pre>)", html)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\s+", " ", parts[i])
        parts[i] = re.sub(rf"\s*(</?(?:{BLOCK})(?:\s[^>]*)?>)\s*", r"\1", parts[i])
    return "".join(parts).strip()


def same_meaning(before: str, after: str) -> bool:
    return normalise(render(before)) == normalise(render(after))


def round_trip(page: Page, texts: list[str]) -> list[dict[str, Any]]:
    """Each text loaded into the rich editor's document model and serialised back, in the page."""
    return page.evaluate("(texts) => texts.map((t) => window.CoalitionRichText.roundTrip(t))", texts)


def editor_refuses(page: Page, text: str) -> str | None:
    """The reason the page's editor gives for keeping `text` in Markdown mode (None: it opens it)."""
    return page.evaluate(
        """async (text) => {
          const editor = window.CoalitionRichText.editorFor(document.querySelector("[data-editor]"));
          const result = await editor.check(text);
          return result.doc ? null : result.reason;
        }""",
        text,
    )


def rich_mode(page: Page) -> None:
    page.get_by_role("button", name="Rich text").click()
    expect(page.get_by_role("textbox", name="Text (Markdown)")).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_be_hidden()


@pytest.fixture
def editor(make_member: Callable[..., Any], acme: Organisation) -> Any:
    return make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")


def test_every_demo_text_and_corpus_entry_means_the_same_after_the_rich_editor(
    new_page: Callable[[], Page], settings: Any
):
    settings.DEMO_DATA = True
    call_command("seed_demo", stdout=StringIO())
    demo = sorted(set(Revision.objects.values_list("body", flat=True)))
    corpus = [p["text"] for p in json.loads(CORPUS.read_text(encoding="utf-8"))["payloads"]]
    assert len(demo) > 100 and len(corpus) > 400

    page = new_page()
    sign_in(page, "owen@northwind.example", DEMO_PASSWORD)
    own = Document.objects.filter(owner__slug="northwind").order_by("pk").first()
    assert own is not None
    page.goto(f"/library/{own.pk}/edit/")
    expect(page.get_by_role("button", name="Rich text")).to_be_visible()

    # The demo library: every text opens in rich mode and comes back as it was, byte for byte.
    for text, result in zip(demo, round_trip(page, demo), strict=True):
        assert result["supported"], (text, result)
        assert result["markdown"].rstrip() == text.rstrip(), text
        assert same_meaning(text, result["markdown"])

    # The XSS corpus: raw HTML never opens in rich mode (the text stays as written); everything
    # else either means the same after the trip, or the editor's own check (the server's render
    # of both, through the preview) finds the difference and keeps it in Markdown mode.
    compared = refused_by_check = 0
    for text, result in zip(corpus, round_trip(page, corpus), strict=True):
        if not result["supported"]:
            assert result["reason"] == "html", (text, result)
            continue
        if same_meaning(text, result["markdown"]):
            compared += 1
            continue
        assert editor_refuses(page, text) == "construct", text
        refused_by_check += 1
    assert compared >= 80, compared
    assert refused_by_check <= 10, refused_by_check
    # And every text the editor opens from the corpus also opens in the page (the check agrees).
    for text in corpus[:40]:
        result = round_trip(page, [text])[0]
        if result["supported"] and same_meaning(text, result["markdown"]):
            assert editor_refuses(page, text) is None, text


def test_typing_a_heading_bold_text_and_a_table_in_rich_text_saves_the_markdown(
    new_page: Callable[[], Page], editor: Any, acme: Organisation
):
    document = services.create_document(acting_user=editor, owner=acme, title="Moderation guidance", body="")
    page = new_page()
    sign_in(page, editor.email, PASSWORD)
    page.goto(f"/library/{document.pk}/edit/")
    rich_mode(page)
    text = page.get_by_role("textbox", name="Text (Markdown)")
    text.click()
    page.keyboard.type("## Escalation")
    page.keyboard.press("Enter")
    page.keyboard.type("Moderators ")
    page.keyboard.press("Control+b")
    page.keyboard.type("always")
    page.keyboard.press("Control+b")
    page.keyboard.type(" escalate.")
    page.keyboard.press("Enter")
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Table").click()
    # The new table's first body cell: header cells are "Column"; the cursor goes to the end.
    cells = page.locator(".ProseMirror td")
    cells.nth(0).click()
    page.keyboard.type("Report")
    cells.nth(1).click()
    page.keyboard.type("Within 24 hours")
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Escalation")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("always")
    expect(preview.locator("td").first).to_have_text("Report")
    page.get_by_label("What changed?").fill("Escalation steps")
    page.get_by_role("button", name="Save").click()
    expect_status(page, "Saved")

    latest = document.revisions.order_by("-number").first()
    assert latest is not None
    # Browsers send a textarea's line ends as CRLF (the form is posted as ever).
    assert latest.body.replace("\r\n", "\n") == (
        "## Escalation\n\n"
        "Moderators **always** escalate.\n\n"
        "| Column | Column |\n| --- | --- |\n| Report | Within 24 hours |\n"
    )
    # The choice is remembered: the next editor page opens in rich text.
    page.goto(f"/library/{document.pk}/edit/")
    expect(page.get_by_role("textbox", name="Text (Markdown)")).to_be_visible()
    expect(page.get_by_role("button", name="Rich text")).to_have_attribute("aria-pressed", "true")


def test_the_toolbar_works_from_the_keyboard_alone(new_page: Callable[[], Page], editor: Any, acme: Organisation):
    document = services.create_document(acting_user=editor, owner=acme, title="Keyboard", body="Plain words.\n")
    page = new_page()
    sign_in(page, editor.email, PASSWORD)
    page.goto(f"/library/{document.pk}/edit/")
    # Tab to the mode switch and choose rich text with the keyboard.
    switch = page.get_by_role("button", name="Rich text")
    switch.focus()
    page.keyboard.press("Enter")
    text = page.get_by_role("textbox", name="Text (Markdown)")
    expect(text).to_be_visible()
    # The toolbar is one tab stop; arrows move inside it.
    toolbar = page.get_by_role("toolbar", name="Formatting")
    tab_stops = toolbar.locator("button[tabindex='0']")
    expect(tab_stops).to_have_count(1)
    text.focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Alt+F10")
    expect(toolbar.get_by_role("button", name="Heading")).to_be_focused()
    page.keyboard.press("ArrowRight")
    bold = toolbar.get_by_role("button", name="Bold")
    expect(bold).to_be_focused()
    expect(tab_stops).to_have_count(1)
    page.keyboard.press("Enter")
    expect(bold).to_have_attribute("aria-pressed", "true")
    # Escape goes back to the text, which now says the same in bold.
    bold.focus()
    page.keyboard.press("Escape")
    expect(text).to_be_focused()
    expect(page.locator("textarea[name=body]")).to_have_value("**Plain words.**\n")
    # A link through its dialog, by keyboard: an address that is not a link is refused.
    page.keyboard.press("End")
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Link")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Text to show").fill("the guide")
    dialog.get_by_label("Address").fill("javascript:alert(1)")
    page.keyboard.press("Enter")
    expect(dialog.get_by_text("Enter an address starting with https://")).to_be_visible()
    dialog.get_by_label("Address").fill("https://example.org/guide")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("textarea[name=body]")).to_have_value(
        "**Plain words.**[the guide](https://example.org/guide)\n"
    )
    expect(page.locator("#preview a")).to_have_attribute("href", "https://example.org/guide")


def test_a_document_with_raw_html_stays_in_markdown_mode_unchanged(
    new_page: Callable[[], Page], editor: Any, acme: Organisation
):
    body = "Intro.\n\n<details><summary>More</summary>Hidden</details>\n"
    document = services.create_document(acting_user=editor, owner=acme, title="Hand-written HTML", body=body)
    page = new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, editor.email, PASSWORD)
    page.evaluate(f"localStorage.setItem('{STORAGE_KEY}', 'rich')")
    page.goto(f"/library/{document.pk}/edit/")
    expect(page.get_by_role("status").filter(has_text="HTML written by hand")).to_be_visible()
    textarea = page.locator("textarea[name=body]")
    expect(textarea).to_be_visible()
    expect(textarea).to_have_value(body)
    expect(page.get_by_role("button", name="Markdown")).to_have_attribute("aria-pressed", "true")
    assert page.locator(".ProseMirror").count() == 0
    # Another document opens in rich text, with nothing blocked by the Content-Security-Policy.
    other = services.create_document(acting_user=editor, owner=acme, title="Plain", body="Just text.\n")
    page.goto(f"/library/{other.pk}/edit/")
    expect(page.get_by_role("textbox", name="Text (Markdown)")).to_contain_text("Just text.")
    assert violations == []


def test_an_edit_conflict_in_rich_text_keeps_what_was_typed(
    new_page: Callable[[], Page], editor: Any, acme: Organisation
):
    document = services.create_document(acting_user=editor, owner=acme, title="Contested", body="First text.\n")
    page = new_page()
    sign_in(page, editor.email, PASSWORD)
    page.goto(f"/library/{document.pk}/edit/")
    rich_mode(page)
    # Someone else saves while the page is open.
    services.save_revision(acting_user=editor, document=document, body="Their text.\n", base_number=1)
    text = page.get_by_role("textbox", name="Text (Markdown)")
    text.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" My addition.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Someone saved a newer version while you were editing")).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_have_value("First text. My addition.\n")
    assert document.revisions.count() == 2


def test_without_javascript_the_textarea_still_edits_the_text(
    browser: Any, live_server: Any, editor: Any, acme: Organisation
):
    document = services.create_document(acting_user=editor, owner=acme, title="No scripts", body="Old.\n")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, editor.email, PASSWORD)
        page.goto(f"/library/{document.pk}/edit/")
        expect(page.get_by_role("button", name="Rich text")).to_be_hidden()
        textarea = page.get_by_label("Text (Markdown)")
        expect(textarea).to_be_visible()
        textarea.fill("## New\n\nNew text.\n")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("h1")).to_contain_text("No scripts")
        saved = document.revisions.order_by("-number").values_list("body", flat=True).first()
        assert saved is not None and saved.replace("\r\n", "\n") == "## New\n\nNew text.\n"
    finally:
        context.close()
