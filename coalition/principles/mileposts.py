"""Mileposts: dated, short statements of an organisation's progress ("rolled out the grooming
classifier to all surfaces"), by category, each with its own audience and TLP label under the same
rules as implementation records (coalition/access/mileposts.py decides who reads them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coalition.core.models import TimeStampedModel
from coalition.library.models import TLP, Audience
from coalition.organisations.models import Community, Organisation

MILEPOST_TLPS = [(value, label) for value, label in TLP.choices if value != TLP.RED]
MAX_MILEPOST_CHARS = 280


class MilepostCategory(models.TextChoices):
    DETECTION = "detection", _("Detection and removal")
    PREVENTION = "prevention", _("Prevention and safety by design")
    REPORTING = "reporting", _("Reporting to authorities")
    SUPPORT = "support", _("Support for victims and survivors")
    TRANSPARENCY = "transparency", _("Transparency")
    COLLABORATION = "collaboration", _("Collaboration and research")


class Milepost(TimeStampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="mileposts")
    category = models.CharField(max_length=20, choices=MilepostCategory.choices)
    date = models.DateField()
    text = models.CharField(max_length=MAX_MILEPOST_CHARS)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.ORGANISATION)
    audience_organisations = models.ManyToManyField(Organisation, related_name="+", blank=True)
    audience_communities = models.ManyToManyField(Community, related_name="+", blank=True)
    tlp = models.CharField("TLP label", max_length=20, choices=MILEPOST_TLPS, default=TLP.AMBER_STRICT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    category__in=["detection", "prevention", "reporting", "support", "transparency", "collaboration"]
                ),
                name="principles_milepost_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(tlp__in=["clear", "green", "amber", "amber_strict"]), name="principles_milepost_tlp_not_red"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["organisation", "named", "coalition", "public"]),
                name="principles_milepost_audience_valid",
            ),
            models.CheckConstraint(
                condition=~Q(audience="public") | Q(tlp="clear"), name="principles_milepost_public_is_clear"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-date"], name="principles_milepost_org_idx"),
            models.Index(fields=["-date"], name="principles_milepost_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.date} · {self.text[:40]}"
