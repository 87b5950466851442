"""The rendered diff on the pages that compare texts: a proposal, the review page (what changed since
the last published revision) and compare; with its fallback when the texts are too long."""

from __future__ import annotations

from django.urls import reverse

from coalition.drafting import services as drafting
from coalition.library import rendered_diff
from tests.drafting.conftest import save


def _get(client, name, *args, **query) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return response.content.decode()


def _figure(html: str) -> str:
    start = html.index('<figure class="rendered-diff"')
    return html[start : html.index("</figure>", start)]


def test_a_proposal_shows_its_change_formatted_and_as_source(client_for, make_document, acme_contributor):
    document = make_document()
    proposal = drafting.propose(
        acting_user=acme_contributor,
        document=document,
        anchor="section",
        section="doc-reporting",
        replacement="## Reporting\n\nMembers report **confirmed** abuse to the hotline within 12 hours.\n",
        rationale="Faster.",
    )
    html = _get(client_for(acme_contributor), "drafting:proposal", document.pk, proposal.pk)
    figure = _figure(html)
    assert 'aria-label="Proposed change, formatted"' in figure
    assert "<h2>Reporting</h2>" in figure
    assert "<del>suspected</del><strong><ins>confirmed</ins></strong>" in figure
    assert "<del>24</del><ins>12</ins>" in figure
    assert "Markdown source" in html and "**confirmed**" in html  # the source diff, as text


def test_the_review_page_shows_what_changed_since_publication(client_for, make_document, acme_editor, globex_admin):
    document = make_document()
    client = client_for(acme_editor)
    html = _get(client, "drafting:review", document.pk)
    assert "Nothing has been published yet: all of revision 1 is new to readers." in html
    drafting.publish(acting_user=acme_editor, document=document)
    html = _get(client, "drafting:review", document.pk)
    assert "Revision 1 is the published text: nothing has changed since." in html
    save(document, document.current_revision.body.replace("24 hours", "12 hours"), by=acme_editor)
    html = _get(client, "drafting:review", document.pk)
    assert "What changed since publication (revision 1 → 2)" in html
    assert "<del>24</del><ins>12</ins>" in _figure(html)
    assert reverse("library:compare", args=[document.pk]) + "?from=1&amp;to=2" in html
    # Someone who reads only what was published learns nothing of the draft.
    reader = _get(client_for(globex_admin), "drafting:review", document.pk)
    assert "What changed since publication" not in reader and "12 hours" not in reader


def test_compare_shows_the_formatted_text_beside_the_source(client_for, make_document, acme_editor, monkeypatch):
    document = make_document()
    save(document, document.current_revision.body.replace("24 hours", "12 hours"), by=acme_editor)
    client = client_for(acme_editor)
    html = _get(client, "library:compare", document.pk, **{"from": 1, "to": 2})
    figure = _figure(html)
    assert 'aria-label="Changes from revision 1 to 2, formatted"' in figure
    assert "<del>24</del><ins>12</ins>" in figure and "<h2>Scope</h2>" in figure
    monkeypatch.setattr(rendered_diff, "RENDERED_DIFF_MAX_CHARS", 50)
    html = _get(client, "library:compare", document.pk, **{"from": 1, "to": 2})
    assert '<figure class="rendered-diff"' not in html
    assert "This text is too long to show formatted with its changes marked." in html
    assert '<div class="diff inline source"' in html  # the source comparison is still there
