"""A drafting round between two organisations, in Chromium: Acme drafts principles with Globex,
Globex comments and proposes a change, Acme takes it in, has the text reviewed, publishes it, and
both organisations' signatories ratify it with their authenticator apps until it is adopted."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, Endorsement, Proposal, Ratification
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import (
    at,
    confirm_second_factor,
    expect_status,
    sign_in,
    signed_in_long_ago,
    wait_for_totp_step_after,
)

pytestmark = pytest.mark.e2e

TITLE = "Shared principles on reporting abuse"
SCOPE = "These principles apply to every service a member runs."
PASSAGE = "Members report suspected abuse to the hotline within 24 hours."
REPLACEMENT = "Members report suspected abuse to the hotline within 24 hours, and at once where a child is at risk."
RATIONALE = "Urgent cases cannot wait a day."
COMMENT = "Should the scope cover partner services too?"
REPLY = "Yes: partners run services for members. We will add them in the next revision."
RESPONSE = "Agreed, thank you: urgent cases come first."


def _drag_select(page: Page, element: Locator) -> None:
    """Select an element's text with the mouse, from its first character to its last."""
    element.scroll_into_view_if_needed()
    left, top, right, bottom = element.evaluate(
        """(el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          const rects = range.getClientRects();
          const first = rects[0], last = rects[rects.length - 1];
          return [first.left + 1, first.top + first.height / 2, last.right - 1, last.top + last.height / 2];
        }"""
    )
    page.mouse.move(left, top)
    page.mouse.down()
    page.mouse.move(right, bottom, steps=5)
    page.mouse.up()


def _tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Document pages").get_by_role("link", name=name).click()


