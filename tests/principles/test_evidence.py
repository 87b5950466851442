"""Evidence items on records: linking library documents (only readable ones, never one more
restrictive than the record), attaching files with their SHA-256, status and expiry; who may see
and download them (404 for everyone else); the record's label never drops below its evidence's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError
from coalition.library import services as library
from coalition.library.models import Document
from coalition.principles import evidence_services, services
from coalition.principles.models import EvidenceItem
from tests.principles.conftest import World, may_read, may_write
from tests.principles.test_access_matrix import VIEWERS, _refused

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _document(world: World, *, owner: Any = None, audience: str = "coalition", tlp: str = "green") -> Document:
    owner = owner or world.acme
    author = world.people["editor"] if owner == world.acme else world.people["other_org"]
    return library.create_document(
        acting_user=author,
        owner=owner,
        title=f"Policy {audience} {tlp}",
        kind="policy",
        body="Body.",
        audience=audience,
        tlp=tlp,
    )


def _upload(name: str = "audit.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_editor_links_a_readable_document_and_the_event_is_recorded(world: World) -> None:
    record = world.records[("coalition", "green")]
    document = _document(world, tlp="green")
    item = evidence_services.link_document(
        acting_user=world.people["editor"], record=record, document=document, note="Section 3", status="current"
    )
    assert item.document == document and item.label_tlp == "green"
    event = AuditEvent.objects.filter(action="implementation.evidence_added").get()
    assert event.data["evidence"] == item.pk and "Section 3" not in str(event.data)


def test_evidence_cannot_link_a_document_the_person_cannot_read(world: World, client_for: Callable[..., Any]) -> None:
    record = world.records[("coalition", "amber")]
    private = _document(world, owner=world.initech, audience="organisation", tlp="green")
    with pytest.raises(ServiceError, match="Choose a library document you may read"):
        evidence_services.link_document(acting_user=world.people["editor"], record=record, document=private)
    response = client_for(world.people["editor"]).post(
        reverse("principles:evidence_add", args=[record.pk]),
        {"kind": "document", "doc-document": f"/library/{private.pk}/", "doc-status": "current"},
    )
    assert response.status_code == 400
    assert "Choose a library document you may read" in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_a_missing_document_gets_the_same_words_as_an_unreadable_one(
    world: World, client_for: Callable[..., Any]
) -> None:
    record = world.records[("coalition", "amber")]
    response = client_for(world.people["editor"]).post(
        reverse("principles:evidence_add", args=[record.pk]),
        {"kind": "document", "doc-document": "999999", "doc-status": "current"},
    )
    assert response.status_code == 400
    assert "Choose a library document you may read" in response.content.decode()


def test_clear_record_cannot_link_amber_evidence(world: World, client_for: Callable[..., Any]) -> None:
    record = world.records[("public", "clear")]
    amber = _document(world, tlp="amber")
    response = client_for(world.people["editor"]).post(
        reverse("principles:evidence_add", args=[record.pk]),
        {"kind": "document", "doc-document": str(amber.pk), "doc-status": "current"},
    )
    assert response.status_code == 400
    assert "A TLP:CLEAR record cannot carry TLP:AMBER evidence" in response.content.decode()
    with pytest.raises(ServiceError):
        evidence_services.attach_file(
            acting_user=world.people["editor"], record=record, upload=_upload(), tlp="amber", max_bytes=10**6
        )
    assert not EvidenceItem.objects.exists()
    assert not AuditEvent.objects.filter(action="implementation.evidence_added").exists()


def test_a_record_with_amber_evidence_cannot_be_relabelled_clear(world: World) -> None:
    record = world.records[("organisation", "amber")]
    evidence_services.link_document(
        acting_user=world.people["editor"], record=record, document=_document(world, tlp="amber")
    )
    with pytest.raises(ServiceError, match="cannot carry TLP:AMBER evidence"):
        services.share_record(acting_user=world.people["editor"], record=record, audience="public", tlp="clear")
    record.refresh_from_db()
    assert (record.audience, record.tlp) == ("organisation", "amber")
    # Nor through sharing a whole cycle: nothing of the cycle changes.
    with pytest.raises(ServiceError):
        services.share_cycle(
            acting_user=world.people["editor"],
            organisation=world.acme,
            framework=world.framework,
            cycle=record.cycle,
            audience="coalition",
            tlp="green",
        )
    assert (
        not world.acme.implementation_records.filter(audience="coalition", tlp="green")
        .exclude(pk=world.records[("coalition", "green")].pk)
        .exists()
    )


def test_file_is_stored_with_its_sha256_status_and_expiry(world: World, client_for: Callable[..., Any]) -> None:
    record = world.records[("coalition", "amber")]
    client = client_for(world.people["editor"])
    response = client.post(
        reverse("principles:evidence_add", args=[record.pk]),
        {
            "kind": "file",
            "file-file": _upload(),
            "file-tlp": "green",
            "file-status": "under_review",
            "file-expires_on": "2030-01-31",
            "file-note": "External audit",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = EvidenceItem.objects.get()
    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (item.status, str(item.expires_on), item.tlp) == ("under_review", "2030-01-31", "green")
    page = client.get(reverse("principles:record", args=[record.pk])).content.decode()
    assert item.sha256 in page and "External audit" in page and "Under review" in page
    download = client.get(reverse("principles:evidence_file", args=[record.pk, item.pk]))
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_bad_evidence_input_saves_nothing(world: World) -> None:
    record = world.records[("coalition", "amber")]
    editor = world.people["editor"]
    for kwargs, message in [
        ({"upload": _upload(content=b"MZ\x90\x00 not a document"), "tlp": "green"}, "is not a PDF"),
        ({"upload": _upload(content=b""), "tlp": "green"}, "is empty"),
        ({"upload": _upload(), "tlp": "purple"}, "is not a TLP label"),
        ({"upload": _upload(), "tlp": "green", "status": "lost"}, "evidence status"),
    ]:
        with pytest.raises(ServiceError, match=message):
            evidence_services.attach_file(acting_user=editor, record=record, max_bytes=10**6, **kwargs)
    assert not EvidenceItem.objects.exists()


def _file_on_every_record(world: World) -> dict[tuple[str, str], EvidenceItem]:
    items = {}
    for key, record in world.records.items():
        items[key] = evidence_services.attach_file(
            acting_user=world.people["editor"],
            record=record,
            upload=_upload(),
            tlp=record.tlp,
            max_bytes=10**6,
            note=f"EVIDENCE-MARKER-{record.pk}" if record.tlp != "clear" else "public evidence",
        )
    return items


@pytest.mark.parametrize("viewer", VIEWERS)
def test_evidence_access_matrix(viewer: str, world: World, client_for: Callable[..., Any]) -> None:
    items = _file_on_every_record(world)
    client = client_for(world.people[viewer])
    for (audience, tlp), item in items.items():
        record = item.record
        download = client.get(reverse("principles:evidence_file", args=[record.pk, item.pk]))
        page = client.get(reverse("principles:record", args=[record.pk])).content.decode()
        edit = client.get(reverse("principles:evidence_edit", args=[record.pk, item.pk]))
        add = client.get(reverse("principles:evidence_add", args=[record.pk]))
        if may_read(viewer, audience, tlp):
            assert download.status_code == 200, (viewer, audience, tlp)
            assert item.note in page
        else:
            assert download.status_code == 404, (viewer, audience, tlp)
            assert item.note not in page
        if may_write(viewer):
            assert (edit.status_code, add.status_code) == (200, 200), (viewer, audience, tlp)
        else:
            assert _refused(edit, viewer) and _refused(add, viewer), (viewer, audience, tlp)


def test_only_editors_remove_evidence_after_confirming(world: World, client_for: Callable[..., Any]) -> None:
    record = world.records[("coalition", "green")]
    item = evidence_services.attach_file(
        acting_user=world.people["editor"], record=record, upload=_upload(), tlp="green", max_bytes=10**6
    )
    url = reverse("principles:evidence_remove", args=[record.pk, item.pk])
    assert client_for(world.people["reader"]).post(url, {"confirm": "yes"}).status_code == 404
    editor = client_for(world.people["editor"])
    assert "Remove this evidence" in editor.post(url).content.decode()
    assert EvidenceItem.objects.filter(pk=item.pk).exists()
    assert editor.post(url, {"confirm": "yes"}).status_code == 302
    assert not EvidenceItem.objects.filter(pk=item.pk).exists()


def test_a_linked_document_title_shows_only_to_those_who_may_read_it(
    world: World, client_for: Callable[..., Any]
) -> None:
    record = world.records[("coalition", "amber")]
    document = _document(world, audience="organisation", tlp="amber")  # Acme only
    document.title = "ACME-ONLY-TITLE"
    document.save(update_fields=["title"])
    evidence_services.link_document(acting_user=world.people["editor"], record=record, document=document)
    url = reverse("principles:record", args=[record.pk])
    assert "ACME-ONLY-TITLE" in client_for(world.people["reader"]).get(url).content.decode()
    other = client_for(world.people["other_org"]).get(url).content.decode()
    assert "ACME-ONLY-TITLE" not in other and "A library document not shared with you" in other


@pytest.mark.parametrize("viewer", ["named_org", "other_org", "outsider", "anonymous"])
def test_no_evidence_or_milepost_marker_reaches_a_page_of_someone_who_may_not_read_it(
    viewer: str, world: World, client_for: Callable[..., Any]
) -> None:
    from tests.principles.test_leaks import _pages
    from tests.principles.test_mileposts import make_mileposts, milepost_marker

    items = _file_on_every_record(world)
    mileposts = make_mileposts(world)
    client = client_for(world.people[viewer])
    pages = _pages(client, world) + client.get(reverse("principles:mileposts")).content.decode()
    for (audience, tlp), item in items.items():
        if tlp != "clear":
            assert item.note not in pages  # never on the matrix or any aggregate page
            if not may_read(viewer, audience, tlp):
                record_page = client.get(reverse("principles:record", args=[item.record_id])).content.decode()
                assert item.note not in record_page
    for (audience, tlp), milepost in mileposts.items():
        if tlp != "clear":
            assert (milepost_marker(milepost) in pages) == may_read(viewer, audience, tlp)


def test_editor_changes_status_and_expiry_and_the_change_is_audited(
    world: World, client_for: Callable[..., Any]
) -> None:
    record = world.records[("coalition", "green")]
    item = evidence_services.link_document(
        acting_user=world.people["editor"], record=record, document=_document(world, tlp="green")
    )
    url = reverse("principles:evidence_edit", args=[record.pk, item.pk])
    response = client_for(world.people["editor"]).post(
        url, {"status": "superseded", "expires_on": "2020-01-01", "note": "Replaced by the 2026 policy"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, str(item.expires_on), item.expired) == ("superseded", "2020-01-01", True)
    event = AuditEvent.objects.get(action="implementation.evidence_updated")
    assert event.data["fields"] == ["expires_on", "note", "status"] and "Replaced" not in str(event.data)
    page = client_for(world.people["reader"]).get(reverse("principles:record", args=[record.pk])).content.decode()
    assert "Superseded" in page and "expired" in page
    bad = client_for(world.people["editor"]).post(url, {"status": "lost", "note": ""})
    assert bad.status_code == 400
    item.refresh_from_db()
    assert item.status == "superseded"
