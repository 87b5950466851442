"""Labelled exports of a document (Markdown and PDF): the label in capitals first and last (on every
page of a PDF), the watermark naming the recipient, their organisation, the time and the export id,
the export id in the audit event, the per-organisation cap and the TLP:RED rule, and nothing fetched."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from coalition import access
from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.exports import labels, pdf
from coalition.library import services as library
from coalition.library.models import TLP, TLP_RANK, Audience, Document
from coalition.organisations.models import EXPORT_LABELS, Organisation, Role

SECTIONS = "\n\n".join(
    f"## Section {i}\n\n" + "Members report suspected abuse to the hotline within a day. " * 12 for i in range(1, 16)
)
BODY = f"# Guidance\n\n{SECTIONS}\n"


@pytest.fixture
def doc(acme_editor: Any, acme: Organisation) -> Document:
    document = library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Safety by design",
        kind=Document.Kind.GUIDANCE,
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.AMBER,
    )
    drafting.publish(acting_user=acme_editor, document=document)
    document.refresh_from_db()
    return document


def _export(client: Any, document: Document, fmt: str) -> Any:
    return client.post(f"/library/{document.pk}/export/{fmt}/")


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="document.exported").order_by("id"))


def _pages(response: Any) -> list[str]:
    assert response["Content-Type"] == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_carries_the_label_and_the_watermark_on_every_page(client_for, acme_reader, doc):
    response = _export(client_for(acme_reader), doc, "pdf")
    assert response.status_code == 200
    pages = _pages(response)
    assert len(pages) >= 3  # a document long enough to span pages
    [event] = _events()
    export_id = event.data["export"]
    for number, text in enumerate(pages, start=1):
        flat = _flat(text)
        assert flat.count("TLP:AMBER") >= 2, f"page {number}: label in header and footer"
        assert "Rea Reader" in flat and "reader@acme.example" in flat and "(Acme)" in flat, f"page {number}"
        assert export_id in flat, f"page {number}"
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", flat), f"page {number}: the time"
    assert "Members report suspected abuse" in pages[0]
    assert export_id in response["Content-Disposition"]


def test_markdown_starts_and_ends_with_the_label_and_the_watermark(client_for, acme_reader, doc):
    response = _export(client_for(acme_reader), doc, "md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    lines = response.content.decode().splitlines()
    [event] = _events()
    assert lines[0] == "TLP:AMBER" and lines[-1] == "TLP:AMBER"
    watermark = "Exported for Rea Reader <reader@acme.example> (Acme) on "
    assert lines[1].startswith(watermark) and lines[-2] == lines[1]
    assert lines[1].endswith(f"; export {event.data['export']}")
    assert "# Safety by design" in lines and "## Section 15" in lines


def test_the_export_event_names_format_id_revision_and_label(client_for, acme_editor, acme_reader, doc):
    _export(client_for(acme_reader), doc, "md")
    _export(client_for(acme_reader), doc, "pdf")
    first, second = _events()
    revision = doc.published_revision
    assert first.actor_id == acme_reader.pk and first.target_id == str(doc.pk) and first.target_org_id == doc.owner_id
    assert first.data["format"] == "md" and second.data["format"] == "pdf"
    assert first.data["revision"] == revision.number and first.data["revision_id"] == revision.pk
    assert first.data["label"] == "TLP:AMBER"
    assert first.data["export"] != second.data["export"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", first.data["export"])
    assert "Members report" not in str(first.data)  # never content


def test_the_audience_exports_what_was_published_not_the_draft_in_progress(
    client_for, acme_editor, make_member, globex, doc
):
    drafting.save_revision(acting_user=acme_editor, document=doc, body="# Draft\n\nNot out yet.\n", base_number=1)
    globex_reader = make_member(globex, Role.READER, email="reader@globex.example", name="Gia Globex")
    text = _export(client_for(globex_reader), doc, "md").content.decode()
    assert "Not out yet" not in text and "## Section 1" in text
    assert _events()[-1].data["revision"] == 1
    own = _export(client_for(acme_editor), doc, "md").content.decode()
    assert "Not out yet" in own and _events()[-1].data["revision"] == 2


def test_a_public_document_export_is_recorded_too(client_for, acme_editor, acme, outsider):
    public = library.create_document(
        acting_user=acme_editor, owner=acme, title="Open", body=BODY, audience=Audience.PUBLIC, tlp=TLP.CLEAR
    )
    drafting.publish(acting_user=acme_editor, document=public)
    response = _export(client_for(outsider), public, "md")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "TLP:CLEAR" and "(no organisation)" in lines[1]
    assert [e.actor_id for e in _events()] == [outsider.pk]


# --- Who may export ------------------------------------------------------------------------------


@pytest.fixture
def red(acme_editor: Any, acme: Organisation) -> Document:
    return library.create_document(acting_user=acme_editor, owner=acme, title="Case file", body=BODY, tlp=TLP.RED)


def test_red_is_refused_to_people_not_granted_it_by_name(client_for, acme_admin, acme_reader, acme, red):
    acme.export_cap = TLP.RED
    acme.save(update_fields=["export_cap"])
    # Acme's own admin and reader cannot read it (no grant by name): 404, not a refusal that confirms it.
    for person in (acme_admin, acme_reader):
        assert _export(client_for(person), red, "pdf").status_code == 404
    assert not access.can(acme_reader, "document.export", red)
    assert _events() == []


def test_red_is_exported_by_a_named_grantee_when_the_organisation_allows_red(
    client_for, acme_editor, acme_reader, acme, red
):
    library.grant(acting_user=acme_editor, document=red, level="view", user=acme_reader)
    refused = _export(client_for(acme_reader), red, "pdf")
    assert refused.status_code == 403
    assert "Acme lets its members export material up to TLP:AMBER+STRICT" in refused.content.decode()
    assert _events() == []
    acme.export_cap = TLP.RED
    acme.save(update_fields=["export_cap"])
    response = _export(client_for(acme_reader), red, "pdf")
    assert response.status_code == 200
    pages = _pages(response)
    assert all(_flat(p).count("TLP:RED") >= 2 for p in pages)
    assert _events()[0].data["label"] == "TLP:RED"


@pytest.mark.parametrize("cap", [value for value, _ in EXPORT_LABELS])
@pytest.mark.parametrize("tlp", [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT])
def test_the_organisation_cap_allows_at_and_below_and_refuses_above(
    client_for, acme_editor, acme_reader, acme, cap, tlp
):
    acme.export_cap = cap
    acme.save(update_fields=["export_cap"])
    audience = Audience.PUBLIC if tlp == TLP.CLEAR else Audience.ORGANISATION
    document = library.create_document(
        acting_user=acme_editor, owner=acme, title="Capped", body="Text.", audience=audience, tlp=tlp
    )
    response = _export(client_for(acme_reader), document, "md")
    if TLP_RANK[tlp] <= TLP_RANK[cap]:
        assert response.status_code == 200 and len(_events()) == 1
    else:
        assert response.status_code == 403 and _events() == []
        assert "lets its members export material up to" in response.content.decode()


def test_someone_in_two_organisations_is_held_to_the_stricter_cap(client_for, acme_editor, acme, globex, doc):
    both = acme_editor
    from coalition.organisations.models import Membership

    Membership.objects.create(user=both, organisation=globex, role=Role.READER)
    globex.export_cap = TLP.GREEN
    globex.save(update_fields=["export_cap"])
    response = _export(client_for(both), doc, "md")
    assert response.status_code == 403 and "Globex lets its members export material up to TLP:GREEN" in (
        response.content.decode()
    )


def test_outsiders_get_404_and_visitors_are_sent_to_sign_in(
    client_for, client, outsider, globex_admin, doc, acme, acme_editor
):
    private = library.create_document(acting_user=acme_editor, owner=acme, title="Internal", body=BODY)
    for person in (outsider, globex_admin):
        assert _export(client_for(person), private, "pdf").status_code == 404
    assert _export(client_for(outsider), doc, "md").status_code == 404  # coalition-wide: members only
    response = _export(client, doc, "md")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert _export(client_for(outsider), Document(pk=999999), "pdf").status_code == 404
    assert _events() == []


@pytest.mark.parametrize("fmt", ["docx", "PDF", "md.exe", "x" * 40])
def test_an_unknown_format_is_404_never_500(client_for, acme_reader, doc, fmt):
    assert _export(client_for(acme_reader), doc, fmt).status_code == 404
    assert _events() == []


def test_an_export_is_a_post(client_for, acme_reader, doc):
    assert client_for(acme_reader).get(f"/library/{doc.pk}/export/pdf/").status_code == 405
    assert _events() == []


# --- The page, the setting -------------------------------------------------------------------------


def test_the_document_page_says_what_the_export_carries(client_for, acme_reader, doc):
    html = client_for(acme_reader).get(f"/library/{doc.pk}/").content.decode()
    assert f'action="/library/{doc.pk}/export/pdf/"' in html and f'action="/library/{doc.pk}/export/md/"' in html
    assert "The file will carry TLP:AMBER" in html and "your name (Rea Reader)" in html


def test_the_document_page_says_why_there_is_no_export_over_the_cap(client_for, acme_reader, acme, doc):
    acme.export_cap = TLP.GREEN
    acme.save(update_fields=["export_cap"])
    html = client_for(acme_reader).get(f"/library/{doc.pk}/").content.decode()
    assert "/export/pdf/" not in html
    assert "Acme lets its members export material up to TLP:GREEN; this document is TLP:AMBER." in html


def test_admins_and_the_secretariat_set_the_cap_and_it_is_recorded(
    client_for, acme_admin, acme_editor, secretariat_admin, acme
):
    assert acme.export_cap == "amber_strict"  # the default
    # TLP:RED is asked for again: the first POST only shows what it means, and changes nothing.
    question = client_for(acme_admin).post("/orgs/acme/exports/", {"export_cap": "red"})
    assert question.status_code == 200 and "export TLP:RED material?" in question.content.decode()
    assert 'name="confirm" value="yes"' in question.content.decode()
    acme.refresh_from_db()
    assert acme.export_cap == "amber_strict"
    assert not AuditEvent.objects.filter(action="organisation.export_cap_changed").exists()
    response = client_for(acme_admin).post("/orgs/acme/exports/", {"export_cap": "red", "confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == "/orgs/acme/"
    acme.refresh_from_db()
    assert acme.export_cap == "red"
    response = client_for(secretariat_admin).post("/orgs/acme/exports/", {"export_cap": "green", "back": "secretariat"})
    assert response["Location"] == "/secretariat/organisations/acme/"
    acme.refresh_from_db()
    assert acme.export_cap == "green"
    changes = AuditEvent.objects.filter(action="organisation.export_cap_changed").order_by("id")
    assert [(e.actor_id, e.data) for e in changes] == [
        (acme_admin.pk, {"from": "amber_strict", "to": "red"}),
        (secretariat_admin.pk, {"from": "red", "to": "green"}),
    ]
    # An editor may not; a bad value changes nothing.
    assert client_for(acme_editor).post("/orgs/acme/exports/", {"export_cap": "red"}).status_code == 404
    client_for(acme_admin).post("/orgs/acme/exports/", {"export_cap": "purple"})
    acme.refresh_from_db()
    assert acme.export_cap == "green"
    page = client_for(acme_admin).get("/orgs/acme/").content.decode()
    assert 'name="export_cap"' in page and "Members may export documents labelled up to TLP:GREEN" in page
    assert 'name="export_cap"' not in client_for(acme_editor).get("/orgs/acme/").content.decode()


def test_another_organisations_admin_cannot_set_the_cap(client_for, globex_admin, acme):
    assert client_for(globex_admin).post("/orgs/acme/exports/", {"export_cap": "red"}).status_code == 404
    acme.refresh_from_db()
    assert acme.export_cap == "amber_strict"


# --- What the renderer does and does not do -------------------------------------------------------


def test_member_html_reaches_the_pdf_sanitised_and_nothing_is_fetched(client_for, acme_editor, acme, monkeypatch):
    fetched: list[str] = []
    original = pdf.PortalOnlyFetcher.fetch

    def spy(self: Any, url: str, headers: Any = None) -> Any:
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.PortalOnlyFetcher, "fetch", spy)
    import urllib.request

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the PDF renderer opened a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    body = (
        "# Hostile\n\n<script>document.title='pwned'</script>\n\n"
        '![pixel](https://tracker.example/pixel.png)\n\n<img src="http://10.0.0.1/admin">\n\n'
        '<link rel="stylesheet" href="https://evil.example/x.css">\n\n'
        '<style>@import url("https://evil.example/y.css");</style>\n\nVisible text.\n'
    )
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Hostile", body=body)
    response = _export(client_for(acme_editor), document, "pdf")
    assert response.status_code == 200
    text = _flat(" ".join(_pages(response)))
    assert "Visible text." in text and "pwned" not in text and "document.title" not in text
    # The sanitiser left one https image, which the fetcher refused; nothing else was asked for.
    assert fetched == ["https://tracker.example/pixel.png"]


def test_the_fetcher_refuses_everything_but_data_and_our_static_files():
    fetcher = pdf.PortalOnlyFetcher()
    for url in ("https://example.org/a.png", "http://127.0.0.1/", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(pdf.STATIC_BASE + "../../settings.py")
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert b".tlp-red" in fetcher.fetch(pdf.STATIC_BASE + "portal/portal.css").read()


def test_names_cannot_add_lines_to_an_export(make_member, acme):
    sneaky = make_member(acme, Role.READER, email="sneaky@acme.example", name="Eve\nTLP:CLEAR\r\x1b[2J")
    stamp = labels.stamp_for(sneaky, TLP.RED)
    assert stamp.lines()[0] == "TLP:RED"
    assert "\n" not in stamp.watermark and "\r" not in stamp.watermark and "\x1b" not in stamp.watermark


def test_every_label_has_first_s_colour_and_the_organisation_choices_match_the_labels():
    assert labels.TLP_COLOURS == {
        "clear": "#FFFFFF",
        "green": "#33FF00",
        "amber": "#FFC000",
        "amber_strict": "#FFC000",
        "red": "#FF2B2B",
    }
    assert [(v, str(label)) for v, label in TLP.choices] == [(v, label) for v, label in EXPORT_LABELS]


def test_the_export_costs_the_same_queries_for_a_long_and_a_short_document(
    client_for, acme_reader, acme_editor, acme, django_assert_num_queries, doc
):
    short = library.create_document(
        acting_user=acme_editor, owner=acme, title="Short", body="Short.", audience=Audience.COALITION, tlp=TLP.AMBER
    )
    drafting.publish(acting_user=acme_editor, document=short)
    client = client_for(acme_reader)
    _export(client, doc, "md")  # the session is read once either way; warm nothing else
    counts = []
    for document in (doc, short):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert _export(client, document, "pdf").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        _export(client, doc, "md")
