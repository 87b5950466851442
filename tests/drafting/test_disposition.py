"""The disposition table (comment resolution matrix): on a page and as CSV, for a revision range,
with the TLP label in the file, spreadsheet formulas defused, and every view and export audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.views import discussion as discussion_views
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Role

BODY = """# Principles

## Scope

These principles apply to every service a member runs.

## Reporting

Members report suspected abuse to the hotline within 24 hours.
"""


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


@pytest.fixture
def discussed(doc: Document, acme_editor: Any, globex_contributor: Any, globex: Any) -> Document:
    """Globex comments and proposes on revision 1; Acme answers, accepts (revision 2), and a later
    comment is made on revision 2."""
    library.grant(acting_user=acme_editor, document=doc, level="comment", organisation=globex)
    thread = drafting.add_comment(
        acting_user=globex_contributor, document=doc, body="Cover partners too?", anchor="section", section="doc-scope"
    )
    drafting.reply(acting_user=globex_contributor, parent=thread, body="Also observers.")
    drafting.reply(acting_user=acme_editor, parent=thread, body="Done in revision 2.")
    drafting.set_resolved(acting_user=acme_editor, comment=thread, resolved=True)
    proposal = drafting.propose(
        acting_user=globex_contributor,
        document=doc,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Urgent cases cannot wait a day.",
    )
    drafting.decide_proposal(acting_user=acme_editor, proposal=proposal, outcome="accept", response="Agreed.")
    drafting.add_comment(acting_user=acme_editor, document=doc, body="Ready for review?")
    return doc


def _rows(response: Any) -> list[list[str]]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_disposition_page_lists_every_comment_and_proposal_with_response_and_outcome(
    client_for, globex_contributor, discussed
):
    response = client_for(globex_contributor).get(f"/library/{discussed.pk}/disposition/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.kind, r.revision, r.organisation, r.outcome) for r in rows] == [
        ("comment", 1, "Globex", "Resolved"),
        ("proposal", 1, "Globex", "Accepted"),
        ("comment", 2, "Acme", "Open"),
    ]
    thread, proposal, _ = rows
    assert (thread.clause, thread.text, thread.replies, thread.response) == (
        "Scope",
        "Cover partners too?",
        2,
        "Done in revision 2.",  # the owner organisation's reply, not the proposer's own follow-up
    )
    assert (proposal.clause, proposal.text, proposal.rationale, proposal.response) == (
        "“within 24 hours”",
        "within 12 hours",
        "Urgent cases cannot wait a day.",
        "Agreed.",
    )
    html = response.content.decode()
    assert html.count("TLP:AMBER") >= 2 and "Download as CSV" in html
    assert f"/library/{discussed.pk}/disposition.csv?from=1&amp;to=2" in html
    [event] = _events("document.disposition_viewed")
    assert event.actor_id == globex_contributor.pk and event.data["revisions"] == [1, 2]


def test_resolved_threads_without_an_owner_reply_say_resolved(client_for, acme_contributor, doc):
    thread = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Typo.")
    drafting.set_resolved(acting_user=acme_contributor, comment=thread, resolved=True)
    [row] = client_for(acme_contributor).get(f"/library/{doc.pk}/disposition/").context["rows"]
    assert (row.response, row.outcome) == ("Resolved", "Resolved")


def test_range_filter_keeps_to_the_revisions_asked_for(client_for, acme_editor, discussed):
    c = client_for(acme_editor)
    only_two = c.get(f"/library/{discussed.pk}/disposition/?from=2&to=2").context["rows"]
    assert [r.text for r in only_two] == ["Ready for review?"]
    swapped = c.get(f"/library/{discussed.pk}/disposition/?from=2&to=1").context
    assert swapped["chosen"] == (1, 2) and len(swapped["rows"]) == 3
    clamped = c.get(f"/library/{discussed.pk}/disposition/?from=-5&to=99&x=1").context
    assert clamped["chosen"] == (1, 2)
    junk = c.get(f"/library/{discussed.pk}/disposition/?from=abc&to=").context
    assert junk["chosen"] == (1, 2)


def test_csv_carries_the_tlp_label_first_and_last_and_a_watermark(client_for, acme_editor, discussed):
    response = client_for(acme_editor).get(f"/library/{discussed.pk}/disposition.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="disposition-{discussed.pk}-r1-r2.csv"'
    rows = _rows(response)
    assert rows[0] == ["TLP:AMBER"] and rows[-1] == ["TLP:AMBER"]
    assert rows[1] == rows[-2]  # the watermark, second and second to last
    assert rows[2] == [
        "#",
        "Clause",
        "Revision",
        "Proposing organisation",
        "Author",
        "Text",
        "Replies",
        "Response",
        "Outcome",
        "Date",
    ]
    body = rows[3:-3]
    assert [r[3] for r in body] == ["Globex", "Globex", "Acme"]
    assert body[1][5] == "within 12 hours\n\nRationale: Urgent cases cannot wait a day."
    assert body[1][7:9] == ["Agreed.", "Accepted"]
    assert body[0][6] == "2" and body[1][6] == ""
    watermark = rows[-2][0]
    [event] = _events("document.disposition_exported")
    assert "Ed Editor <editor@acme.example> (Acme)" in watermark and event.data["export"] in watermark
    assert event.data["label"] == "TLP:AMBER"
    assert event.data["revisions"] == [1, 2] and event.data["rows"] == 3


def test_csv_range_is_in_the_filename_and_the_rows(client_for, acme_editor, discussed):
    response = client_for(acme_editor).get(f"/library/{discussed.pk}/disposition.csv?from=2&to=2")
    assert response["Content-Disposition"] == f'attachment; filename="disposition-{discussed.pk}-r2-r2.csv"'
    assert [r[5] for r in _rows(response)[3:-3]] == ["Ready for review?"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_cells_cannot_become_spreadsheet_formulas(client_for, acme_contributor, doc, start):
    drafting.add_comment(acting_user=acme_contributor, document=doc, body=f'{start}HYPERLINK("https://evil.example")')
    row = _rows(client_for(acme_contributor).get(f"/library/{doc.pk}/disposition.csv"))[3]
    assert row[5] == f'\'{start}HYPERLINK("https://evil.example")'
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_names_chosen_by_members_cannot_become_formulas_either(client_for, make_member, acme, acme_editor, doc):
    sneaky = make_member(acme, Role.CONTRIBUTOR, email="sneaky@acme.example", name="=cmd|' /C calc'!A0")
    drafting.add_comment(acting_user=sneaky, document=doc, body="Harmless text.")
    row = _rows(client_for(acme_editor).get(f"/library/{doc.pk}/disposition.csv"))[3]
    assert row[4] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("value", "cell"),
    [("\tx", "'\tx"), ("\rx", "'\rx"), ("-1", "'-1"), ("plain", "plain"), (3, "3"), (None, "")],
)
def test_every_formula_start_is_defused(value, cell):
    assert discussion_views._cell(value) == cell


def test_red_label_appears_in_the_export(client_for, acme_editor, acme):
    red = library.create_document(acting_user=acme_editor, owner=acme, title="Red file", body=BODY, tlp=TLP.RED)
    # The export cap (coalition/access/exports.py) holds here too: TLP:RED only once Acme allows it.
    refused = client_for(acme_editor).get(f"/library/{red.pk}/disposition.csv")
    assert refused.status_code == 403 and "up to TLP:AMBER+STRICT" in refused.content.decode()
    assert not _events("document.disposition_exported")
    acme.export_cap = TLP.RED
    acme.save(update_fields=["export_cap"])
    rows = _rows(client_for(acme_editor).get(f"/library/{red.pk}/disposition.csv"))
    assert rows[0] == ["TLP:RED"] and rows[-1] == ["TLP:RED"]


def test_audience_only_readers_see_nothing_made_on_an_unpublished_revision(
    client_for, acme_editor, acme_contributor, globex_contributor, doc
):
    drafting.add_comment(acting_user=acme_contributor, document=doc, body="Before publication, revision 1.")
    drafting.publish(acting_user=acme_editor, document=doc)
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nMore.\n", base_number=1)
    drafting.add_comment(acting_user=acme_contributor, document=doc, body="Secret, on draft revision 2.")
    c = client_for(globex_contributor)
    page = c.get(f"/library/{doc.pk}/disposition/?from=1&to=2")
    assert page.context["chosen"] == (1, 1) and page.context["numbers"] == [1]
    assert 'value="2"' not in page.content.decode()  # not even the number of the draft
    assert [r.text for r in page.context["rows"]] == ["Before publication, revision 1."]
    assert "Secret" not in page.content.decode()
    export = c.get(f"/library/{doc.pk}/disposition.csv?to=2")
    assert "Secret" not in export.content.decode()
    assert 'filename="disposition-' + str(doc.pk) + '-r1-r1.csv"' in export["Content-Disposition"]
    drafter = client_for(acme_contributor).get(f"/library/{doc.pk}/disposition/").context["rows"]
    assert len(drafter) == 2


def test_readers_may_see_the_table_outsiders_get_404(
    client_for, acme_reader, outsider, globex_admin, client, discussed
):
    assert client_for(acme_reader).get(f"/library/{discussed.pk}/disposition/").status_code == 200
    assert client_for(acme_reader).get(f"/library/{discussed.pk}/disposition.csv").status_code == 200
    private = library.create_document(
        acting_user=discussed.created_by, owner=discussed.owner, title="Internal", body=BODY
    )
    for user in (outsider, globex_admin):
        assert client_for(user).get(f"/library/{private.pk}/disposition/").status_code == 404
        assert client_for(user).get(f"/library/{private.pk}/disposition.csv").status_code == 404
    assert client_for(outsider).get(f"/library/{discussed.pk}/disposition.csv").status_code == 404
    assert client.get(f"/library/{discussed.pk}/disposition.csv").status_code == 302
    assert not _events("document.disposition_exported") or all(
        e.actor_id == acme_reader.pk for e in _events("document.disposition_exported")
    )


def test_empty_table_says_so(client_for, acme_editor, doc):
    response = client_for(acme_editor).get(f"/library/{doc.pk}/disposition/")
    assert "No comments or change proposals on these revisions." in response.content.decode()
    rows = _rows(client_for(acme_editor).get(f"/library/{doc.pk}/disposition.csv"))
    assert rows[0] == ["TLP:AMBER"] and rows[2][0] == "#" and len(rows) == 6


@pytest.mark.parametrize("n", [2, 20])
def test_disposition_queries_do_not_grow_with_rows(
    client_for, acme_contributor, acme_editor, doc, n, django_assert_max_num_queries
):
    for i in range(n):
        thread = drafting.add_comment(acting_user=acme_contributor, document=doc, body=f"Point {i}")
        drafting.reply(acting_user=acme_editor, parent=thread, body=f"Answer {i}")
        drafting.propose(
            acting_user=acme_contributor,
            document=doc,
            anchor="quote",
            quote="within 24 hours",
            replacement=f"within {i} hours",
            rationale="Faster.",
        )
    c = client_for(acme_editor)
    # measured: 21 for 2 or 20 threads and proposals (audit write included)
    with django_assert_max_num_queries(21):
        assert len(c.get(f"/library/{doc.pk}/disposition/").context["rows"]) == 2 * n
    with django_assert_max_num_queries(21):
        assert c.get(f"/library/{doc.pk}/disposition.csv").status_code == 200
