"""The library, in Chromium, as issue "Library and access" asks: an Acme editor writes a document with
the live preview, shares it with Globex at TLP:AMBER, sees who can see it and why, attaches a file
and downloads it, revises the text and compares the revisions; a Globex reader finds and reads it
and is told why; a reader at a third organisation cannot find it anywhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from coalition.audit.models import AuditEvent
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD
from tests.e2e.helpers import at, expect_status, sign_in

pytestmark = pytest.mark.e2e

TITLE = "Hash-matching guidance for small platforms"
FIRST = "Small platforms should match uploads against shared hash lists."
SECOND = "Small platforms should match every upload against shared hash lists before publication."
ATTACHMENT = "Checklist for a first hash-matching deployment.\n"


def test_an_editor_shares_at_amber_with_one_organisation_and_a_third_cannot_find_it(
    new_page: Callable[[], Page], make_member, make_org, acme: Organisation, globex: Organisation, tmp_path: Path
):
    initech = make_org("Initech", slug="initech")
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    globex_reader = make_member(globex, Role.READER, email="reader@globex.example", name="Gus Globex")
    initech_reader = make_member(initech, Role.READER, email="reader@initech.example", name="Ivy Initech")

    # 1. Ed writes the document, watching the preview, and shares it with Globex at TLP:AMBER.
    ed = new_page()
    sign_in(ed, editor.email, PASSWORD)
    ed.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    ed.get_by_role("button", name="New document").click()
    ed.get_by_label("Title").fill(TITLE)
    ed.get_by_label("Kind").select_option(label="Guidance")
    body = ed.get_by_label("Text (Markdown)")
    body.fill("## Matching\n\n")
    body.press("Control+End")
    body.press_sequentially(FIRST)
    preview = ed.locator("#preview")
    expect(preview.get_by_role("heading", name="Matching")).to_be_visible()
    expect(preview.get_by_text(FIRST)).to_be_visible()
    ed.get_by_label("TLP label").select_option(label="TLP:AMBER")
    ed.get_by_label("Named organisations and communities", exact=True).check()
    ed.get_by_text("Named organisations and communities", exact=True).last.click()  # open the details
    ed.get_by_role("group", name="Organisations").get_by_label("Globex").check()
    ed.get_by_role("button", name="Create document").click()
    expect_status(ed, f"“{TITLE}” was created.")
    document = Document.objects.get(title=TITLE)
    assert (document.tlp, document.audience) == (TLP.AMBER, Audience.NAMED)
    assert list(document.audience_organisations.all()) == [globex]
    doc = f"/library/{document.pk}"
    # The label at the top and at the bottom of the page.
    labels = ed.get_by_role("note", name="Traffic Light Protocol label")
    expect(labels).to_have_count(2)
    expect(labels.first).to_have_text("TLP:AMBER")
    expect(labels.last).to_have_text("TLP:AMBER")

    # Published, so that its audience reads it (a draft stays with Acme).
    ed.get_by_role("navigation", name="Document pages").get_by_role("link", name="Review").click()
    ed.get_by_role("button", name="Publish revision 1").click()
    ed.get_by_role("button", name="Publish revision 1").click()  # the confirmation
    expect_status(ed, "published")
    ed.goto(f"{doc}/share/")
    who = ed.get_by_role("region", name="Who can see it")
    expect(who).to_contain_text("Acme (owner)")
    expect(who).to_contain_text("Globex")
    expect(who).not_to_contain_text("Initech")

    # 2. A file attached, then downloaded through the permission-checked view.
    ed.goto(f"{doc}/")
    upload = tmp_path / "checklist.txt"
    upload.write_text(ATTACHMENT)
    ed.get_by_label("Attach a file").set_input_files(str(upload))
    ed.get_by_role("button", name="Upload").click()
    expect_status(ed, "“checklist.txt” was attached.")
    with ed.expect_download() as download:
        ed.get_by_role("link", name="checklist.txt").click()
    assert download.value.suggested_filename == "checklist.txt"
    assert Path(download.value.path()).read_text() == ATTACHMENT

    # 3. A second revision, compared with the first.
    ed.get_by_role("button", name="Edit").click()
    ed.get_by_label("Text (Markdown)").fill(f"## Matching\n\n{SECOND}")
    expect(ed.locator("#preview").get_by_text(SECOND)).to_be_visible()
    ed.get_by_label("What changed?").fill("Every upload, before publication")
    ed.get_by_role("button", name="Save").click()
    expect_status(ed, "Saved.")
    ed.get_by_role("button", name="History").click()
    ed.get_by_role("button", name="Compare").click()
    expect(ed).to_have_url(re.compile(rf"{doc}/compare/\?"))
    expect(ed.get_by_role("heading", name="Revision 1 → 2")).to_be_visible()
    expect(ed.locator(".diff ins").filter(has_text="every")).to_have_count(1)  # the Markdown source
    expect(ed.locator(".rendered-diff ins").filter(has_text="every")).to_have_count(1)  # the formatted text
    ed.get_by_role("link", name="Show side by side").click()
    expect(ed.get_by_role("region", name="Revision 2").locator("ins").filter(has_text="publication")).to_be_visible()
    # Revision 2 is a draft until published; its audience still reads revision 1.
    ed.goto(f"{doc}/")
    expect(
        ed.get_by_role("note").filter(has_text="You read revision 2, a draft: readers see revision 1.")
    ).to_be_visible()
    ed.get_by_role("navigation", name="Document pages").get_by_role("link", name="Review").click()
    ed.get_by_role("button", name="Publish revision 2").click()
    ed.get_by_role("button", name="Publish revision 2").click()  # the confirmation
    expect_status(ed, "published")
    document.refresh_from_db()
    assert document.published_revision == document.current_revision and document.current_revision.number == 2
    # Who can see it, for its owner, under the text.
    ed.goto(f"{doc}/")
    expect(ed.get_by_role("region", name="Who can see this")).to_contain_text("Globex")
    expect(ed.get_by_role("region", name="Why you can see this")).to_contain_text("Editor at Acme")

    # 4. Gus at Globex finds it in the library, reads the new text and is told why.
    gus = new_page()
    sign_in(gus, globex_reader.email, PASSWORD)
    gus.goto("/library/")
    # The filters open from a panel and apply as soon as one changes; a column heading sorts.
    gus.get_by_text("Filters", exact=True).click()
    with gus.expect_navigation():
        gus.get_by_label("Kind").select_option(label="Guidance")
    expect(gus).to_have_url(re.compile(r"[?&]kind=guidance"))
    expect(gus.get_by_role("status")).to_contain_text("of 1 document")
    with gus.expect_navigation():
        gus.get_by_role("columnheader", name="Title").get_by_role("link").click()
    expect(gus).to_have_url(re.compile(r"[?&]sort=title"))
    expect(gus.get_by_role("columnheader", name="Title")).to_have_attribute("aria-sort", "ascending")
    gus.get_by_role("link", name=TITLE).click()
    expect(gus).to_have_url(at(f"{doc}/"))
    expect(gus.locator(".document-body").get_by_text(SECOND)).to_be_visible()
    expect(gus.get_by_role("region", name="Why you can see this")).to_contain_text("Shared with Globex")
    expect(gus.get_by_role("button", name="Share and label")).to_have_count(0)
    expect(gus.get_by_role("button", name="Edit")).to_have_count(0)
    assert AuditEvent.objects.filter(actor_id=globex_reader.pk, action="document.viewed").count() == 1

    # 5. Ivy at Initech: not in the library, not under a filter, and its pages are "not found".
    ivy = new_page()
    sign_in(ivy, initech_reader.email, PASSWORD)
    ivy.goto("/library/")
    expect(ivy.get_by_role("heading", name="Library", level=1)).to_be_visible()
    expect(ivy.get_by_role("link", name=TITLE)).to_have_count(0)
    ivy.goto("/library/?tlp=amber&owner=acme&kind=guidance")
    expect(ivy.get_by_role("link", name=TITLE)).to_have_count(0)
    attachment = document.attachments.get()
    for path in (f"{doc}/", f"{doc}/history/", f"{doc}/attachments/{attachment.pk}/", f"{doc}/compare/?from=1&to=2"):
        response = ivy.request.get(path)
        assert response.status == 404, path
        assert TITLE not in response.text()
