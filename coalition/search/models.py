"""The search index: one entry per text a group of readers sees.

A document has one entry when everyone who reads it reads the same revision (`Variant.ALL`), and
two while a new draft is under way: the working copy, for the owner, co-drafters and grant holders,
and the published revision, for its audience. Who may read the document is not stored here: it is
the access module's predicate on the document's live columns, joined in the same statement, so a
relabel, a share, an archive or a revoked grant counts at once.

The words themselves are indexed by the backend: on PostgreSQL a weighted `tsvector` in `vector`
(GIN index), on SQLite the FTS5 table `search_fts`, whose rowid is the entry's id (`FtsRow`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from coalition.library.models import Document


class VectorField(models.Field):  # type: ignore[type-arg]
    """PostgreSQL's tsvector; on SQLite an unused text column (its words live in FTS5)."""

    def db_type(self, connection: Any) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class Entry(models.Model):
    class Variant(models.TextChoices):
        ALL = "all", "Every reader"
        WORKING = "working", "Working copy"
        PUBLISHED = "published", "Published revision"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=10, choices=Variant.choices)
    revision_number = models.PositiveIntegerField(null=True)
    title = models.TextField()
    summary = models.TextField(blank=True)
    topics = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # The text search configuration of the document's language: english, french or simple.
    config = models.CharField(max_length=20, default="simple")
    vector = VectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "variant"], name="search_entry_unique"),
            models.CheckConstraint(
                condition=models.Q(variant__in=["all", "working", "published"]), name="search_entry_variant_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.variant})"


class FtsRow(models.Model):
    """SQLite's FTS5 table, for joins from Entry (created by the migration on SQLite only)."""

    entry = models.OneToOneField(
        Entry, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="fts"
    )

    class Meta:
        managed = False
        db_table = "search_fts"

    def __str__(self) -> str:
        return f"FTS row {self.pk}"


class SavedSearch(models.Model):
    """A search a person keeps, and is told about when a new or changed document matches it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "text"], name="search_saved_unique")]

    def __str__(self) -> str:
        return self.text


class SavedSearchAlert(models.Model):
    """One alert sent: a saved search matched this revision of a document, as its owner reads it.
    The unique row is what keeps a second change to the same text from alerting twice."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="alerts")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    revision_number = models.PositiveIntegerField(default=0)  # 0: a document with no text yet
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["saved_search", "document", "revision_number"], name="search_alert_unique")
        ]

    def __str__(self) -> str:
        return f"{self.saved_search} → {self.document_id} r{self.revision_number}"
