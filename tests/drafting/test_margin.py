"""The document page's margin: open threads and proposals beside the blocks of text they are about,
outdated ones marked, and reply, resolve and decide from there through the discussion's own views
(same services, rules and audit events), coming back to the text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from coalition.drafting import margin as margin_module
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, Proposal
from coalition.library.models import TLP, Audience
from tests.drafting.conftest import events_since, last_seq, save


def _page(client: Any, document: Any) -> str:
    response = client.get(reverse("library:detail", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _row_of(html: str, text: str) -> str:
    """The block of the text (and its margin) holding `text`."""
    rows = re.split(r'<div class="draft-row', html)
    found = [r for r in rows[1:] if text in r.split('<aside class="draft-margin"')[0]]
    assert found, f"no block holds {text!r}"
    return found[0]


def test_threads_and_proposals_sit_beside_what_they_are_about(client_for, make_document, acme_contributor):
    document = make_document()
    on_section = drafting.add_comment(
        acting_user=acme_contributor,
        document=document,
        body="Scope is too narrow.",
        anchor="section",
        section="doc-scope",
    )
    on_passage = drafting.add_comment(
        acting_user=acme_contributor, document=document, body="Which hotline?", anchor="quote", quote="to the hotline"
    )
    on_all = drafting.add_comment(acting_user=acme_contributor, document=document, body="Reads well overall.")
    proposal = drafting.propose(
        acting_user=acme_contributor,
        document=document,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Faster.",
    )
    html = _page(client_for(acme_contributor), document)
    assert "3 open comment threads, 1 open suggestion" in html
    scope = _row_of(html, ">Scope</h2>")
    assert f'id="comment-{on_section.pk}"' in scope
    reporting_text = _row_of(html, "Members report suspected abuse")
    assert f'id="comment-{on_passage.pk}"' in reporting_text
    assert f'id="proposal-{proposal.pk}"' in reporting_text
    assert "<del>24</del><ins>12</ins>" in reporting_text  # the suggestion, formatted
    first = _row_of(html, ">Principles</h1>")
    assert f'id="comment-{on_all.pk}"' in first
    assert "Outdated" not in html


def test_a_thread_whose_passage_is_gone_is_marked_outdated_below_the_text(
    client_for, make_document, acme_editor, acme_contributor
):
    document = make_document()
    thread = drafting.add_comment(
        acting_user=acme_contributor, document=document, body="Which hotline?", anchor="quote", quote="to the hotline"
    )
    kept = drafting.add_comment(
        acting_user=acme_contributor, document=document, body="Good scope.", anchor="section", section="doc-scope"
    )
    save(
        document, "# Principles\n\n## Scope\n\nNew words.\n\n## Reporting\n\nMembers report at once.\n", by=acme_editor
    )
    html = _page(client_for(acme_contributor), document)
    outdated = html.split('class="draft-outdated"')[1]
    assert f'id="comment-{thread.pk}"' in outdated
    assert "Outdated" in outdated
    assert f'id="comment-{kept.pk}"' in _row_of(html, ">Scope</h2>")
    assert f'id="comment-{kept.pk}"' not in outdated


def test_resolved_threads_and_decided_proposals_stay_in_the_discussion(
    client_for, make_document, acme_editor, acme_contributor
):
    document = make_document()
    thread = drafting.add_comment(acting_user=acme_contributor, document=document, body="Done already.")
    drafting.set_resolved(acting_user=acme_editor, comment=thread, resolved=True)
    proposal = drafting.propose(
        acting_user=acme_contributor,
        document=document,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Faster.",
    )
    drafting.decide_proposal(acting_user=acme_editor, proposal=proposal, outcome="reject", response="No.")
    html = _page(client_for(acme_contributor), document)
    assert "0 open comment threads, 0 open suggestions" in html
    assert "All of the discussion, with 1 resolved thread" in html
    assert f'id="comment-{thread.pk}"' not in html and f'id="proposal-{proposal.pk}"' not in html


def test_who_sees_which_forms(client_for, make_document, acme_editor, acme_contributor, acme_reader):
    document = make_document()
    thread = drafting.add_comment(acting_user=acme_contributor, document=document, body="A point.")
    proposal = drafting.propose(
        acting_user=acme_contributor,
        document=document,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Faster.",
    )
    decide = reverse("drafting:decide_proposal", args=[document.pk, proposal.pk])
    reply = reverse("drafting:reply", args=[document.pk, thread.pk])
    resolve = reverse("drafting:resolve", args=[document.pk, thread.pk])
    editor = _page(client_for(acme_editor), document)
    assert decide in editor and reply in editor and resolve in editor
    author = _page(client_for(acme_contributor), document)
    assert decide not in author and reply in author and resolve in author  # their own thread
    reader = _page(client_for(acme_reader), document)
    assert f'id="comment-{thread.pk}"' in reader  # reads the discussion...
    assert decide not in reader and reply not in reader and resolve not in reader  # ...takes no part
    assert 'id="margin-suggest-form"' not in reader and 'id="mention-config"' not in reader
    assert 'id="margin-suggest-form"' in author


def test_the_audience_sees_no_thread_about_a_draft(
    client_for, make_document, acme_editor, acme_contributor, globex_admin
):
    document = make_document(publish=True)
    save(document, "# Principles\n\nA draft in progress.\n", by=acme_editor)
    draft_thread = drafting.add_comment(acting_user=acme_contributor, document=document, body="On the draft.")
    html = _page(client_for(globex_admin), document)
    assert f'id="comment-{draft_thread.pk}"' not in html
    assert "0 open comment threads" in html
    assert "On the draft." not in html


def test_visitors_and_outsiders(client_for, make_document, acme_contributor, outsider):
    public = make_document(audience=Audience.PUBLIC, tlp=TLP.CLEAR, publish=True)
    drafting.add_comment(acting_user=acme_contributor, document=public, body="A member's remark.")
    visitor = _page(client_for(None), public)
    assert 'class="draft"' not in visitor and "A member&#x27;s remark." not in visitor
    assert '<article class="document-body">' in visitor
    private = make_document(audience=Audience.ORGANISATION)
    assert client_for(outsider).get(reverse("library:detail", args=[private.pk])).status_code == 404


def test_replying_from_the_margin_comes_back_to_the_text_with_the_same_audit(
    client_for, make_document, acme_editor, acme_contributor
):
    document = make_document()
    thread = drafting.add_comment(acting_user=acme_contributor, document=document, body="A point.")
    seq = last_seq()
    response = client_for(acme_editor).post(
        reverse("drafting:reply", args=[document.pk, thread.pk]), {"body": "Answered.", "return": "document"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("library:detail", args=[document.pk]) + f"#comment-{thread.pk}"
    assert Comment.objects.filter(parent=thread, body="Answered.").exists()
    assert [e.action for e in events_since(seq)] == ["comment.replied"]


def test_a_refused_reply_from_the_margin_saves_nothing_and_keeps_the_way_back(
    client_for, make_document, acme_editor, acme_contributor
):
    document = make_document()
    thread = drafting.add_comment(acting_user=acme_contributor, document=document, body="A point.")
    response = client_for(acme_editor).post(
        reverse("drafting:reply", args=[document.pk, thread.pk]),
        {"body": "Ask @nobody@nowhere.example", "return": "document"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "You can mention only people who can read this document" in html
    assert '<input type="hidden" name="return" value="document">' in html
    assert not Comment.objects.filter(parent=thread).exists()


def test_resolving_and_deciding_from_the_margin(client_for, make_document, acme_editor, acme_contributor):
    document = make_document()
    thread = drafting.add_comment(acting_user=acme_contributor, document=document, body="A point.")
    proposal = drafting.propose(
        acting_user=acme_contributor,
        document=document,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Faster.",
    )
    client = client_for(acme_editor)
    detail = reverse("library:detail", args=[document.pk])
    seq = last_seq()
    response = client.post(
        reverse("drafting:resolve", args=[document.pk, thread.pk]), {"resolved": "1", "return": "document"}
    )
    assert response["Location"] == detail + "#document-text"
    response = client.post(
        reverse("drafting:decide_proposal", args=[document.pk, proposal.pk]),
        {"outcome": "accept", "response": "Agreed.", "final_text": "", "return": "document"},
    )
    assert response["Location"] == detail + "#document-text"
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    actions = [e.action for e in events_since(seq)]
    assert "comment.resolved" in actions and "proposal.decided" in actions
    assert "within 12 hours" in _page(client, document)


def test_a_decision_without_a_response_is_refused_and_changes_nothing(
    client_for, make_document, acme_editor, acme_contributor
):
    document = make_document()
    proposal = drafting.propose(
        acting_user=acme_contributor,
        document=document,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Faster.",
    )
    response = client_for(acme_editor).post(
        reverse("drafting:decide_proposal", args=[document.pk, proposal.pk]),
        {"outcome": "accept", "response": "", "return": "document"},
    )
    assert response.status_code == 200
    assert "Write a response to the proposer." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.is_open


def test_suggesting_and_commenting_from_the_margin(client_for, make_document, acme_contributor):
    document = make_document()
    client = client_for(acme_contributor)
    detail = reverse("library:detail", args=[document.pk])
    response = client.post(
        reverse("drafting:propose", args=[document.pk]),
        {
            "return": "document",
            "revision": 1,
            "anchor": "quote",
            "section": "",
            "quote": "within 24 hours",
            "replacement": "within 12 hours",
            "rationale": "Faster.",
        },
    )
    proposal = Proposal.objects.get(document=document)
    assert response["Location"] == detail + f"#proposal-{proposal.pk}"
    response = client.post(
        reverse("drafting:add_comment", args=[document.pk]),
        {"return": "document", "revision": 1, "anchor": "quote", "quote": "to the hotline", "body": "Which?"},
    )
    comment = Comment.objects.get(document=document)
    assert response["Location"] == detail + f"#comment-{comment.pk}"
    # A passage that is not in the text: nothing saved, the message by the field.
    response = client.post(
        reverse("drafting:propose", args=[document.pk]),
        {
            "return": "document",
            "revision": 1,
            "anchor": "quote",
            "quote": "not in the text at all",
            "replacement": "x",
            "rationale": "y",
        },
    )
    assert response.status_code == 200
    assert Proposal.objects.filter(document=document).count() == 1


def test_the_margin_shows_a_bounded_number_of_threads(client_for, make_document, acme_contributor, monkeypatch):
    monkeypatch.setattr(margin_module, "MARGIN_THREADS", 2)
    document = make_document()
    for i in range(3):
        drafting.add_comment(acting_user=acme_contributor, document=document, body=f"Point {i}.")
    html = _page(client_for(acme_contributor), document)
    assert "3 open comment threads" in html
    assert "The margin shows the first 2 threads" in html
    assert "Point 0." in html and "Point 1." in html and "Point 2." not in html


@pytest.mark.parametrize("n", [3, 30])
def test_the_page_costs_the_same_queries_however_many_threads(
    client_for, make_document, acme_editor, acme_contributor, n, django_assert_max_num_queries
):
    document = make_document()
    for i in range(n):
        thread = drafting.add_comment(
            acting_user=acme_contributor, document=document, body=f"Point {i}.", anchor="section", section="doc-scope"
        )
        drafting.reply(acting_user=acme_editor, parent=thread, body="Noted.")
        drafting.propose(
            acting_user=acme_contributor,
            document=document,
            anchor="section",
            section="doc-reporting",
            replacement=f"## Reporting\n\nVersion {i}.\n",
            rationale="Better.",
        )
    client = client_for(acme_editor)
    _page(client, document)
    # Measured: 19 for 3 threads and proposals; 20 for 30, where the margin is full and counts the rest.
    with django_assert_max_num_queries(20):
        html = _page(client, document)
    assert html.count('class="margin-note margin-thread"') == n
