"""Search in Chromium: a member presses "/" on any page, types a word of a document's body and
opens the result; a reader of another organisation finds nothing of what is not shared with them,
saves the search and is told in the inbox once a matching document reaches them; a visitor finds
public material from the header and nothing else, and a principle by its code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e


def test_members_and_visitors_search_from_the_header(
    new_page: Callable[[], Page], make_member, make_org, acme: Organisation, globex: Organisation
):
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    globex_reader = make_member(globex, Role.READER, email="reader@globex.example", name="Gus Globex")
    services.create_document(
        acting_user=editor,
        owner=acme,
        title="Escalation playbook",
        body="# Steps\n\nCall the duty officer when a report mentions a quokka.",
        tlp=TLP.AMBER,
    )
    public = services.create_document(
        acting_user=editor,
        owner=acme,
        title="Public reporting guide",
        body="Report a quokka sighting to the hotline.",
        tlp=TLP.CLEAR,
        audience=Audience.PUBLIC,
    )
    workflow.publish(acting_user=editor, document=public)

    # The editor, on the library page, presses "/" and types a word of the body.
    ed = new_page()
    sign_in(ed, editor.email, PASSWORD)
    ed.goto("/library/")
    ed.keyboard.press("/")
    expect(ed.locator("#header-search")).to_be_focused()
    ed.keyboard.type("quokka")
    ed.keyboard.press("Enter")
    results = ed.locator("ol.search-results")
    expect(results.get_by_role("link")).to_have_count(2)
    expect(results.locator("mark").first).to_have_text("quokka")
    # Newest change first: the public guide, written last, leads.
    ed.get_by_label("Sort").select_option("newest")
    expect(ed).to_have_url(re.compile(r"sort=newest"))
    expect(results.get_by_role("link").first).to_have_text("Public reporting guide")
    ed.get_by_role("link", name="Escalation playbook").click()
    expect(ed.get_by_role("heading", name="Escalation playbook", level=1)).to_be_visible()
    # While typing a word of a title, the header offers the document (the word completed).
    ed.locator("#header-search").click()
    ed.keyboard.type("escal")
    ed.locator("#search-suggestions").get_by_role("link", name="Escalation playbook").click()
    expect(ed.get_by_role("heading", name="Escalation playbook", level=1)).to_be_visible()

    # A reader at Globex finds only the public guide.
    gus = new_page()
    sign_in(gus, globex_reader.email, PASSWORD)
    gus.locator("#header-search").fill("quokka")
    gus.locator("#header-search").press("Enter")
    expect(gus.locator("ol.search-results").get_by_role("link")).to_have_count(1)
    expect(gus.get_by_text("Escalation playbook")).to_have_count(0)

    # Gus saves the search; once the playbook is published to the coalition, his inbox says so.
    gus.get_by_role("button", name="Save this search").click()
    expect(gus.get_by_role("heading", name="Saved searches", level=1)).to_be_visible()
    expect(gus.get_by_role("link", name="quokka")).to_be_visible()
    playbook = Document.objects.get(title="Escalation playbook")
    services.share(acting_user=editor, document=playbook, audience=Audience.COALITION)
    services.relabel(acting_user=editor, document=playbook, tlp=TLP.GREEN)
    workflow.publish(acting_user=editor, document=Document.objects.get(pk=playbook.pk))
    gus.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Inbox")).click()
    alert = gus.get_by_role("button", name=re.compile("found a new match for your saved search: “Escalation playbook”"))
    expect(alert).to_be_visible()
    alert.click()
    expect(gus.get_by_role("heading", name="Escalation playbook", level=1)).to_be_visible()

    # A visitor finds the public guide from the header, and is told what signing in adds.
    visitor = new_page()
    visitor.goto("/accounts/login/")
    visitor.locator("#header-search").fill("quokka")
    visitor.locator("#header-search").press("Enter")
    expect(visitor.locator("ol.search-results").get_by_role("link", name="Public reporting guide")).to_be_visible()
    expect(visitor.get_by_text("Escalation playbook")).to_have_count(0)
    visitor.locator("#search-page-q").fill("duty officer")
    visitor.locator("#search-page-q").press("Enter")
    expect(visitor.get_by_role("heading", name="Nothing you can read matches “duty officer”")).to_be_visible()

    # From the public home a misspelt word is corrected (from public text only) in a click.
    visitor.goto("/")
    box = visitor.get_by_label("Search what members have published")
    box.fill("quokak")
    box.press("Enter")
    visitor.get_by_role("link", name="quokka").click()
    expect(visitor.locator("ol.search-results").get_by_role("link", name="Public reporting guide")).to_be_visible()

    # What is said about a document is found too, and opens where it was said.
    from coalition.drafting import services as drafting

    comment = drafting.add_comment(
        acting_user=editor, document=Document.objects.get(pk=playbook.pk), body="What about numbats?"
    )
    ed.locator("#header-search").fill("numbats")
    ed.locator("#header-search").press("Enter")
    found = ed.locator("ol.search-results li")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Comment on")
    found.get_by_role("link", name="Escalation playbook").click()
    expect(ed).to_have_url(re.compile(rf"/library/{playbook.pk}/discussion/#comment-{comment.pk}$"))
    expect(ed.locator(f"#comment-{comment.pk}")).to_contain_text("What about numbats?")
    visitor.locator("#header-search").fill("numbats")
    visitor.locator("#header-search").press("Enter")
    expect(visitor.get_by_role("heading", name="Nothing you can read matches “numbats”")).to_be_visible()

    # A principle by its code, from the header: offered while typing, and found on Enter.
    visitor.goto("/")
    visitor.locator("#header-search").click()
    visitor.keyboard.type("P3")
    suggestion = visitor.locator("#search-suggestions").get_by_role("link", name=re.compile("P3 Grooming"))
    expect(suggestion).to_be_visible()
    visitor.locator("#header-search").press("Enter")
    principles = visitor.locator(
        "section.search-section", has=visitor.get_by_role("heading", name=re.compile("^Principles"))
    )
    expect(principles.get_by_role("link", name="P3 Grooming and preparatory activity")).to_be_visible()
    principles.get_by_role("link", name="P3 Grooming and preparatory activity").click()
    expect(visitor.get_by_role("heading", name="P3 · Grooming and preparatory activity", level=1)).to_be_visible()
    # And from the suggestion itself.
    visitor.locator("#header-search").click()
    visitor.keyboard.type("p3")
    visitor.locator("#search-suggestions").get_by_role("link", name=re.compile("P3 Grooming")).click()
    expect(visitor).to_have_url(re.compile(r"/principles/voluntary-principles/p/P3/$"))
