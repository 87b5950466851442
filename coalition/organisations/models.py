"""Organisations, their people (memberships with one role each), communities and invitations."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from coalition.core.models import TimeStampedModel

# The TLP 2.0 labels, least to most restrictive: the values of coalition.library.models.TLP (which
# imports this module, so they are repeated here; tests/exports hold the two lists equal).
EXPORT_LABELS = [
    ("clear", "TLP:CLEAR"),
    ("green", "TLP:GREEN"),
    ("amber", "TLP:AMBER"),
    ("amber_strict", "TLP:AMBER+STRICT"),
    ("red", "TLP:RED"),
]
# Members may export everything they read except TLP:RED until their organisation opts in: a RED
# copy outside the portal is the one that breaks what the portal promises (named people only),
# while AMBER+STRICT material stays within the organisation that exports it, labelled and named.
DEFAULT_EXPORT_CAP = "amber_strict"
EXPORT_RED = "red"  # allowing it is asked for again on a confirmation page


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        MEMBER = "member", "Member"
        PARTNER = "partner", "Partner"
        GOVERNMENT = "government", "Government observer"
        SECRETARIAT = "secretariat", "Secretariat"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEMBER)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. GB.")
    email_domains = models.JSONField(default=list, blank=True)
    website = models.URLField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Set by the secretariat: its editors and admins may publish public appeals (coalition/appeals).
    may_publish_appeals = models.BooleanField(
        "May publish appeals", default=False, help_text="Typically law enforcement partners and the secretariat."
    )
    # Set by the secretariat: the independent body that oversees access to the coalition's material.
    # Its admins name the members who hold the oversight role (coalition/access/oversight.py).
    oversight_body = models.BooleanField(
        "Oversight body", default=False, help_text="Its named members see who accessed what, never content."
    )
    # The highest TLP label its members may export (coalition/access/exports.py); set by its admins
    # and the secretariat.
    export_cap = models.CharField(
        "Highest label its members may export",
        max_length=20,
        choices=EXPORT_LABELS,
        default=DEFAULT_EXPORT_CAP,
        help_text="TLP:RED also needs a grant to the person by name.",
    )
    # The anchor for grants to the organisation in guardian's group tables; made on first grant.
    # It is not an auth group: membership of the organisation is decided by Membership only.
    grant_group = models.OneToOneField(
        "auth.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="organisation", editable=False
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisations_org_name_ci_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["member", "partner", "government", "secretariat"]),
                name="organisations_org_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended"]), name="organisations_org_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(export_cap__in=[value for value, _ in EXPORT_LABELS]),
                name="organisations_org_export_cap_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    CONTRIBUTOR = "contributor", "Contributor"
    READER = "reader", "Reader"


# Higher rank includes everything a lower rank may do (docs/architecture.md, Roles).
ROLE_RANK: dict[str, int] = {Role.READER: 1, Role.CONTRIBUTOR: 2, Role.EDITOR: 3, Role.ADMIN: 4}


class Membership(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.READER)
    signatory = models.BooleanField(default=False, help_text="May ratify principles for the organisation.")
    # Set by the organisation's admins: sees and triages the anonymous tips sent to its appeals.
    tip_handler = models.BooleanField(default=False, help_text="Sees and triages tips sent to its appeals (MFA).")
    # Set by the organisation's admins, in an oversight body only: sees the whole audit log (MFA).
    oversight = models.BooleanField(default=False, help_text="Sees the coalition's audit log, never content (MFA).")

    class Meta:
        ordering = ["organisation__name", "user__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="organisations_membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["admin", "editor", "contributor", "reader"]),
                name="organisations_membership_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "role"], name="org_membership_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()} at {self.organisation})"


class Community(TimeStampedModel):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    organisations = models.ManyToManyField(Organisation, related_name="communities", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisations_community_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


def hash_token(token: str) -> str:
    """Invitation links carry a random token; only its hash is stored (a leaked table opens nothing)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(TimeStampedModel):
    email = models.EmailField(max_length=254)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.READER)
    signatory = models.BooleanField(default=False)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organisation: a second one would be ambiguous.
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="organisations_invitation_one_open",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["admin", "editor", "contributor", "reader"]),
                name="organisations_invitation_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
