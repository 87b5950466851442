"""Writes to evidence items (links to library documents, attached files) and the label rule that
ties a record to its evidence: a record's label is at least as restrictive as every item's, so a
TLP:CLEAR record never carries AMBER evidence. Each write runs in a transaction and records its
audit event (kinds, ids and labels, never the text)."""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.audit.services import record as audit
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.filetypes import detect_type
from coalition.library.models import TLP, TLP_RANK, Document
from coalition.principles.models import EvidenceItem, EvidenceStatus, ImplementationRecord
from coalition.search import reporting_index

logger = logging.getLogger(__name__)
MAX_EVIDENCE_ITEMS = 50
MAX_NOTE_CHARS = 300


def _require(user: Any, action: Action, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


def _label(tlp: str) -> str:
    return str(TLP(tlp).label).upper()


def check_label_covers(record_tlp: str, evidence_tlp: str, *, what: str) -> None:
    if TLP_RANK[evidence_tlp] > TLP_RANK[record_tlp]:
        raise ServiceError(
            _(
                "A %(record)s record cannot carry %(evidence)s evidence (%(what)s): label the record at least "
                "%(evidence)s, or choose other evidence."
            )
            % {"record": _label(record_tlp), "evidence": _label(evidence_tlp), "what": what},
            code="tlp",
        )


def check_record_label(record: ImplementationRecord, tlp: str) -> None:
    """Refuse a label for the record that is less restrictive than any of its evidence."""
    for item in record.evidence_items.select_related("document"):
        check_label_covers(tlp, item.label_tlp, what=item.original_name or _("a linked library document"))


def _check_values(*, status: str, expires_on: datetime.date | None, note: str) -> None:
    if status not in EvidenceStatus.values:
        raise ServiceError(_("Choose an evidence status from the list."), code="status")
    if len(note) > MAX_NOTE_CHARS:
        raise ServiceError(_("Keep the note under %(n)s characters.") % {"n": MAX_NOTE_CHARS}, code="note")
    if expires_on is not None and expires_on.year > 2100:
        raise ServiceError(_("Choose an expiry date before 2100."), code="expires_on")


def _check_room(record: ImplementationRecord) -> None:
    if record.evidence_items.count() >= MAX_EVIDENCE_ITEMS:
        raise ServiceError(
            _("A record holds at most %(n)s evidence items: remove superseded ones first.") % {"n": MAX_EVIDENCE_ITEMS},
            code=None,
        )


def _audit(action: str, *, acting_user: Any, item: EvidenceItem, **data: Any) -> None:
    audit(
        action=action,
        actor=acting_user,
        target=item.record,
        target_org_id=item.record.organisation_id,
        data={"evidence": item.pk, "kind": item.kind, "label": _label(item.label_tlp), **data},
    )


@transaction.atomic
def link_document(
    *,
    acting_user: Any,
    record: ImplementationRecord,
    document: Document,
    note: str = "",
    status: str = EvidenceStatus.CURRENT,
    expires_on: datetime.date | None = None,
) -> EvidenceItem:
    record = ImplementationRecord.objects.select_for_update().get(pk=record.pk)
    _require(acting_user, Action.EDIT_IMPLEMENTATION, record)
    if not access.can(acting_user, Action.LINK_EVIDENCE_DOCUMENT, document):
        # The same words whether it does not exist or is not theirs.
        raise ServiceError(_("Choose a library document you may read."), code="document")
    _check_values(status=status, expires_on=expires_on, note=note)
    _check_room(record)
    check_label_covers(record.tlp, document.tlp, what=document.title)
    if record.evidence_items.filter(document=document).exists():
        raise ServiceError(_("This document is already linked as evidence."), code="document")
    item = EvidenceItem(
        record=record,
        kind=EvidenceItem.Kind.DOCUMENT,
        document=document,
        note=note.strip(),
        tlp=document.tlp,
        status=status,
        expires_on=expires_on,
        added_by=acting_user,
    )
    item.full_clean()
    item.save()
    reporting_index.index_records([record.pk])  # its note is the record's text
    _audit("implementation.evidence_added", acting_user=acting_user, item=item, document=document.pk)
    return item


def attach_file(
    *,
    acting_user: Any,
    record: ImplementationRecord,
    upload: File,
    tlp: str,
    max_bytes: int,
    note: str = "",
    status: str = EvidenceStatus.CURRENT,
    expires_on: datetime.date | None = None,
) -> EvidenceItem:
    """Store the file with its SHA-256, then the row and its audit event in one transaction;
    whatever fails after the file is written removes it again (as library attachments do)."""
    _require(acting_user, Action.EDIT_IMPLEMENTATION, record)
    if tlp not in TLP.values:
        raise ServiceError(_("“%(tlp)s” is not a TLP label.") % {"tlp": tlp}, code="tlp")
    check_label_covers(record.tlp, tlp, what=_("the file"))
    _check_values(status=status, expires_on=expires_on, note=note)
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
    if upload.size is None or upload.size > max_bytes:
        raise ServiceError(
            _("“%(name)s” is larger than the limit of %(mb)s MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)},
            code="file",
        )
    if upload.size == 0:
        raise ServiceError(_("“%(name)s” is empty.") % {"name": name}, code="file")
    content_type = detect_type(upload, name)
    if content_type is None:
        raise ServiceError(
            _("“%(name)s” is not a PDF, image, office document, text or CSV file (its content was checked).")
            % {"name": name},
            code="file",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    target = f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    try:
        storage_name = default_storage.save(target, upload)
    except OSError as error:
        logger.warning("Evidence for record %s could not be stored: %s", record.pk, error)
        raise ServiceError(
            _("“%(name)s” could not be stored: the file storage is full or unavailable. Nothing was attached.")
            % {"name": name},
            code="file",
        ) from error
    try:
        with transaction.atomic():
            locked = ImplementationRecord.objects.select_for_update().get(pk=record.pk)
            check_label_covers(locked.tlp, tlp, what=name)  # the record may have been relabelled meanwhile
            _check_room(locked)
            item = EvidenceItem(
                record=locked,
                kind=EvidenceItem.Kind.FILE,
                note=note.strip(),
                original_name=name,
                storage_name=storage_name,
                content_type=content_type,
                size=upload.size,
                sha256=digest.hexdigest(),
                tlp=tlp,
                status=status,
                expires_on=expires_on,
                added_by=acting_user,
            )
            item.full_clean()
            item.save()
            reporting_index.index_records([locked.pk])
            _audit("implementation.evidence_added", acting_user=acting_user, item=item, size=upload.size)
    except BaseException:
        _discard(storage_name)
        raise
    return item


@transaction.atomic
def update_item(
    *, acting_user: Any, item: EvidenceItem, status: str, expires_on: datetime.date | None, note: str
) -> EvidenceItem:
    item = EvidenceItem.objects.select_for_update(of=("self",)).select_related("record", "document").get(pk=item.pk)
    _require(acting_user, Action.EDIT_EVIDENCE, item)
    _check_values(status=status, expires_on=expires_on, note=note)
    changed = [
        name
        for name, value in (("status", status), ("expires_on", expires_on), ("note", note.strip()))
        if getattr(item, name) != value
    ]
    if not changed:
        return item
    item.status, item.expires_on, item.note = status, expires_on, note.strip()
    item.full_clean()
    item.save(update_fields=["status", "expires_on", "note"])
    if "note" in changed:
        reporting_index.index_records([item.record_id])
    _audit("implementation.evidence_updated", acting_user=acting_user, item=item, fields=sorted(changed))
    return item


def remove_item(*, acting_user: Any, item: EvidenceItem) -> None:
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update(of=("self",)).select_related("record", "document").get(pk=item.pk)
        _require(acting_user, Action.EDIT_EVIDENCE, item)
        storage_name = item.storage_name
        _audit("implementation.evidence_removed", acting_user=acting_user, item=item)
        item.delete()
        reporting_index.index_records([item.record_id])
    if storage_name:
        _discard(storage_name)


def _discard(name: str) -> None:
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
    except OSError:
        logger.exception("Could not remove the evidence file %s", name)
