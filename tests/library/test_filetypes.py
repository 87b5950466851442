"""Uploads are typed by their content; sniffing an archive never unpacks more than a few bytes, and
archives whose declared sizes are absurd for a document are refused (issue 9, defect 2: a 306 KB
upload whose `mimetype` entry unpacked to 300 MiB took the worker from 104 MB to 719 MB)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coalition.library import filetypes
from coalition.library import services as library
from coalition.library.models import Attachment

ODT = b"application/vnd.oasis.opendocument.text"
BOMB_BYTES = 64 * 1024 * 1024


def archive(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression, compresslevel=9) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """An ODF-looking archive whose `mimetype` entry unpacks to 64 MiB of the same byte (~64 KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("mimetype", "w", force_zip64=True) as member:
            chunk = ODT + b" " * (1024 * 1024 - len(ODT))
            member.write(chunk)
            for _ in range(BOMB_BYTES // len(chunk) - 1):
                member.write(b" " * len(chunk))
        z.writestr("content.xml", b"<office:document/>")
    return buffer.getvalue()


def test_a_real_odf_and_office_file_are_recognised() -> None:
    odt = archive({"mimetype": ODT, "content.xml": b"<office:document-content/>" * 50}, compression=zipfile.ZIP_STORED)
    docx = archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>" * 200})
    assert filetypes.detect_type(io.BytesIO(odt), "a.odt") == ODT.decode()
    assert filetypes.detect_type(io.BytesIO(docx), "a.docx").endswith("wordprocessingml.document")


def test_sniffing_a_zip_bomb_stays_small_in_memory_and_refuses_it(bomb: bytes) -> None:
    assert len(bomb) < BOMB_BYTES // 100
    tracemalloc.start()
    try:
        detected = filetypes.detect_type(io.BytesIO(bomb), "bomb.odt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert detected is None
    assert peak < 4 * 1024 * 1024  # a few MB of bookkeeping, nowhere near the 64 MiB it declares


def test_a_large_mimetype_entry_is_read_only_a_few_bytes_deep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even within the ratio limit, the sniff reads a bounded prefix, never the whole entry."""
    reads: list[int] = []
    original = zipfile.ZipExtFile.read

    def counting(self: Any, n: int = -1) -> bytes:
        reads.append(n)
        return original(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    data = archive({"mimetype": ODT + b"\n" * 100_000}, compression=zipfile.ZIP_STORED)
    filetypes.detect_type(io.BytesIO(data), "a.odt")
    assert reads and all(0 <= n <= filetypes.SNIFF_BYTES for n in reads)


def test_archives_with_absurd_declared_sizes_or_entry_counts_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    many = archive({f"word/{i}.xml": b"" for i in range(50)} | {"[Content_Types].xml": b"<Types/>"})
    monkeypatch.setattr(filetypes, "MAX_ENTRIES", 20)
    assert filetypes.detect_type(io.BytesIO(many), "many.docx") is None


@pytest.mark.django_db
def test_uploading_a_zip_bomb_is_refused_with_a_message_and_saves_nothing(
    client_for: Any, acme: Any, acme_editor: Any, bomb: bytes
) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Plans", body="Text")
    response = client_for(acme_editor).post(
        f"/library/{document.pk}/attachments/", {"file": SimpleUploadedFile("plans.odt", bomb)}, follow=True
    )
    assert "is not a PDF, image, office document" in response.content.decode()
    assert not Attachment.objects.exists()
