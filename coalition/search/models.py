"""The search index: one entry per text a group of readers sees.

A document has one entry when everyone who reads it reads the same revision (`Variant.ALL`), and
two while a new draft is under way: the working copy, for the owner, co-drafters and grant holders,
and the published revision, for its audience. Who may read the document is not stored here: it is
the access module's predicate on the document's live columns, joined in the same statement, so a
relabel, a share, an archive or a revoked grant counts at once.

One fact is kept beside that rule as a hint, never as the decision: whether the document is public
(`Entry.public`, access.is_public), so that the search of someone whose only audience is the public
(a visitor, an account in no organisation) walks the public entries' own indexes instead of every
entry (backends._routes). The predicate is joined all the same, so a stale hint could hide an
entry from them, never show one; and the services that share, relabel, publish or archive keep it
in step in their own transaction (index.access_changed).

Comment threads and change proposals have an entry each (`Entry.Kind`), under their document's
access rule and the revision they were made on.

The words themselves are indexed by the backend: on PostgreSQL a weighted `tsvector` in `vector`
(GIN index), on SQLite the FTS5 table `search_fts`, whose rowid is the entry's id (`FtsRow`).
"""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from coalition.drafting.models import Comment, Proposal
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

    class Kind(models.TextChoices):
        DOCUMENT = "document", "Document"
        COMMENT = "comment", "Comment"
        PROPOSAL = "proposal", "Change proposal"

    # A comment or a proposal is read by whoever reads the revision it was made on: every reader of
    # the document once that revision is published (ALL), before then those who see the working
    # copy (WORKING), exactly as coalition.drafting.selectors shows them.
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DOCUMENT)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, related_name="+")
    variant = models.CharField(max_length=10, choices=Variant.choices)
    revision_number = models.PositiveIntegerField(null=True)
    title = models.TextField()
    summary = models.TextField(blank=True)
    topics = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # The text search configuration of the document's language: english, french or simple.
    config = models.CharField(max_length=20, default="simple")
    vector = VectorField(null=True, editable=False)
    # The document is public (access.is_public) as of the last change to it: a hint for the walk of
    # those who read public documents only (see the module's docstring), not a permission.
    public = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "variant"], condition=models.Q(kind="document"), name="search_entry_unique"
            ),
            models.UniqueConstraint(fields=["comment"], name="search_entry_comment_unique"),
            models.UniqueConstraint(fields=["proposal"], name="search_entry_proposal_unique"),
            models.CheckConstraint(
                condition=models.Q(variant__in=["all", "working", "published"]), name="search_entry_variant_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="document", comment__isnull=True, proposal__isnull=True)
                    | models.Q(kind="comment", comment__isnull=False, proposal__isnull=True)
                    | models.Q(kind="proposal", comment__isnull=True, proposal__isnull=False)
                ),
                name="search_entry_kind_valid",
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


# The words kept for "did you mean" and for completing a word being typed: letters only, folded.
WORD_MIN_LENGTH, WORD_MAX_LENGTH = 3, 40


def fold(word: str) -> str:
    """A word as the Word list keeps it."""
    return unicodedata.normalize("NFC", word.lower())


class Word(models.Model):
    """A word that occurs somewhere in the index, for "did you mean". It says nothing by itself: a
    correction is offered only when the corrected search finds something the person may read
    (coalition/search/spelling.py). Words are added as text is indexed and not removed (a word no
    longer anywhere simply finds nothing and is never offered)."""

    text = models.CharField(max_length=40, unique=True)
    # Candidates for a misspelt word are looked up by first letter and length.
    initial = models.CharField(max_length=1)
    length = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["initial", "length"], name="search_word_shape")]

    def __str__(self) -> str:
        return self.text


# The text search configuration of the principles' entries below on PostgreSQL: English's stemming
# ("classifiers" finds "classifier"). SQLite's FTS5 tables stem with porter.
REPORTING_CONFIG = "english"


class ReportingKind(models.TextChoices):
    PRINCIPLE = "principle", "Principle"
    RECORD = "record", "Implementation record"
    MILEPOST = "milepost", "Milepost"


class ReportingEntry(models.Model):
    """Principles, implementation records and mileposts are indexed apart from the documents (whose
    entries above are searched on a hot path this must not slow down), each kind in a small table
    of its own: one entry per item, holding its words only. Who may read an item is the access
    module's rule on the item's live columns, joined in the same statement as the match
    (coalition/search/reporting.py), so sharing or relabelling a record or a milepost counts at once
    without touching the index. A table per kind, not one for all: each kind is searched by its
    own statements, and PostgreSQL's estimates of how many entries a word matches are per table (a
    word in every record read as common in mileposts too, and the mileposts were walked one by one).

    What an entry holds (coalition/search/reporting_index.py): a principle's code, title and short
    text; a record's principle code and title, its owner organisation's name, its evidence text and
    its evidence items' notes (never a linked document's title: that is the document's own); a
    milepost's statement, category and organisation. On PostgreSQL the words are a weighted
    `tsvector` in `vector` (a GIN index per table), on SQLite an FTS5 table per kind (`fts_table`)."""

    kind: ClassVar[str]
    item_field: ClassVar[str]
    fts_table: ClassVar[str]

    title = models.TextField()
    body = models.TextField(blank=True)
    vector = VectorField(null=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class PrincipleEntry(ReportingEntry):
    kind = ReportingKind.PRINCIPLE
    item_field = "principle"
    fts_table = "search_principle_fts"

    principle = models.OneToOneField("principles.Principle", on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "search_principle_entry"


class RecordEntry(ReportingEntry):
    kind = ReportingKind.RECORD
    item_field = "record"
    fts_table = "search_record_fts"

    record = models.OneToOneField("principles.ImplementationRecord", on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "search_record_entry"


class MilepostEntry(ReportingEntry):
    kind = ReportingKind.MILEPOST
    item_field = "milepost"
    fts_table = "search_milepost_fts"

    milepost = models.OneToOneField("principles.Milepost", on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "search_milepost_entry"


REPORTING_MODELS: dict[str, type[ReportingEntry]] = {
    ReportingKind.PRINCIPLE: PrincipleEntry,
    ReportingKind.RECORD: RecordEntry,
    ReportingKind.MILEPOST: MilepostEntry,
}


class PrincipleFtsRow(models.Model):
    """SQLite's FTS5 tables, for joins from the entries (created by the migration on SQLite only)."""

    entry = models.OneToOneField(
        PrincipleEntry, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="fts"
    )

    class Meta:
        managed = False
        db_table = "search_principle_fts"

    def __str__(self) -> str:
        return f"FTS row {self.pk}"


class RecordFtsRow(models.Model):
    entry = models.OneToOneField(
        RecordEntry, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="fts"
    )

    class Meta:
        managed = False
        db_table = "search_record_fts"

    def __str__(self) -> str:
        return f"FTS row {self.pk}"


class MilepostFtsRow(models.Model):
    entry = models.OneToOneField(
        MilepostEntry, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="fts"
    )

    class Meta:
        managed = False
        db_table = "search_milepost_fts"

    def __str__(self) -> str:
        return f"FTS row {self.pk}"
