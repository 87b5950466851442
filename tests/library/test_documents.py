"""Library flows through HTTP: writing, editing without losing work, sharing under the TLP rules,
attachments, and the audit of every read of non-public material."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coalition.audit.models import AuditEvent
from coalition.drafting.services import publication as workflow
from coalition.library import selectors, services
from coalition.library.models import TLP, Attachment, Audience, Document, Revision
from coalition.organisations.models import Role

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def acme_editor_two(make_member, acme):
    return make_member(acme, Role.EDITOR, email="editor2@acme.example", name="Eve Editor")


@pytest.fixture
def doc(acme_editor, acme):
    return services.create_document(
        acting_user=acme_editor, owner=acme, title="Reporting policy", body="# Scope\n\nFirst text.", tlp=TLP.AMBER
    )


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _edit(client, document, body: str, base: int, **extra: Any):
    data = {"title": document.title, "kind": document.kind, "language": "en", "body": body, "base": base}
    data.update(extra)
    return client.post(f"/library/{document.pk}/edit/", data)


# --- Creating ----------------------------------------------------------------------------------


def test_editor_creates_a_document_with_its_first_revision(client_for, acme_editor, acme, globex):
    response = client_for(acme_editor).post(
        "/library/new/",
        {
            "owner": "acme",
            "title": "Safety by design checklist",
            "kind": "guidance",
            "language": "en",
            "summary": "What to check before launch.",
            "body": "## Before launch\n\n- Age assurance\n- Reporting",
            "message": "Draft",
            "audience": "named",
            "audience_organisations": [globex.pk],
            "tlp": "amber",
        },
    )
    document = Document.objects.get(title="Safety by design checklist")
    assert response.status_code == 302 and response["Location"] == f"/library/{document.pk}/"
    assert (document.owner, document.audience, document.tlp, document.status) == (acme, "named", "amber", "draft")
    assert list(document.audience_organisations.all()) == [globex]
    assert document.current_revision.number == 1
    assert '<h2 id="doc-before-launch">Before launch</h2>' in document.current_revision.html
    [event] = _events("document.created")
    assert event.actor_id == acme_editor.pk and event.target_org_id == acme.pk


@pytest.mark.parametrize(
    ("audience", "tlp", "field", "message"),
    [
        ("public", "amber", "tlp", "Only TLP:CLEAR material can be public"),
        ("public", "green", "tlp", "Only TLP:CLEAR material can be public"),
        ("coalition", "red", "audience", "TLP:RED material is for named people only"),
        ("named", "red", "audience", "TLP:RED material is for named people only"),
    ],
)
def test_creating_against_the_tlp_rules_is_refused_and_saves_nothing(
    client_for, acme_editor, acme, globex, audience, tlp, field, message
):
    response = client_for(acme_editor).post(
        "/library/new/",
        {
            "owner": "acme",
            "title": "Should not exist",
            "kind": "policy",
            "language": "en",
            "body": "text",
            "audience": audience,
            "audience_organisations": [globex.pk],
            "tlp": tlp,
        },
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Document.objects.exists() and not Revision.objects.exists()
    assert not _events("document.created")


def test_readers_and_outsiders_cannot_create(client_for, acme_reader, globex_admin):
    assert client_for(acme_reader).get("/library/new/").status_code == 404
    assert client_for(globex_admin).get("/library/new/?owner=acme").status_code == 404
    assert client_for(globex_admin).post("/library/new/", {"owner": "acme", "title": "x"}).status_code == 404
    assert not Document.objects.exists()


def test_red_document_is_granted_to_its_author_and_nobody_else(client_for, acme_editor, acme_admin, acme):
    document = services.create_document(acting_user=acme_editor, owner=acme, title="Red file", tlp=TLP.RED)
    assert client_for(acme_editor).get(f"/library/{document.pk}/").status_code == 200
    # Not even the owner organisation's admin reads TLP:RED without a grant by name.
    assert client_for(acme_admin).get(f"/library/{document.pk}/").status_code == 404


# --- Editing and conflicts ----------------------------------------------------------------------


def test_saving_creates_a_new_revision(client_for, acme_editor, doc):
    response = _edit(client_for(acme_editor), doc, "# Scope\n\nSecond text.", base=1, message="Tighter")
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.current_revision.number == 2 and doc.current_revision.message == "Tighter"
    assert len(_events("document.revised")) == 1


def test_two_editors_saving_from_the_same_base_lose_nothing(client_for, acme_editor, acme_editor_two, doc):
    first, second = client_for(acme_editor), client_for(acme_editor_two)
    assert _edit(first, doc, "# Scope\n\nAlice's version.", base=1).status_code == 302
    response = _edit(second, doc, "# Scope\n\nBob's version.", base=1)
    # The second save is not applied: a conflict page with both texts, Bob's kept in the editor.
    assert response.status_code == 409
    assert "Alice&#x27;s version." in response.content.decode()
    assert response.context["mine"] == "# Scope\n\nBob's version."
    assert response.context["form"]["body"].value() == "# Scope\n\nBob's version."
    assert response.context["form"]["base"].value() == 2
    assert list(doc.revisions.values_list("number", "body")) == [
        (2, "# Scope\n\nAlice's version."),
        (1, "# Scope\n\nFirst text."),
    ]
    # Saving again from the new base keeps both: Alice's revision stays in history.
    assert _edit(second, doc, "# Scope\n\nMerged version.", base=2).status_code == 302
    assert list(doc.revisions.values_list("number", flat=True)) == [3, 2, 1]


def test_a_conflict_keeps_the_saved_details_and_the_typed_ones(client_for, acme_editor, acme_editor_two, doc):
    assert _edit(client_for(acme_editor), doc, "# Scope\n\nAlice's version.", base=1).status_code == 302
    response = _edit(client_for(acme_editor_two), doc, "# Scope\n\nBob's version.", base=1, title="Bob's title")
    assert response.status_code == 409
    # The stale save changed nothing, not even the title; what Bob typed is on the conflict page.
    doc.refresh_from_db()
    assert doc.title == "Reporting policy"
    assert response.context["form"]["title"].value() == "Bob's title"
    assert not _events("document.details_changed")
    # The conflict page shows Alice's revision to Bob: on the record like any read.
    [read] = _events("document.revision_viewed")
    assert (read.actor_id, read.data) == (acme_editor_two.pk, {"revision": 2})


def test_opening_the_editor_is_on_the_record(client_for, acme_editor, doc):
    assert client_for(acme_editor).get(f"/library/{doc.pk}/edit/").status_code == 200
    [read] = _events("document.edit_opened")
    assert (read.actor_id, read.target_id, read.data) == (acme_editor.pk, str(doc.pk), {"revision": 1})


def test_service_refuses_a_stale_base(acme_editor, doc):
    services.save_revision(acting_user=acme_editor, document=doc, body="new", base_number=1)
    with pytest.raises(services.EditConflict):
        services.save_revision(acting_user=acme_editor, document=doc, body="other", base_number=1)
    assert doc.revisions.count() == 2


def test_reader_cannot_edit(client_for, acme_reader, doc):
    assert client_for(acme_reader).get(f"/library/{doc.pk}/edit/").status_code == 404
    assert _edit(client_for(acme_reader), doc, "vandalised", base=1).status_code == 404
    assert doc.revisions.count() == 1


def test_history_compare_and_restore(client_for, acme_editor, doc):
    client = client_for(acme_editor)
    services.save_revision(acting_user=acme_editor, document=doc, body="# Scope\n\nChanged words here.", base_number=1)
    assert b"Revision" in client.get(f"/library/{doc.pk}/history/").content
    inline = client.get(f"/library/{doc.pk}/compare/?from=1&to=2")
    assert inline.status_code == 200
    html = inline.content.decode()
    assert "<del>First</del><ins>Changed</ins>" in html and "<del>text</del><ins>words here</ins>" in html
    side = client.get(f"/library/{doc.pk}/compare/?from=2&to=1&mode=side")
    assert side.status_code == 200 and side.context["old"].number == 1
    assert client.get(f"/library/{doc.pk}/compare/?from=1&to=1").status_code == 302
    assert client.get(f"/library/{doc.pk}/compare/?from=1&to=99").status_code == 302
    assert client.get(f"/library/{doc.pk}/compare/?from=x&to=").status_code == 302
    assert client.post(f"/library/{doc.pk}/revisions/1/restore/").status_code == 302
    doc.refresh_from_db()
    assert (doc.current_revision.number, doc.current_revision.restored_from) == (3, 1)
    assert doc.current_revision.body == "# Scope\n\nFirst text."


def test_preview_renders_through_the_sanitiser(client_for, acme_editor):
    response = client_for(acme_editor).post("/library/preview/", {"body": "**bold** <script>alert(1)</script>"})
    assert response.status_code == 200
    assert b"<strong>bold</strong>" in response.content and b"<script" not in response.content


# --- Sharing and labels -----------------------------------------------------------------------


def test_sharing_public_needs_clear_and_widening_is_audited(client_for, acme_editor, doc):
    client = client_for(acme_editor)
    workflow.set_status(acting_user=acme_editor, document=doc, status="published")
    response = client.post(f"/library/{doc.pk}/share/", {"audience": "public"})
    assert response.status_code == 400
    assert "Only TLP:CLEAR material can be public" in response.content.decode()
    doc.refresh_from_db()
    assert doc.audience == Audience.ORGANISATION
    assert client.post(f"/library/{doc.pk}/share/label/", {"tlp": "clear"}).status_code == 302
    assert client.post(f"/library/{doc.pk}/share/", {"audience": "public"}).status_code == 302
    doc.refresh_from_db()
    assert (doc.audience, doc.tlp) == ("public", "clear")
    [relabel] = _events("document.relabelled")
    assert relabel.data["lowered"] is True and relabel.data["before"] == "amber"
    [widen] = _events("document.audience_changed")
    assert widen.data["widened"] is True


def test_relabelling_to_red_with_a_coalition_audience_is_refused(client_for, acme_editor, doc):
    services.share(acting_user=acme_editor, document=doc, audience="coalition")
    response = client_for(acme_editor).post(f"/library/{doc.pk}/share/label/", {"tlp": "red"})
    assert response.status_code == 400
    assert "TLP:RED material is for named people only" in response.content.decode()
    doc.refresh_from_db()
    assert doc.tlp == "amber"


def test_an_editor_of_another_organisation_cannot_share(client_for, make_member, globex, acme_editor, doc):
    globex_editor = make_member(globex, Role.EDITOR)
    services.share(acting_user=acme_editor, document=doc, audience="named", audience_organisations=[globex])
    workflow.set_status(acting_user=acme_editor, document=doc, status="published")
    client = client_for(globex_editor)
    assert client.get(f"/library/{doc.pk}/").status_code == 200
    assert client.get(f"/library/{doc.pk}/share/").status_code == 404
    assert client.post(f"/library/{doc.pk}/share/", {"audience": "coalition"}).status_code == 404
    assert client.post(f"/library/{doc.pk}/share/label/", {"tlp": "green"}).status_code == 404
    doc.refresh_from_db()
    assert (doc.audience, doc.tlp) == ("named", "amber")


def test_grants_to_people_and_organisations(client_for, acme_editor, outsider, globex, doc):
    client = client_for(acme_editor)
    assert client_for(outsider).get(f"/library/{doc.pk}/").status_code == 404
    assert (
        client.post(f"/library/{doc.pk}/share/grants/", {"email": outsider.email, "level": "view"}).status_code == 302
    )
    assert client_for(outsider).get(f"/library/{doc.pk}/").status_code == 200
    assert client.post(f"/library/{doc.pk}/share/grants/revoke/", {"user": outsider.pk}).status_code == 302
    # Revoked: effective on the very next request.
    assert client_for(outsider).get(f"/library/{doc.pk}/").status_code == 404
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="document.grant")] == [
        "document.granted",
        "document.grant_revoked",
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "nobody@example.org", "level": "view"}, "No active account has this address"),
        ({"level": "view"}, "Name either one person"),
        ({"email": "x@example.org", "organisation": "GLOBEX", "level": "view"}, "Name either one person"),
        ({"email": "reader@acme.example", "level": "owner"}, "Select a valid choice"),
    ],
)
def test_bad_grants_are_refused(client_for, acme_editor, acme_reader, globex, doc, data, error):
    if data.get("organisation") == "GLOBEX":
        data = {**data, "organisation": str(globex.pk)}
    response = client_for(acme_editor).post(f"/library/{doc.pk}/share/grants/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not _events("document.granted")


def test_red_documents_cannot_be_granted_to_organisations(client_for, acme_editor, acme, globex):
    document = services.create_document(acting_user=acme_editor, owner=acme, title="Red", tlp=TLP.RED)
    response = client_for(acme_editor).post(
        f"/library/{document.pk}/share/grants/", {"organisation": globex.pk, "level": "view"}
    )
    assert response.status_code == 400
    assert "named people only, not to organisations" in response.content.decode()


def test_bad_revoke_and_status_requests_change_nothing(client_for, acme_editor, doc):
    client = client_for(acme_editor)
    assert client.post(f"/library/{doc.pk}/share/grants/revoke/", {"user": "abc"}).status_code == 302
    assert client.post(f"/library/{doc.pk}/share/status/", {"status": "deleted"}).status_code == 302
    doc.refresh_from_db()
    assert doc.status == "draft"
    assert not _events("document.status_changed")


# --- Attachments ----------------------------------------------------------------------------------


def test_upload_and_download_through_the_permission_checked_view(
    client_for, acme_editor, acme_reader, globex_admin, doc
):
    client = client_for(acme_editor)
    response = client.post(f"/library/{doc.pk}/attachments/", {"file": SimpleUploadedFile("plan.pdf", PDF)})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "plan.pdf" and attachment.content_type == "application/pdf"
    assert "plan" not in attachment.storage_name
    download = client_for(acme_reader).get(f"/library/{doc.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    assert client_for(globex_admin).get(f"/library/{doc.pk}/attachments/{attachment.pk}/").status_code == 404
    [event] = _events("document.attachment_downloaded")
    assert event.actor_id == acme_reader.pk


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00 an executable", "is not a PDF, image, office document"),
        ("page.html", b"<html><script>alert(1)</script></html>", "is not a PDF, image, office document"),
        ("notes.txt", b"<svg onload=alert(1)>", "is not a PDF, image, office document"),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "is not a PDF, image, office document"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_mistyped_uploads_are_refused(client_for, acme_editor, doc, name, content, message):
    response = client_for(acme_editor).post(
        f"/library/{doc.pk}/attachments/", {"file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


def test_oversized_uploads_are_refused(client_for, acme_editor, doc, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = client_for(acme_editor).post(
        f"/library/{doc.pk}/attachments/", {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)}, follow=True
    )
    assert "larger than the limit" in response.content.decode()
    assert not Attachment.objects.exists()


# --- Reads are on the record; the page shows the label --------------------------------------------


def test_every_read_of_non_public_material_is_audited(client_for, acme_reader, acme_editor, doc):
    services.save_revision(acting_user=acme_editor, document=doc, body="v2", base_number=1)
    client = client_for(acme_reader)
    client.get(f"/library/{doc.pk}/")
    client.get(f"/library/{doc.pk}/revisions/1/")
    client.get(f"/library/{doc.pk}/compare/?from=1&to=2")
    actions = list(AuditEvent.objects.filter(actor_id=acme_reader.pk).values_list("action", flat=True))
    assert actions == ["document.viewed", "document.revision_viewed", "document.diff_viewed"]


def test_public_documents_are_readable_anonymously_and_not_logged(client, acme_editor, acme):
    document = services.create_document(
        acting_user=acme_editor, owner=acme, title="Open principles", tlp=TLP.CLEAR, audience=Audience.PUBLIC
    )
    workflow.set_status(acting_user=acme_editor, document=document, status="published")
    seq = AuditEvent.objects.count()
    response = client.get(f"/library/{document.pk}/")
    assert response.status_code == 200 and b"TLP:CLEAR" in response.content
    assert AuditEvent.objects.count() == seq


def test_label_is_shown_at_the_top_and_bottom_of_document_pages(client_for, acme_editor, doc):
    client = client_for(acme_editor)
    for path in ("", "history/", "edit/", "share/", "revisions/1/"):
        body = client.get(f"/library/{doc.pk}/{path}").content.decode()
        assert body.count('<p class="tlp tlp-amber"') == 2, path


def test_why_and_who_can_see_this(client_for, acme_editor, acme_reader, globex, community, doc):
    services.share(acting_user=acme_editor, document=doc, audience="named", audience_communities=[community])
    reader_page = client_for(acme_reader).get(f"/library/{doc.pk}/").content.decode()
    assert "Reader at Acme, the owner organisation." in reader_page
    assert "Who can see this" not in reader_page
    owner_page = client_for(acme_editor).get(f"/library/{doc.pk}/").content.decode()
    assert "Who can see this" in owner_page and "The Research group community" in owner_page


# --- Query counts ---------------------------------------------------------------------------------


def _make_documents(owner_user, organisation, n: int) -> None:
    for i in range(n):
        document = services.create_document(
            acting_user=owner_user, owner=organisation, title=f"Doc {i}", tlp=TLP.GREEN, audience=Audience.COALITION
        )
        workflow.set_status(acting_user=owner_user, document=document, status="published")


@pytest.mark.parametrize("n", [3, 30])
def test_library_page_queries_do_not_grow_with_documents(
    client_for, acme_editor, acme, globex, make_member, n, django_assert_max_num_queries
):
    _make_documents(acme_editor, acme, n)
    reader = make_member(globex, Role.READER)
    client = client_for(reader)
    # The first request of a minute also records the session's activity; measure the ones after.
    client.get("/library/")
    with django_assert_max_num_queries(9):  # measured: 9 for 3 or 30 documents (the capped count, the session)
        response = client.get("/library/")
    assert len(response.context["page"].documents) == min(n, selectors.PAGE_SIZE)
    assert response.context["page"].count == n


@pytest.mark.parametrize("grants", [0, 25])
def test_document_page_queries_do_not_grow_with_grants(
    client_for, acme_editor, acme, make_user, doc, grants, django_assert_max_num_queries
):
    for _ in range(grants):
        services.grant(acting_user=acme_editor, document=doc, level="view", user=make_user())
    services.add_attachment(
        acting_user=acme_editor, document=doc, upload=SimpleUploadedFile("a.pdf", PDF), max_bytes=10**6
    )
    client = client_for(acme_editor)
    client.get(f"/library/{doc.pk}/")  # the first request of a minute also records session activity
    # measured: 19 with 0 or 25 grants (audit write, session, the recent-view upsert and the star)
    with django_assert_max_num_queries(19):
        response = client.get(f"/library/{doc.pk}/")
    assert response.status_code == 200


def test_on_red_a_view_grant_does_not_let_an_owner_editor_edit_or_share(client_for, acme_editor, acme_editor_two, acme):
    document = services.create_document(acting_user=acme_editor, owner=acme, title="Red", tlp=TLP.RED)
    services.grant(acting_user=acme_editor, document=document, level="view", user=acme_editor_two)
    client = client_for(acme_editor_two)
    assert client.get(f"/library/{document.pk}/").status_code == 200
    assert client.get(f"/library/{document.pk}/edit/").status_code == 404
    assert client.get(f"/library/{document.pk}/share/").status_code == 404
    services.grant(acting_user=acme_editor, document=document, level="edit", user=acme_editor_two)
    assert client.get(f"/library/{document.pk}/edit/").status_code == 200


def test_a_named_audience_needs_someone_named(client_for, acme_editor):
    response = client_for(acme_editor).post(
        "/library/new/",
        {"owner": "acme", "title": "Nobody", "kind": "policy", "language": "en", "audience": "named", "tlp": "amber"},
    )
    assert "Name at least one organisation or community" in response.content.decode()
    assert not Document.objects.exists()


def test_images_in_member_text_cannot_point_at_portal_urls(acme_editor, acme):
    from coalition.core.markdown import render

    html = render("![x](/library/1/attachments/2/) ![y](//evil.example/a.png) ![z](https://cdn.example/a.png)")
    assert "/library/1/attachments/2/" not in html and "evil.example" not in html
    assert 'src="https://cdn.example/a.png"' in html


def test_django_admin_shows_document_metadata_only(client_for, make_user, acme_editor, doc):
    superuser = make_user("root@example.org")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save(update_fields=["is_staff", "is_superuser"])
    from tests.conftest import enrol_totp

    enrol_totp(superuser)
    client = client_for(superuser)
    page = client.get(f"/django-admin/library/document/{doc.pk}/change/").content.decode()
    assert "Reporting policy" in page and "First text." not in page and "summary" not in page.lower()
    assert client.get("/django-admin/library/revision/").status_code == 404
    assert client.get("/django-admin/library/attachment/").status_code == 404
    # And the superuser reads nothing of Acme's in the portal itself.
    assert client.get(f"/library/{doc.pk}/").status_code == 404
