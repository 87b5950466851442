"""Taking a document out of the portal: the revision the person reads, as Markdown or PDF, with its
label and the person's name on every page, and one audit event naming the export id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from coalition import access
from coalition.access import Action
from coalition.audit.services import record
from coalition.core.errors import AccessDenied
from coalition.exports import labels, pdf
from coalition.exports.labels import Stamp
from coalition.library import selectors as library_selectors
from coalition.library.models import Document, Revision

FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "pdf": ("application/pdf", "pdf"),
}


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str
    stamp: Stamp


def _markdown(document: Document, revision: Revision | None, stamp: Stamp) -> bytes:
    body = revision.body.strip() if revision is not None else ""
    parts = [
        *stamp.lines(),
        "",
        f"# {labels._plain(document.title)}",
        "",
        _details(document, revision),
        "",
        body,
        "",
        *reversed(stamp.lines()),
        "",
    ]
    return "\n".join(parts).encode()


def _details(document: Document, revision: Revision | None) -> str:
    line = f"{document.get_kind_display()} · {document.owner.name} · {document.get_status_display()}"
    if revision is not None:
        line += f" · revision {revision.number}, {revision.created_at:%Y-%m-%d}"
    return labels._plain(line)


def _pdf(document: Document, revision: Revision | None, stamp: Stamp) -> bytes:
    html = render_to_string(
        "exports/document.html",
        {"document": document, "revision": revision, "stamp": stamp, "details": _details(document, revision)},
    )
    return pdf.render(html)


def export_document(*, acting_user: Any, document: Document, fmt: str) -> Export:
    """The file, and its audit event (format, export id, revision, label). Rendering comes before
    the transaction: the event is written only for a file that was made."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if not access.can(acting_user, Action.EXPORT_DOCUMENT, document):
        raise AccessDenied(Action.EXPORT_DOCUMENT)
    revision = library_selectors.shown_revision(acting_user, document)
    stamp = labels.stamp_for(acting_user, document.tlp)
    content = _pdf(document, revision, stamp) if fmt == "pdf" else _markdown(document, revision, stamp)
    with transaction.atomic():
        record(
            action="document.exported",
            actor=acting_user,
            target=document,
            target_org_id=document.owner_id,
            data={
                "format": fmt,
                "export": stamp.export_id,
                "revision": revision.number if revision is not None else None,
                "revision_id": revision.pk if revision is not None else None,
                "label": stamp.label,
            },
        )
    content_type, extension = FORMATS[fmt]
    number = f"-r{revision.number}" if revision is not None else ""
    return Export(content, content_type, f"document-{document.pk}{number}-{stamp.export_id}.{extension}", stamp)