def test_two_organisations_draft_review_publish_and_ratify_principles(
    new_page: Callable[[], Page], make_member, acme: Organisation, globex: Organisation
):
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    admin = make_member(acme, Role.ADMIN, email="admin@acme.example", name="Ada Admin")
    admin_secret = enrol_totp(admin)
    contributor = make_member(globex, Role.CONTRIBUTOR, email="contributor@globex.example", name="Gina Globex")
    acme_signer = make_member(acme, Role.READER, signatory=True, email="signatory@acme.example", name="Sam Acme")
    acme_signer_secret = enrol_totp(acme_signer)
    globex_signer = make_member(
        globex, Role.READER, signatory=True, email="signatory@globex.example", name="Sol Globex"
    )
    globex_signer_secret = enrol_totp(globex_signer)

    # The signatories signed in earlier, each in their own browser, with password and app.
    acme_signer_page, globex_signer_page = new_page(), new_page()
    acme_signer_step = sign_in(acme_signer_page, acme_signer.email, PASSWORD, totp_secret=acme_signer_secret)
    globex_signer_step = sign_in(globex_signer_page, globex_signer.email, PASSWORD, totp_secret=globex_signer_secret)
    assert acme_signer_step is not None and globex_signer_step is not None

    # 1. Ed drafts the principles at Acme, with Globex as co-drafting organisation.
    ed = new_page()
    sign_in(ed, editor.email, PASSWORD)
    ed.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    ed.get_by_role("button", name="New document").click()
    expect(ed.get_by_role("heading", name="New document for Acme")).to_be_visible()
    ed.get_by_label("Title").fill(TITLE)
    ed.get_by_label("Kind").select_option(label="Principles")
    body = ed.get_by_label("Text (Markdown)")
    body.fill(f"## Scope\n\n{SCOPE}\n\n")
    body.press("Control+End")
    body.press_sequentially("Reporting")
    # The toolbar's buttons are named by their symbol ("H"); "Heading" is their title.
    ed.get_by_role("toolbar", name="Formatting").get_by_title("Heading").click()
    body.press("Control+End")
    body.press_sequentially(f"\n\n{PASSAGE}\n")
    expect(body).to_have_value(f"## Scope\n\n{SCOPE}\n\n## Reporting\n\n{PASSAGE}\n")
    preview = ed.locator("#preview")
    expect(preview.get_by_role("heading", name="Reporting")).to_be_visible()
    expect(preview.get_by_text(PASSAGE)).to_be_visible()
    ed.get_by_label("What changed?").fill("First draft")
    ed.get_by_label("TLP label").select_option(label="TLP:GREEN")
    ed.get_by_label("The whole coalition").check()
    ed.get_by_text("Co-drafting organisations", exact=True).click()
    ed.get_by_role("group", name="Co-drafting organisations").get_by_label("Globex").check()
    ed.get_by_role("button", name="Create document").click()
    expect_status(ed, f"“{TITLE}” was created.")
    expect(ed.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(ed.get_by_text("Principles · Acme · Draft · revision 1")).to_be_visible()
    expect(ed.locator(".document-body").get_by_role("heading", name="Scope")).to_be_visible()
    document = Document.objects.get(title=TITLE)
    assert (document.kind, document.audience, document.tlp) == (Document.Kind.PRINCIPLES, Audience.COALITION, TLP.GREEN)
    assert list(document.co_drafters.all()) == [globex]
    doc = f"/library/{document.pk}"

    # 2. Gina, at Globex, comments on the Scope section...
    gina = new_page()
    sign_in(gina, contributor.email, PASSWORD)
    gina.goto(f"{doc}/")
    expect(gina.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    _tab(gina, "Discussion")
    expect(gina).to_have_url(at(f"{doc}/discussion/"))
    expect(gina.get_by_text("No comments yet.")).to_be_visible()
    gina.get_by_label("Section", exact=True).check()
    gina.get_by_role("combobox", name="Section").select_option(label="\u2003Scope")
    gina.get_by_label("Comment:", exact=True).fill(COMMENT)
    gina.get_by_role("button", name="Comment", exact=True).click()
    expect_status(gina, "Your comment was added.")
    thread = gina.get_by_role("article").filter(has_text=COMMENT)
    expect(thread).to_contain_text("Section: Scope")
    expect(thread).to_contain_text("Gina Globex · Globex")

    # ...and, selecting the reporting passage in the text, proposes replacement text for it.
    gina.goto(f"{doc}/")
    _drag_select(gina, gina.locator(".document-body").get_by_text(PASSAGE))
    selected = gina.get_by_role("region", name="Selected text")
    expect(selected).to_be_visible()
    selected.get_by_role("button", name="Propose a change").click()
    # The form opens in the margin, beside the passage, with the passage to edit.
    suggestion = gina.locator(".draft form[data-margin-form]")
    expect(suggestion.get_by_label("Replace the selected text with")).to_have_value(PASSAGE)
    suggestion.get_by_label("Replace the selected text with").fill(REPLACEMENT)
    suggestion.get_by_label("Why").fill(RATIONALE)
    suggestion.get_by_role("button", name="Suggest change").click()
    expect_status(gina, "Your proposal was submitted; the document's editors will respond.")
    proposal = Proposal.objects.get(document=document)
    gina.locator(f"#proposal-{proposal.pk}").get_by_role("link", name="Open the suggestion").click()
    expect(gina.get_by_role("heading", name=re.compile(rf"^Proposal P{proposal.pk}: "))).to_be_visible()
    expect(gina.get_by_text("Open", exact=True)).to_be_visible()
    expect(gina.get_by_text(RATIONALE)).to_be_visible()

    # 3. Ed sees the comment, replies, and accepts the proposal with a response.
    ed.goto(f"{doc}/")
    _tab(ed, "Discussion")
    thread = ed.get_by_role("article").filter(has_text=COMMENT)
    expect(thread).to_contain_text("Gina Globex · Globex")
    thread.get_by_text("Reply to this thread").click()
    thread.get_by_label("Your reply").fill(REPLY)
    thread.get_by_role("button", name="Reply", exact=True).click()
    expect_status(ed, "Your reply was added.")
    expect(ed.get_by_role("list", name="Replies")).to_contain_text(REPLY)
    proposals = ed.get_by_role("region", name="Change proposals")
    row = proposals.get_by_role("row").filter(has_text="Gina Globex, Globex")
    expect(row).to_contain_text("Open")
    row.get_by_role("link", name=f"P{proposal.pk}").click()
    expect(ed).to_have_url(at(f"{doc}/proposals/{proposal.pk}/"))
    ed.get_by_label("Accept: put the proposed text in as it stands").check()
    ed.get_by_label("Response to the proposer").fill(RESPONSE)
    ed.get_by_role("button", name="Record decision").click()
    expect_status(ed, "The proposal was accepted; its author is notified.")
    expect(ed.get_by_text("It went into revision 2, crediting Gina Globex (Globex).")).to_be_visible()
    expect(ed.get_by_text(RESPONSE)).to_be_visible()

    # The new revision has Gina's text, and its history credits her and Globex.
    ed.goto(f"{doc}/")
    expect(ed.locator(".draft")).to_contain_text(REPLACEMENT)
    ed.get_by_role("button", name="History").click()
    history = ed.get_by_role("table")
    expect(history.get_by_role("row").filter(has_text="2 (current)")).to_contain_text(
        f"Accepted proposal #{proposal.pk} by Gina Globex (Globex)"
    )

    # 4. Ed sets a legal review by Acme's admins and asks for it.
    ed.goto(f"{doc}/")
    _tab(ed, "Review")
    expect(ed.get_by_role("heading", name=f"Review of “{TITLE}”")).to_be_visible()
    ed.get_by_role("button", name="Add review steps").click()
    ed.get_by_label("Step name").fill("Legal review")
    ed.get_by_label("Organisation:", exact=True).select_option(label="Acme")
    ed.get_by_label("Role:", exact=True).select_option(label="Admin")
    ed.get_by_role("button", name="Save steps").click()
    expect_status(ed, "Review steps saved (1 step).")
    expect(ed.get_by_role("region", name="Review steps")).to_contain_text("Legal review: admins at Acme")
    ed.get_by_role("button", name="Ask for review of revision 2").click()
    expect_status(ed, "Review requested: the first step's reviewers have been told.")
    expect(ed.get_by_text("Now at step 1 of 1, “Legal review”.")).to_be_visible()
    expect(ed.get_by_role("button", name="Publish revision 2")).to_be_disabled()

    # Ada, Acme's admin, signs in with her app and approves.
    ada = new_page()
    sign_in(ada, admin.email, PASSWORD, totp_secret=admin_secret)
    ada.goto(f"{doc}/review/")
    ada.get_by_role("radio", name="Approve").check()
    ada.get_by_role("button", name="Submit decision").click()
    expect_status(ada, "You approved step “Legal review”.")
    expect(ada.get_by_text("Every step has approved revision 2: it can be published.")).to_be_visible()

    # 5. Ed publishes revision 2 and opens its ratification (quorum 2 of the 2 member organisations).
    ed.reload()
    ed.get_by_role("button", name="Publish revision 2").click()
    expect(ed.get_by_role("heading", name="Publish revision 2 of")).to_be_visible()  # asked first
    ed.get_by_role("button", name="Publish revision 2").click()
    expect_status(ed, "Revision 2 is published: its audience reads it now.")
    expect(ed.get_by_role("region", name="What readers see")).to_contain_text("Revision 2 is published (")
    _tab(ed, "Ratification")
    quorum = ed.get_by_label("Quorum (organisations whose endorsement adopts it)")
    expect(quorum).to_have_value("2")
    ed.get_by_role("button", name="Open ratification").click()
    expect(ed.get_by_role("heading", name="Open ratification of revision 2")).to_be_visible()  # asked first
    ed.get_by_role("button", name="Open ratification").click()
    expect_status(ed, "Ratification of revision 2 is open")
    current = ed.get_by_role("region", name="Current ratification")
    expect(current).to_contain_text("Quorum: 2 of 2 organisations needed · 0 endorsed, 2 more needed")

    # 6. Each signatory endorses for their organisation; signed in long ago, each confirms it is
    # them with a fresh code from their app (not the one used to sign in).
    wait_for_totp_step_after(max(acme_signer_step, globex_signer_step))
    for page, secret, organisation, endorsed in (
        (acme_signer_page, acme_signer_secret, "Acme", "1 endorsed, 1 more needed"),
        (globex_signer_page, globex_signer_secret, "Globex", None),
    ):
        signed_in_long_ago(page)
        page.goto(f"{doc}/ratification/")
        page.get_by_role("button", name=f"Endorse or decline for {organisation}").click()
        expect(page.get_by_text(f"On behalf of {organisation}")).to_be_visible()
        page.get_by_role("radio", name="Endorse").check()
        page.get_by_role("button", name="Submit decision").click()
        confirm_second_factor(page, secret)
        expect(page).to_have_url(at(f"{doc}/ratification/decide/"))
        expect_status(page, "Your decision is as you left it: submit it to record it.")
        expect(page.get_by_role("radio", name="Endorse")).to_be_checked()
        page.get_by_role("button", name="Submit decision").click()
        expect_status(page, f"{organisation} has endorsed revision 2.")
        if endorsed:
            expect(page.get_by_role("region", name="Current ratification")).to_contain_text(endorsed)

    # 7. Revision 2 is adopted, endorsed by both organisations.
    ed.reload()
    expect(ed.get_by_role("status").filter(has_text=re.compile(r"Adopted on .*: revision 2\."))).to_be_visible()
    expect(ed.get_by_text("Revision 2 is adopted. Publish a new revision to ratify it again.")).to_be_visible()
    versions = ed.get_by_role("region", name="Which version each organisation endorsed")
    expect(versions.get_by_role("row").filter(has_text="Acme")).to_contain_text("Revision 2 (adopted)")
    expect(versions.get_by_role("row").filter(has_text="Acme")).to_contain_text("Sam Acme")
    expect(versions.get_by_role("row").filter(has_text="Globex")).to_contain_text("Revision 2 (adopted)")
    expect(versions.get_by_role("row").filter(has_text="Globex")).to_contain_text("Sol Globex")
    record = ed.get_by_role("region", name="Earlier ratifications").get_by_role("group")
    expect(record).to_contain_text("Revision 2 · Adopted")
    expect(record).to_contain_text("Quorum: 2 of 2 organisations needed · 2 endorsed")
    for organisation, signatory in (("Acme", "Sam Acme"), ("Globex", "Sol Globex")):
        decision = record.get_by_role("row").filter(has_text=organisation)
        expect(decision).to_contain_text("Endorsed")
        expect(decision).to_contain_text(signatory)
    # The record of adoption is public only for public documents: this one is for the coalition.
    expect(ed.get_by_role("link", name="Public record of adoption")).to_have_count(0)
    anonymous = new_page()
    anonymous.goto(f"{doc}/adopted/")
    expect(anonymous.get_by_role("heading", name="Sign in to open this")).to_be_visible()

    # The database agrees, and every step left its audit event.
    ratification = Ratification.objects.get(document=document)
    assert ratification.state == Ratification.State.ADOPTED and ratification.quorum == 2
    assert ratification.revision.number == 2
    endorsements = Endorsement.objects.filter(ratification=ratification, decision=Endorsement.Decision.ENDORSE)
    assert sorted((e.organisation.name, e.signatory.email, e.revision.number) for e in endorsements) == [
        ("Acme", acme_signer.email, 2),
        ("Globex", globex_signer.email, 2),
    ]
    document.refresh_from_db()
    published = document.published_revision
    assert document.status == Document.Status.PUBLISHED and published is not None and published.number == 2
    assert REPLACEMENT in published.body and published == ratification.revision
    assert Comment.objects.filter(document=document, organisation=globex, parent=None).count() == 1
    assert Comment.objects.filter(document=document, organisation=acme, parent__isnull=False).count() == 1
    events = list(
        AuditEvent.objects.filter(target_type="library.document", target_id=str(document.pk)).values_list(
            "action", flat=True
        )
    )
    for action in (
        "comment.added",
        "comment.replied",
        "proposal.made",
        "proposal.decided",
        "review.steps_set",
        "review.requested",
        "review.decided",
        "document.published",
        "ratification.opened",
        "ratification.adopted",
    ):
        assert action in events, (action, events)
    assert events.count("ratification.endorsed") == 2


def test_anyone_reads_which_organisations_adopted_public_principles(
    new_page: Callable[[], Page], make_member, acme: Organisation, globex: Organisation
):
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    signers = {
        org: make_member(org, Role.READER, signatory=True, email=f"signatory@{org.slug}.example")
        for org in (acme, globex)
    }
    document = library.create_document(
        acting_user=editor,
        owner=acme,
        title=TITLE,
        kind=Document.Kind.PRINCIPLES,
        body=f"## Scope\n\n{SCOPE}\n",
        audience=Audience.PUBLIC,
        tlp=TLP.CLEAR,
    )
    drafting.publish(acting_user=editor, document=document)
    document.refresh_from_db()
    ratification = drafting.open_ratification(acting_user=editor, document=document)
    assert ratification.quorum == 2  # a majority of the two member organisations
    for org, signer in signers.items():
        drafting.endorse(
            acting_user=signer, ratification=ratification, organisation=org, decision="endorse", mfa_confirmed=True
        )

    # Signed in, Ed finds the link to the public record on the ratification page.
    ed = new_page()
    sign_in(ed, editor.email, PASSWORD)
    ed.goto(f"/library/{document.pk}/ratification/")
    ed.get_by_role("link", name="Public record of adoption").click()
    expect(ed).to_have_url(at(f"/library/{document.pk}/adopted/"))

    # Anyone, without signing in, reads it.
    page = new_page()
    page.goto(f"/library/{document.pk}/adopted/")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("Adopted by the coalition's member organisations")).to_be_visible()
    expect(page.get_by_role("note", name="Traffic Light Protocol label").first).to_have_text("TLP:CLEAR")
    adopted = page.get_by_role("region", name=re.compile(r"^Revision 1, adopted on "))
    expect(adopted).to_contain_text("Endorsed by 2 organisations:")
    expect(adopted.get_by_role("listitem")).to_have_text(["Acme", "Globex"])
    expect(page.get_by_text(SCOPE)).to_have_count(0)  # the record, not the text
