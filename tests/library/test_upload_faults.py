"""An upload when the storage fails (a full disk, a volume gone): a clear message, and nothing
half-done left behind: no row, no file, no audit event (issue 14)."""

from __future__ import annotations

import errno
import os
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from coalition.audit.models import AuditEvent
from coalition.library import services
from coalition.library.models import TLP, Attachment

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n" + b"x" * 200_000


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def doc(acme_editor: Any, acme: Any) -> Any:
    return services.create_document(acting_user=acme_editor, owner=acme, title="Reporting policy", tlp=TLP.AMBER)


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _disk_fills_up_halfway(monkeypatch: Any) -> None:
    """The storage writes the first part of the file, then the disk is full."""
    real_save = FileSystemStorage._save

    def save(self: FileSystemStorage, name: str, content: Any) -> str:
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(4096))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    assert real_save is not save


def test_a_full_disk_is_a_clear_message_and_leaves_no_file_or_row(client_for, acme_editor, doc, tmp_path, monkeypatch):
    _disk_fills_up_halfway(monkeypatch)
    response = client_for(acme_editor).post(
        f"/library/{doc.pk}/attachments/", {"file": SimpleUploadedFile("plan.pdf", PDF)}, follow=True
    )
    assert response.status_code == 200
    text = unescape(response.text)
    assert "“plan.pdf” could not be stored: the portal's file storage is full or unavailable." in text
    assert "“plan.pdf” was attached." not in text
    assert Attachment.objects.count() == 0
    assert _files(tmp_path) == []
    assert not AuditEvent.objects.filter(action="document.attachment.uploaded").exists()


def test_a_failure_after_the_file_is_written_removes_the_file(acme_editor, doc, tmp_path, monkeypatch):
    def audit_fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit could not be written")

    monkeypatch.setattr(services, "_audit_document", audit_fails)
    with pytest.raises(RuntimeError):
        services.add_attachment(
            acting_user=acme_editor, document=doc, upload=SimpleUploadedFile("a.pdf", PDF), max_bytes=10**6
        )
    assert Attachment.objects.count() == 0
    assert _files(tmp_path) == []


def test_the_upload_works_again_once_there_is_room(client_for, acme_editor, doc, tmp_path, monkeypatch):
    with monkeypatch.context() as patched:
        _disk_fills_up_halfway(patched)
        services_error = client_for(acme_editor).post(
            f"/library/{doc.pk}/attachments/", {"file": SimpleUploadedFile("plan.pdf", PDF)}, follow=True
        )
        assert "could not be stored" in services_error.text
    response = client_for(acme_editor).post(
        f"/library/{doc.pk}/attachments/", {"file": SimpleUploadedFile("plan.pdf", PDF)}, follow=True
    )
    assert "“plan.pdf” was attached." in response.text
    [attachment] = Attachment.objects.all()
    assert [path.read_bytes() for path in _files(tmp_path)] == [PDF]
    assert attachment.size == len(PDF)
