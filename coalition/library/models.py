"""Documents, their immutable revisions and attachments, and the explicit grants on them.

Who may read a document follows from its audience, its TLP label and its owner's memberships;
explicit grants to named people or organisations sit in guardian's direct-foreign-key tables.
Only coalition/access/ reads these to decide anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from coalition.core.models import TimeStampedModel
from coalition.organisations.models import Community, Organisation


class TLP(models.TextChoices):
    """Traffic Light Protocol 2.0 labels (FIRST)."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber_strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


# Higher is more restrictive; lowering a label (e.g. AMBER -> GREEN) widens who may see it.
TLP_RANK: dict[str, int] = {TLP.CLEAR: 0, TLP.GREEN: 1, TLP.AMBER: 2, TLP.AMBER_STRICT: 3, TLP.RED: 4}


class Audience(models.TextChoices):
    ORGANISATION = "organisation", "Owner organisation only"
    NAMED = "named", "Named organisations and communities"
    COALITION = "coalition", "The whole coalition"
    PUBLIC = "public", "Public"


# Wider audiences include narrower ones.
AUDIENCE_RANK: dict[str, int] = {Audience.ORGANISATION: 0, Audience.NAMED: 1, Audience.COALITION: 2, Audience.PUBLIC: 3}


# The languages a document may be written in (its text search configuration follows it).
LANGUAGES = [
    ("en", "English"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("ar", "Arabic"),
]


class Topic(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(TimeStampedModel):
    class Kind(models.TextChoices):
        POLICY = "policy", "Policy"
        PRINCIPLES = "principles", "Principles"
        GUIDANCE = "guidance", "Guidance"
        RESEARCH = "research", "Research"
        TEMPLATE = "template", "Template"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.POLICY)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=2000, blank=True)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="documents")
    co_drafters = models.ManyToManyField(Organisation, related_name="co_drafted_documents", blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.ORGANISATION)
    audience_organisations = models.ManyToManyField(Organisation, related_name="+", blank=True)
    audience_communities = models.ManyToManyField(Community, related_name="+", blank=True)
    tlp = models.CharField("TLP label", max_length=20, choices=TLP.choices, default=TLP.AMBER)
    topics = models.ManyToManyField(Topic, related_name="documents", blank=True)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_by = models.DateField(null=True, blank=True)
    review_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    current_revision = models.ForeignKey("Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What the audience reads once the document is out; drafters meanwhile work on current_revision.
    published_revision = models.ForeignKey(
        "Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("comment_document", "Can comment on document")]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="library_doc_created_idx"),
            models.Index(fields=["owner", "-created_at"], name="library_doc_owner_idx"),
            models.Index(fields=["audience", "-created_at"], name="library_doc_aud_created_idx"),
            # The library's other sorts walk these as "newest" walks the first (docs/performance.md).
            models.Index(fields=["title", "id"], name="library_doc_title_idx"),
            models.Index(fields=["-updated_at", "-id"], name="library_doc_updated_idx"),
            # The daily review-by reminder and My work's "review due" (most documents have no date).
            models.Index(
                fields=["review_owner", "review_by"],
                condition=Q(review_by__isnull=False),
                name="library_doc_review_idx",
            ),
        ]
        constraints = [
            # TLP 2.0 as the portal enforces it (docs/architecture.md): public means CLEAR.
            models.CheckConstraint(
                condition=~Q(audience="public") | Q(tlp="clear"), name="library_doc_public_is_clear"
            ),
            models.CheckConstraint(
                condition=Q(tlp__in=["clear", "green", "amber", "amber_strict", "red"]), name="library_doc_tlp_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["organisation", "named", "coalition", "public"]),
                name="library_doc_audience_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Revision(models.Model):
    """One immutable version of a document's text; its sanitised HTML is rendered once, here."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.CharField(max_length=300, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when this revision went out to the document's audience; readers who see the document only
    # through its audience see only such revisions.
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="library_revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document} r{self.number}"


class Attachment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=255)
    # Chosen by the server: never derived from what the uploader called the file.
    storage_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["original_name"]

    def __str__(self) -> str:
        return self.original_name


class RecentView(models.Model):
    """When a person last opened a document's page (My work lists the recent ones). One row per
    person and document, updated in place; what they read is on the audit log, not here."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "document"], name="library_recentview_unique"),
        ]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="library_recentview_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.document_id}"


class DocumentUserGrant(UserObjectPermissionBase):
    """A grant to one named person (guardian's direct-foreign-key table for documents)."""

    content_object = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        indexes = [models.Index(fields=["user", "content_object"], name="library_usergrant_user_idx")]


class DocumentGroupGrant(GroupObjectPermissionBase):
    """A grant to an organisation, through the organisation's guardian group."""

    content_object = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [models.Index(fields=["group", "content_object"], name="library_groupgrant_group_idx")]
