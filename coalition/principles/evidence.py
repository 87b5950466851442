"""Evidence items on an implementation record: a link to a library document or an attached file
(stored with its SHA-256), each with a status and an expiry date. An item's label is the linked
document's (read live) or the one chosen for the file; a record's label is never less restrictive
than its evidence's (coalition/principles/evidence_services.py enforces it)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.library.models import TLP, Document


class EvidenceStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    UNDER_REVIEW = "under_review", _("Under review")
    SUPERSEDED = "superseded", _("Superseded")


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Library document")
        FILE = "file", _("Attached file")

    record = models.ForeignKey(
        "principles.ImplementationRecord", on_delete=models.CASCADE, related_name="evidence_items"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.CharField(_("What it shows"), max_length=300, blank=True)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # An attached file, stored under a name the server chose (as library attachments are).
    original_name = models.CharField(max_length=255, blank=True)
    storage_name = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # The label: a file's as chosen; a document's as it was when linked (its live label decides).
    tlp = models.CharField("TLP label", max_length=20, choices=TLP.choices)
    status = models.CharField(max_length=20, choices=EvidenceStatus.choices, default=EvidenceStatus.CURRENT)
    expires_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="document", document__isnull=False)
                | Q(kind="file", document__isnull=True) & ~Q(sha256="") & ~Q(storage_name=""),
                name="principles_evidence_document_or_file",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["current", "under_review", "superseded"]), name="principles_evidence_status"
            ),
            models.CheckConstraint(
                condition=Q(tlp__in=["clear", "green", "amber", "amber_strict", "red"]), name="principles_evidence_tlp"
            ),
        ]
        indexes = [models.Index(fields=["record", "created_at"], name="principles_evidence_rec_idx")]

    def __str__(self) -> str:
        return self.original_name or f"document {self.document_id}"

    @property
    def label_tlp(self) -> str:
        """The label that counts: a linked document's current one (it may have been relabelled)."""
        if self.kind == self.Kind.DOCUMENT and self.document is not None:
            return self.document.tlp
        return self.tlp

    @property
    def expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    def expires_soon(self, days: int = 30) -> bool:
        return (
            self.expires_on is not None
            and not self.expired
            and self.expires_on <= timezone.localdate() + datetime.timedelta(days=days)
        )
