"""Which uploads are accepted, decided by their content (magic bytes, archive structure), never by
the name or the Content-Type the browser sent. SVG and HTML are refused: they can carry script."""

from __future__ import annotations

import zipfile
from typing import IO

PDF = "application/pdf"
OFFICE_ZIP = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = {
    b"application/vnd.oasis.opendocument.text",
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.presentation",
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt
TEXT_TYPES = {"txt": "text/plain", "md": "text/markdown", "csv": "text/csv"}


def _head(upload: IO[bytes], n: int = 4096) -> bytes:
    upload.seek(0)
    data = upload.read(n)
    upload.seek(0)
    return data


# An office file is a zip archive. Sniffing it reads the list of names and at most a few bytes of
# one member, never a whole entry: a 300 KB upload can declare a `mimetype` of 300 MiB (a zip bomb).
# Archives whose declared sizes make no sense for a document are refused outright.
SNIFF_BYTES = 256
MAX_ENTRIES = 10_000
MAX_DECLARED_BYTES = 1024**3  # 1 GiB unpacked
MAX_RATIO = 200  # unpacked : packed over the whole archive; office XML compresses 5-30x


def _plausible(archive: zipfile.ZipFile) -> bool:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        return False
    declared = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    return declared <= MAX_DECLARED_BYTES and declared <= MAX_RATIO * max(packed, 1)


def _office_zip(upload: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            if not _plausible(archive):
                return None
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    mimetype = member.read(SNIFF_BYTES).strip()
                return mimetype.decode() if mimetype in ODF else None
            if "[Content_Types].xml" in names:
                for prefix, content_type in OFFICE_ZIP.items():
                    if any(name.startswith(prefix) for name in names):
                        return content_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, KeyError, EOFError, NotImplementedError):
        return None
    finally:
        upload.seek(0)
    return None


def _is_text(upload: IO[bytes]) -> bool:
    upload.seek(0)
    try:
        for chunk in iter(lambda: upload.read(65536), b""):
            if b"\x00" in chunk:
                return False
            chunk.decode("utf-8")  # a chunk may split a character: checked leniently below
    except UnicodeDecodeError:
        upload.seek(0)
        try:
            upload.read().decode("utf-8")
        except UnicodeDecodeError:
            return False
    finally:
        upload.seek(0)
    head = _head(upload, 1024).lstrip().lower()
    return not head.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script"))


def detect_type(upload: IO[bytes], name: str) -> str | None:
    """The content type of an acceptable upload, or None if it is not one we take."""
    head = _head(upload)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(OLE2):
        return "application/x-ole-storage"
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(upload)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in TEXT_TYPES and _is_text(upload):
        return TEXT_TYPES[extension]
    return None
