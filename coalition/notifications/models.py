"""Notifications: the in-app inbox, each person's email preferences, the daily digest schedule and
the email outbox that a retrying task delivers from.

Who is notified is decided when a notification is created, through coalition.access; the inbox
asks again when it shows the item, and an email asks again just before it is sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coalition.library.models import TLP, Document


class Kind(models.TextChoices):
    REVIEW_REQUESTED = "review_requested", "Review requested"
    REVIEW_DECIDED = "review_decided", "Review decided"
    COMMENT_REPLY = "comment_reply", "Reply to your comment"
    MENTION = "mention", "Mention"
    PROPOSAL_DECIDED = "proposal_decided", "Proposal decided"
    RATIFICATION_OPENED = "ratification_opened", "Ratification opened"
    RATIFICATION_ADOPTED = "ratification_adopted", "Ratification adopted"
    ACKNOWLEDGEMENT_REQUESTED = "acknowledgement_requested", "Acknowledgement requested"
    SAVED_SEARCH = "saved_search", "A saved search matched"
    PROPOSAL_SUBMITTED = "proposal_submitted", "Proposal on a document you work on"
    DOCUMENT_COMMENT = "document_comment", "Comment on a document you work on"
    REVIEW_DUE = "review_due", "Review-by date due"
    WATCHED = "watched", "Change to a document you watch"


class Mode(models.TextChoices):
    """How a person wants to be emailed about one kind of notification."""

    IMMEDIATE = "immediate", "Immediately"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


# Without a saved preference a person is emailed at once: review requests and ratifications are
# time-sensitive, and "off" must be a choice, not a silent default.
DEFAULT_MODE = Mode.IMMEDIATE


class EmailStatus(models.TextChoices):
    """What happened to a notification by email (the in-app item exists whatever this says)."""

    NONE = "none", "Not emailed"
    IMMEDIATE = "immediate", "Emailed at once"
    DIGEST_PENDING = "digest_pending", "Waiting for the daily digest"
    DIGESTED = "digested", "Sent in a daily digest"


def _values(choices: type[models.TextChoices]) -> list[str]:
    return [str(value) for value in choices.values]


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A phrase with no document text in it ("asked you to review"), shown after the actor's name.
    verb = models.CharField(max_length=200)
    # Site-relative ("/library/5/discussion/#comment-12"); checked again before any redirect.
    url = models.CharField(max_length=500)
    # Member text (a comment's first lines). Shown in the inbox to people who can still read the
    # document; in email only for TLP:CLEAR and TLP:GREEN material.
    excerpt = models.TextField(blank=True)
    # The document's label when this was created.
    tlp = models.CharField("TLP label", max_length=20, choices=TLP.choices)
    email_status = models.CharField(max_length=20, choices=EmailStatus.choices, default=EmailStatus.NONE)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # About text that may be a draft (a comment or proposal on an unpublished revision, a review of
    # one): shown only while the person still works on the text (coalition.access's working copy).
    about_draft = models.BooleanField(default=False)
    # The task the item asks of its recipient ("review:12:0:31", "proposal:7"), if any: when it is
    # done the item is marked done (and read) for everyone it was asked of. See services.mark_done.
    task = models.CharField(max_length=80, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["task"], condition=Q(done_at__isnull=True) & ~Q(task=""), name="notif_open_task_idx"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_inbox_idx"),
            # The unread count on every signed-in page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread_idx"),
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(email_status="digest_pending"),
                name="notif_digest_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=_values(Kind)), name="notif_kind_valid"),
            models.CheckConstraint(condition=Q(tlp__in=_values(TLP)), name="notif_tlp_valid"),
            models.CheckConstraint(condition=Q(email_status__in=_values(EmailStatus)), name="notif_email_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Follow(models.Model):
    """A person's star on a document and their choice to watch it. No row: not starred, and
    watching as the default says (owners' and co-drafters' editors watch; see
    coalition.access.watches_by_default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    starred = models.BooleanField(default=False)
    starred_at = models.DateTimeField(null=True, blank=True)
    # None: as the default says; True: watching; False: chose not to (even as an owner's editor).
    watching = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "document"], name="notif_follow_user_document_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "-starred_at"], condition=Q(starred=True), name="notif_follow_starred_idx"),
            models.Index(fields=["document"], condition=Q(watching=True), name="notif_follow_watching_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.document_id}"


class Preference(models.Model):
    """One person's email mode for one kind; no row means DEFAULT_MODE."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    mode = models.CharField(max_length=20, choices=Mode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notif_preference_user_kind_unique"),
            models.CheckConstraint(condition=Q(kind__in=_values(Kind)), name="notif_preference_kind_valid"),
            models.CheckConstraint(condition=Q(mode__in=_values(Mode)), name="notif_preference_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} {self.mode}"


class DigestSchedule(models.Model):
    """A person has notifications waiting for their daily digest, due at `due_at`."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"digest for {self.user_id} at {self.due_at:%Y-%m-%d %H:%M}"


class DeliveryCategory(models.TextChoices):
    NOTIFICATION = "notification", "Notification"
    DIGEST = "digest", "Daily digest"
    INVITATION = "invitation", "Invitation"
    ACCOUNT = "account", "Account email"  # allauth's: address confirmation, password reset, security notices


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class EmailDelivery(models.Model):
    """The outbox: one email to one address. A row is written in the transaction that caused the
    email, so an email exists exactly when its cause was committed; the delivery task sends it and
    records the outcome, and nothing is lost when the mail server or the worker is down."""

    Category = DeliveryCategory
    State = DeliveryState

    category = models.CharField(max_length=20, choices=DeliveryCategory.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # For a notification email: asked again before sending (the person may have lost access).
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    to_address = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    # Emptied once sent: an invitation's body holds a sign-up link, and nobody needs a copy of
    # what was mailed once it has gone.
    body = models.TextField(blank=True)
    tlp = models.CharField("TLP label", max_length=20, choices=TLP.choices, blank=True)
    state = models.CharField(max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The exception's class and message, without credentials (see outbox._describe).
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "email deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notif_delivery_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=_values(DeliveryState)), name="notif_delivery_state_valid"),
            models.CheckConstraint(
                condition=Q(category__in=_values(DeliveryCategory)), name="notif_delivery_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} to {self.to_address} ({self.state})"
