"""Drafting a document together: comments, change proposals, reviews, ratification and
acknowledgement. Every row belongs to one document and, where it speaks about text, to the
revision it was made on, so later revisions never silently re-target what someone said.

Only coalition/access/ decides who may do what; coalition/drafting/services.py writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from coalition.library.models import Document, Revision
from coalition.organisations.models import Community, Organisation, Role


class Anchor(models.TextChoices):
    DOCUMENT = "document", "Whole document"
    SECTION = "section", "Section"
    QUOTE = "quote", "Quoted passage"


class AnchoredMixin(models.Model):
    """Where in a revision an item points: the whole text, a heading anchor, or a quoted passage."""

    anchor = models.CharField(max_length=10, choices=Anchor.choices, default=Anchor.DOCUMENT)
    # A heading id the renderer made ("doc-scope"), and its heading text when the item was made.
    section = models.CharField(max_length=120, blank=True)
    section_title = models.CharField(max_length=300, blank=True)
    quote = models.TextField(max_length=2000, blank=True)

    class Meta:
        abstract = True

    @property
    def clause(self) -> str:
        if self.anchor == Anchor.SECTION:
            return self.section_title or self.section
        if self.anchor == Anchor.QUOTE:
            return f"“{self.quote[:120]}{'…' if len(self.quote) > 120 else ''}”"
        return "Whole document"


class Comment(AnchoredMixin):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="comments")
    # Replies hang off the thread's first comment; threads are one level deep, as in GitHub reviews.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The organisation the author spoke for, kept as it was (the disposition table cites it).
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=10_000)
    html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["document", "created_at"], name="drafting_comment_doc_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(anchor__in=["document", "section", "quote"]), name="drafting_comment_anchor_valid"
            ),
            # Only a thread's first comment is anchored or resolved; replies follow it.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | (Q(anchor="document") & Q(resolved_at__isnull=True)),
                name="drafting_comment_reply_plain",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.document_id}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class Proposal(AnchoredMixin):
    """Replacement text for a section or passage, which owner-side editors accept or reject."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        ACCEPTED_WITH_CHANGES = "accepted_with_changes", "Accepted with changes"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="proposals")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # What stood in the text when proposed (the section's Markdown, or the quote) and its replacement.
    original = models.TextField(max_length=50_000)
    replacement = models.TextField(max_length=50_000)
    rationale = models.TextField(max_length=5000)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(max_length=5000, blank=True)
    # The text that went in when accepted with changes.
    final_text = models.TextField(max_length=50_000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    result_revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, null=True, blank=True, related_name="accepted_proposals"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["document", "status"], name="drafting_proposal_doc_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "accepted_with_changes", "rejected", "withdrawn"]),
                name="drafting_proposal_status_valid",
            ),
            models.CheckConstraint(condition=~Q(anchor="document"), name="drafting_proposal_anchored"),
            # A decision always carries a response (the disposition table shows it).
            models.CheckConstraint(
                condition=Q(status__in=["open", "withdrawn"]) | (~Q(response="") & Q(decided_at__isnull=False)),
                name="drafting_proposal_decided_has_response",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "accepted_with_changes"]) | Q(result_revision__isnull=False),
                name="drafting_proposal_accepted_has_revision",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.pk} on {self.document_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ReviewStep(models.Model):
    """One step of a document's review, assigned to a role in an organisation or a community."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="review_steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="drafting_step_position_unique"),
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(community__isnull=True))
                | (Q(organisation__isnull=True) & Q(community__isnull=False)),
                name="drafting_step_one_assignee",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["admin", "editor", "contributor", "reader"]), name="drafting_step_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def assignee(self) -> str:
        role = Role(self.role).label.lower()
        where = self.organisation.name if self.organisation_id else f"the {self.community}"  # type: ignore[union-attr]
        return f"{role}s at {where}" if self.role == Role.ADMIN else f"{role}s and above at {where}"


class Review(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        COMPLETED = "completed", "Completed (published)"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATES = ("in_progress", "changes_requested", "approved")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    # Position of the step now deciding (steps are taken in order).
    current_position = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The step names and assignees as they were when review was requested, for the record.
    steps_snapshot = models.JSONField(default=list)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(state__in=["in_progress", "changes_requested", "approved"]),
                name="drafting_one_open_review_per_document",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["in_progress", "changes_requested", "approved", "completed", "withdrawn"]),
                name="drafting_review_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk} of {self.document_id}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class ReviewDecision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", "Approved"
        CHANGES = "changes", "Changes requested"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField()
    step_name = models.CharField(max_length=120)
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    comment = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["approve", "changes"]), name="drafting_decision_valid"),
            # Asking for changes always says which.
            models.CheckConstraint(
                condition=Q(outcome="approve") | ~Q(comment=""), name="drafting_decision_changes_explained"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at step {self.position}"


class Ratification(models.Model):
    """Member organisations endorsing one fixed published revision of a principles document."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ADOPTED = "adopted", "Adopted"
        SUPERSEDED = "superseded", "Superseded by a newer revision"
        CLOSED = "closed", "Closed without adoption"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="ratifications")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="ratifications")
    quorum = models.PositiveIntegerField()
    eligible = models.PositiveIntegerField(help_text="Active member organisations when it opened.")
    deadline = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"], condition=Q(state="open"), name="drafting_one_open_ratification_per_document"
            ),
            models.CheckConstraint(condition=Q(quorum__gte=1), name="drafting_ratification_quorum_positive"),
            models.CheckConstraint(
                condition=Q(state__in=["open", "adopted", "superseded", "closed"]),
                name="drafting_ratification_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Ratification of {self.document_id} r{self.revision_id}"


class Endorsement(models.Model):
    class Decision(models.TextChoices):
        ENDORSE = "endorse", "Endorsed"
        DECLINE = "decline", "Declined"

    ratification = models.ForeignKey(Ratification, on_delete=models.CASCADE, related_name="endorsements")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="endorsements")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    signatory = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation__name", "-created_at"]
        constraints = [
            # One organisation counts once: a second decision needs the first withdrawn.
            models.UniqueConstraint(
                fields=["ratification", "organisation"],
                condition=Q(withdrawn_at__isnull=True),
                name="drafting_one_endorsement_per_organisation",
            ),
            models.CheckConstraint(condition=Q(decision__in=["endorse", "decline"]), name="drafting_decision_kind"),
            models.CheckConstraint(condition=Q(decision="endorse") | ~Q(reason=""), name="drafting_decline_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.decision} {self.ratification_id}"


class AcknowledgementRequest(models.Model):
    """An owner asks organisations to confirm they have read one version of a guidance document."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="acknowledgement_requests")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    organisations = models.ManyToManyField(Organisation, related_name="+")
    message = models.TextField(max_length=2000, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Acknowledgement request {self.pk}"


class Acknowledgement(models.Model):
    request = models.ForeignKey(AcknowledgementRequest, on_delete=models.CASCADE, related_name="acknowledgements")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "user", "organisation"], name="drafting_ack_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.request_id}"
