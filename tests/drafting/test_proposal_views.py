"""Change proposals through HTTP: choosing what to replace, proposing, reading the word diff,
deciding (accept, accept with changes, reject; always with a response) and withdrawing."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.models import Proposal
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document, Revision
from coalition.organisations.models import Role

BODY = """# Principles

## Scope

These principles apply to every service a member runs.

## Reporting

Members report suspected abuse to the hotline within 24 hours.
"""
REPORTING = "## Reporting\n\nMembers report suspected abuse to the hotline within 24 hours.\n"


@pytest.fixture
def doc(acme_editor: Any, acme: Any) -> Document:
    return library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Shared principles",
        kind=Document.Kind.PRINCIPLES,
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.AMBER,
    )


@pytest.fixture
def globex_contributor(make_member: Any, globex: Any) -> Any:
    return make_member(globex, Role.CONTRIBUTOR, email="contributor@globex.example", name="Gil Globex")


def _propose_url(document: Document) -> str:
    return f"/library/{document.pk}/proposals/new/"


def _proposal_url(proposal: Proposal, tail: str = "") -> str:
    return f"/library/{proposal.document_id}/proposals/{proposal.pk}/{tail}"


def _propose(client: Any, document: Document, **data: Any) -> Any:
    payload = {
        "anchor": "quote",
        "section": "",
        "quote": "within 24 hours",
        "revision": document.current_revision.number,
        "replacement": "within 12 hours",
        "rationale": "Urgent cases cannot wait a day.",
    }
    payload.update(data)
    return client.post(_propose_url(document), payload)


def _proposal(document: Document, author: Any, **data: Any) -> Proposal:
    fields = {"anchor": "quote", "quote": "within 24 hours", "replacement": "within 12 hours", "rationale": "Faster."}
    fields.update(data)
    return drafting.propose(acting_user=author, document=document, **fields)


def _decide(client: Any, proposal: Proposal, **data: Any) -> Any:
    payload = {"outcome": "accept", "response": "Agreed, thank you.", "final_text": ""}
    payload.update(data)
    return client.post(_proposal_url(proposal, "decide/"), payload)


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- Proposing ----------------------------------------------------------------------------------------


def test_contributor_chooses_a_section_and_edits_its_current_text(client_for, acme_contributor, doc):
    c = client_for(acme_contributor)
    start = c.get(_propose_url(doc))
    assert start.status_code == 200 and start.context["form"] is None
    assert 'value="doc-reporting"' in start.content.decode()
    # The first step already shows the revision's headings: its read is on the record too.
    [opened] = _events("document.proposal_form_viewed")
    assert opened.actor_id == acme_contributor.pk and opened.data == {"revision": 1}
    chosen = c.get(_propose_url(doc) + "?section=doc-reporting")
    assert chosen.status_code == 200
    assert chosen.context["original"] == REPORTING
    assert chosen.context["form"].initial["replacement"] == REPORTING
    html = chosen.content.decode()
    assert "Section “Reporting” in revision 1 now reads" in html
    assert html.count("TLP:AMBER") >= 2
    assert _events("document.proposal_form_viewed")


def test_a_quote_can_be_chosen_from_the_link_of_a_selection(client_for, acme_contributor, doc):
    chosen = client_for(acme_contributor).get(_propose_url(doc) + "?quote=hotline+within+24+hours")
    assert chosen.context["form"].initial == {
        "anchor": "quote",
        "section": "",
        "quote": "hotline within 24 hours",
        "revision": 1,
        "replacement": "hotline within 24 hours",
    }


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?section=doc-nowhere", "section", "Revision 1 has no such section."),
        ("?anchor=section", "section", "Choose the section to replace."),
        ("?quote=not+in+the+text", "quote", "Quote the passage exactly as it stands"),
        ("?quote=in", "quote", "appears"),
        ("?anchor=quote", "quote", "Paste the passage to replace."),
        ("?anchor=whole", "anchor", "Select a valid choice"),
    ],
)
def test_choosing_something_that_cannot_be_replaced_says_why(client_for, acme_contributor, doc, query, field, message):
    response = client_for(acme_contributor).get(_propose_url(doc) + query)
    assert response.status_code == 200 and response.context["form"] is None
    assert message in " ".join(response.context["target"].errors[field])


def test_contributor_proposes_and_lands_on_the_proposal(client_for, acme_contributor, doc):
    response = _propose(client_for(acme_contributor), doc)
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == _proposal_url(proposal)
    assert (proposal.original, proposal.replacement, proposal.author) == (
        "within 24 hours",
        "within 12 hours",
        acme_contributor,
    )
    assert proposal.organisation.slug == "acme" and proposal.revision.number == 1
    [event] = _events("proposal.made")
    assert event.data["proposal"] == proposal.pk


def test_a_section_proposal_replaces_the_whole_section(client_for, acme_contributor, doc):
    new_text = "## Reporting\n\nMembers report at once.\n"
    _propose(
        client_for(acme_contributor), doc, anchor="section", section="doc-reporting", quote="", replacement=new_text
    )
    proposal = Proposal.objects.get()
    assert proposal.section_title == "Reporting" and proposal.original == REPORTING


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"rationale": ""}, "rationale", "Say why you propose it."),
        ({"replacement": "within 24 hours"}, "replacement", "the same as the text it replaces"),
        ({"quote": "within 48 hours"}, "quote", "must appear word for word in revision 1"),
        ({"anchor": "section", "section": "doc-nowhere", "quote": ""}, "section", "has no section"),
        ({"anchor": "document"}, "anchor", "Select a valid choice"),
        ({"revision": "9"}, "revision", "There is no revision 9 you can see."),
    ],
)
def test_bad_proposals_are_refused_with_the_text_kept_and_nothing_saved(
    client_for, acme_contributor, doc, data, field, message
):
    payload = {"replacement": "within twelve careful hours"} | data
    response = _propose(client_for(acme_contributor), doc, **payload)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    assert message.replace("“", "&ldquo;") in html or message in html  # shown, even for hidden fields
    if "replacement" not in data:
        assert "within twelve careful hours" in html
    assert not Proposal.objects.exists() and not _events("proposal.made")


def test_readers_and_outsiders_cannot_propose(client_for, acme_reader, outsider, globex_admin, doc):
    for user in (acme_reader, outsider, globex_admin):
        c = client_for(user)
        assert c.get(_propose_url(doc)).status_code == 404
        assert _propose(c, doc).status_code == 404
    assert not Proposal.objects.exists()


def test_proposal_text_is_shown_as_text_not_markup(client_for, acme_contributor, acme_editor, doc):
    proposal = _proposal(
        doc, acme_contributor, replacement='<script>alert(1)</script><img src=x onerror="alert(2)">', rationale="<b>x"
    )
    html = client_for(acme_editor).get(_proposal_url(proposal)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>x" not in html
    assert "&lt;script&gt;" in html


# --- Reading a proposal -----------------------------------------------------------------------------------


def test_proposal_page_shows_the_word_diff_and_the_decide_form_to_editors(
    client_for, acme_contributor, acme_editor, doc
):
    proposal = _proposal(doc, acme_contributor)
    editor = client_for(acme_editor).get(_proposal_url(proposal))
    html = editor.content.decode()
    assert editor.status_code == 200
    assert "<del>24</del>" in html and "<ins>12</ins>" in html
    assert "Faster." in html and "Cora Contributor, Acme" in html
    assert f'action="{_proposal_url(proposal, "decide/")}"' in html
    author = client_for(acme_contributor).get(_proposal_url(proposal))
    assert author.context["form"] is None and author.context["can_withdraw"]
    assert "decide/" not in author.content.decode()
    assert _events("document.proposal_viewed")


def test_proposals_are_listed_on_the_discussion_page_with_anchors(client_for, acme_contributor, doc):
    proposal = _proposal(doc, acme_contributor)
    html = client_for(acme_contributor).get(f"/library/{doc.pk}/discussion/").content.decode()
    assert f'id="proposal-{proposal.pk}"' in html and _proposal_url(proposal) in html


def test_outsiders_and_other_documents_get_404_for_a_proposal(
    client_for, acme_contributor, acme_editor, outsider, acme, doc
):
    proposal = _proposal(doc, acme_contributor)
    assert client_for(outsider).get(_proposal_url(proposal)).status_code == 404
    other = library.create_document(acting_user=acme_editor, owner=acme, title="Other", body=BODY)
    assert client_for(acme_editor).get(f"/library/{other.pk}/proposals/{proposal.pk}/").status_code == 404
    assert client_for(acme_editor).get(f"/library/{doc.pk}/proposals/999999/").status_code == 404


def test_audience_only_readers_do_not_see_proposals_on_an_unpublished_revision(
    client_for, acme_contributor, acme_editor, globex_contributor, doc
):
    drafting.publish(acting_user=acme_editor, document=doc)
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nNew clause.\n", base_number=1)
    hidden = _proposal(doc, acme_contributor, quote="New clause.", replacement="Newer clause.")
    c = client_for(globex_contributor)
    assert c.get(_proposal_url(hidden)).status_code == 404
    assert _proposal_url(hidden) not in c.get(f"/library/{doc.pk}/discussion/").content.decode()
    # They propose against the published text they read.
    assert _propose(c, doc, revision=1).status_code == 302
    assert Proposal.objects.get(author=globex_contributor).revision.number == 1


# --- Deciding ------------------------------------------------------------------------------------------------


def test_accepting_makes_a_new_revision_crediting_the_proposer(
    client_for, globex_contributor, acme_editor, globex, doc
):
    library.grant(acting_user=acme_editor, document=doc, level="comment", organisation=globex)
    proposal = _proposal(doc, globex_contributor)
    response = _decide(client_for(acme_editor), proposal)
    assert response.status_code == 302 and response["Location"] == _proposal_url(proposal)
    proposal.refresh_from_db()
    doc.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED and proposal.response == "Agreed, thank you."
    assert proposal.result_revision == doc.current_revision and doc.current_revision.number == 2
    assert "within 12 hours" in doc.current_revision.body
    assert "Gil Globex (Globex)" in doc.current_revision.message
    [event] = _events("proposal.decided")
    assert event.data["outcome"] == "accepted"
    page = client_for(globex_contributor).get(_proposal_url(proposal)).content.decode()
    assert "Agreed, thank you." in page and f"/library/{doc.pk}/revisions/2/" in page


def test_accepting_with_changes_puts_in_the_editors_text(client_for, acme_contributor, acme_editor, doc):
    proposal = _proposal(doc, acme_contributor)
    _decide(
        client_for(acme_editor),
        proposal,
        outcome="accept_with_changes",
        final_text="within 6 hours",
        response="Even faster.",
    )
    proposal.refresh_from_db()
    doc.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED_WITH_CHANGES and proposal.final_text == "within 6 hours"
    assert "within 6 hours" in doc.current_revision.body
    html = client_for(acme_contributor).get(_proposal_url(proposal)).content.decode()
    assert "Changes the editors made" in html and "<ins>6</ins>" in html


def test_rejecting_leaves_the_text_alone(client_for, acme_contributor, acme_editor, doc):
    proposal = _proposal(doc, acme_contributor)
    _decide(client_for(acme_editor), proposal, outcome="reject", response="We keep 24 hours.")
    proposal.refresh_from_db()
    doc.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED and proposal.result_revision is None
    assert doc.current_revision.number == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"response": ""}, "response", "Write a response to the proposer."),
        ({"outcome": ""}, "outcome", "Choose accept, accept with changes, or reject."),
        ({"outcome": "maybe"}, "outcome", "Select a valid choice"),
        ({"outcome": "accept_with_changes", "final_text": "within 12 hours"}, "final_text", "choose “accept” instead"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(
    client_for, acme_contributor, acme_editor, doc, data, field, message
):
    proposal = _proposal(doc, acme_contributor)
    response = _decide(client_for(acme_editor), proposal, **({"response": "Typed response."} | data))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    if data.get("response") != "":
        assert "Typed response." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.is_open and not _events("proposal.decided")
    assert Revision.objects.filter(document=doc).count() == 1


def test_a_second_decision_is_refused_clearly(client_for, acme_contributor, acme_editor, doc):
    proposal = _proposal(doc, acme_contributor)
    c = client_for(acme_editor)
    _decide(c, proposal)
    response = _decide(c, proposal, outcome="reject", response="Changed my mind.")
    assert response.status_code == 200
    assert "This proposal was already accepted; it cannot be decided again." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED and proposal.response == "Agreed, thank you."
    assert len(_events("proposal.decided")) == 1


def test_accepting_when_the_text_no_longer_matches_is_refused(client_for, acme_contributor, acme_editor, doc):
    proposal = _proposal(doc, acme_contributor)
    drafting.save_revision(
        acting_user=acme_editor, document=doc, body=BODY.replace("24 hours", "one day"), base_number=1
    )
    response = _decide(client_for(acme_editor), proposal)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["outcome"])
    assert "The text this proposal replaces no longer appears in revision 2" in errors
    assert response.context["outdated"]
    proposal.refresh_from_db()
    assert proposal.is_open and Revision.objects.filter(document=doc).count() == 2


def test_only_owner_side_editors_decide(client_for, acme_contributor, acme_reader, globex_admin, doc):
    proposal = _proposal(doc, acme_contributor)
    for user in (acme_contributor, acme_reader, globex_admin):
        assert _decide(client_for(user), proposal).status_code == 404
    proposal.refresh_from_db()
    assert proposal.is_open


# --- Withdrawing --------------------------------------------------------------------------------------------


def test_author_withdraws_after_confirming(client_for, acme_contributor, doc):
    proposal = _proposal(doc, acme_contributor)
    c = client_for(acme_contributor)
    confirm = c.get(_proposal_url(proposal, "withdraw/"))
    assert confirm.status_code == 200
    assert "Withdraw your proposal on" in confirm.content.decode() and "TLP:AMBER" in confirm.content.decode()
    response = c.post(_proposal_url(proposal, "withdraw/"))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN and _events("proposal.withdrawn")
    assert c.get(_proposal_url(proposal, "withdraw/")).status_code == 404  # nothing left to withdraw


def test_nobody_else_withdraws_a_proposal(client_for, acme_contributor, acme_editor, outsider, doc):
    proposal = _proposal(doc, acme_contributor)
    for user in (acme_editor, outsider):
        assert client_for(user).post(_proposal_url(proposal, "withdraw/")).status_code == 404
    proposal.refresh_from_db()
    assert proposal.is_open
