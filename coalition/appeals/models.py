"""Public appeals ("do you recognise this object?"), the anonymous tips sent to them, and the
directory of national hotlines and helplines the reporting page sends people to.

A tip holds only what its sender typed: no address, browser, referrer or account, and its times
are kept to the hour (docs/appeals.md#what-is-never-stored).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coalition.core.models import TimeStampedModel


def _values(choices: type[models.TextChoices]) -> list[str]:
    return [str(value) for value in choices.values]


class ObjectType(models.TextChoices):
    CLOTHING = "clothing", _("Clothing")
    TEXTILE = "textile", _("Bedding, towels and fabric")
    TOILETRY = "toiletry", _("Toiletries and cosmetics")
    TOY = "toy", _("Toys and games")
    FURNITURE = "furniture", _("Furniture and fittings")
    PACKAGING = "packaging", _("Packaging and labels")
    ELECTRICAL = "electrical", _("Electrical items and sockets")
    PLACE = "place", _("Places, views and buildings")
    OTHER = "other", _("Other objects")


class Appeal(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="appeals")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    # ISO 3166-1 alpha-2 codes where the object may come from or be sold ("country hints").
    countries = models.JSONField(default=list, blank=True)
    # The same codes as "|BE|FR|", kept by save(): the gallery's country filter on every database.
    country_codes = models.CharField(max_length=200, blank=True, editable=False)
    # Languages that may matter (on a label, a sign); the appeal's own texts are in AppealText.
    languages = models.JSONField(default=list, blank=True)
    # The language of the text shown when there is none in the visitor's language.
    primary_language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    outcome_note = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Kept by the tip service (an F() update), so the gallery never counts tips.
    tips_received = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "solved", "closed"]), name="appeals_appeal_status_valid"
            ),
            models.CheckConstraint(condition=Q(object_type__in=_values(ObjectType)), name="appeals_appeal_type_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="appeals_appeal_published_has_date"
            ),
        ]
        indexes = [
            # The public gallery, newest first: walked in order, each row's status and organisation
            # checked, until a page is full (drafts have no date and sort last). Not a partial
            # index: SQLite uses one only when the query spells its condition in literals.
            models.Index(fields=["-published_at", "-id"], name="appeals_newest_idx"),
            models.Index(fields=["status", "-published_at", "-id"], name="appeals_gallery_idx"),
            models.Index(fields=["object_type", "status", "-published_at"], name="appeals_type_idx"),
            models.Index(fields=["organisation", "-updated_at"], name="appeals_org_idx"),
        ]

    def __str__(self) -> str:
        return f"Appeal #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.country_codes = "".join(f"|{code}" for code in self.countries) + ("|" if self.countries else "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "countries" in update_fields:
            kwargs["update_fields"] = [*update_fields, "country_codes"]
        super().save(*args, **kwargs)

    def text_for(self, language: str) -> AppealText | None:
        """The text in `language`, else the main one (texts are prefetched by the pages)."""
        texts = list(self.texts.all())
        return (
            next((t for t in texts if t.language == language), None)
            or next((t for t in texts if t.language == self.primary_language), None)
            or (texts[0] if texts else None)
        )

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def takes_tips(self) -> bool:
        return self.status == self.Status.OPEN


class AppealText(models.Model):
    """The appeal's words in one language: title, description and the questions it asks."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000)
    questions = models.JSONField(default=list)

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["appeal", "language"], name="appeals_text_one_per_language")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class AppealImage(models.Model):
    """A re-encoded copy of an uploaded image and its thumbnail (the original is never kept)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="images")
    order = models.PositiveSmallIntegerField(default=0)
    # Paths in the default storage, under appeals/<appeal id>/.
    display_name = models.CharField(max_length=200)
    thumbnail_name = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    alt_text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"Image {self.pk} of appeal {self.appeal_id}"


class Tip(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        USEFUL = "useful", _("Useful")
        DUPLICATE = "duplicate", _("Duplicate")
        NOT_USEFUL = "not_useful", _("Not useful")
        FORWARDED = "forwarded", _("Forwarded to an authority")
        CLOSED = "closed", _("Closed")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="tips")
    # The appeal's organisation when the tip arrived: who may read it (denormalised for the inbox).
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=8)
    # [{"question": ..., "answer": ...}] in the words the sender saw.
    answers = models.JSONField(default=list)
    text = models.TextField(blank=True)
    contact = models.CharField(max_length=300, blank=True)
    # Argon2id of the receipt (docs/appeals.md#receipts): the receipt itself is shown once, never stored.
    receipt_hash = models.CharField(max_length=64, unique=True)
    # To the hour: an exact time could be matched against a network's records.
    received_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    forwarded_to = models.CharField(max_length=200, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "useful", "duplicate", "not_useful", "forwarded", "closed"]),
                name="appeals_tip_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="forwarded") | (Q(forwarded_at__isnull=False) & ~Q(forwarded_to="")),
                name="appeals_tip_forwarded_says_where",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-received_at", "-id"], name="appeals_tip_inbox_idx"),
            models.Index(fields=["organisation", "status", "-received_at", "-id"], name="appeals_tip_status_idx"),
            models.Index(fields=["appeal", "-received_at"], name="appeals_tip_appeal_idx"),
        ]

    def __str__(self) -> str:
        return f"Tip #{self.pk}"


class TipNote(models.Model):
    """A handler's note on a tip, for the other handlers (never shown to the sender)."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk} on tip {self.tip_id}"


class TipMessage(models.Model):
    """The conversation with the sender: handlers' follow-up questions and the sender's answers."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    from_sender = models.BooleanField()
    # The handler who asked (None for the sender's answers, who is never identified).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(max_length=10000)
    # To the hour for the sender's messages, as for the tip.
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_sender=False) | Q(author__isnull=True), name="appeals_message_sender_anonymous"
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} on tip {self.tip_id}"


class Helpline(TimeStampedModel):
    """One entry of the reporting page's directory, kept by the secretariat."""

    class Kind(models.TextChoices):
        HOTLINE = "hotline", _("Hotline for reporting abuse material")
        CHILD_HELPLINE = "child", _("Helpline for children and young people")
        PREVENTION = "prevention", _("Confidential help for people worried about their own thoughts")

    # ISO 3166-1 alpha-2, or "" for a service open to every country.
    country = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=300)
    phone = models.CharField(max_length=40, blank=True)
    languages = models.JSONField(default=list, blank=True)
    accepts = models.TextField(max_length=1000, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["country", "kind", "order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["hotline", "child", "prevention"]), name="appeals_helpline_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["country", "kind"], name="appeals_helpline_country_idx")]

    def __str__(self) -> str:
        return self.name
