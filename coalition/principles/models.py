"""Frameworks of principles, and how each organisation implements each principle, cycle by cycle.

A principle keeps its identity (framework + code) across revisions of the document it comes from;
a retired one stays, with its records, for history. An implementation record has its own audience
and TLP label: only coalition/access/ reads these to decide who sees it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coalition.core.models import TimeStampedModel
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Community, Organisation

# Records never carry TLP:RED: RED is read only through grants to named people, which records do
# not have (yet). Every other label follows the documents' rules.
RECORD_TLPS = [(value, label) for value, label in TLP.choices if value != TLP.RED]


class Framework(TimeStampedModel):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    description = models.TextField(max_length=2000, blank=True)
    source_url = models.URLField("Source", blank=True)
    # The principles document in the library this framework comes from, if it is there.
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="themes")
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="principles_theme_code_unique")]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class Principle(TimeStampedModel):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="principles")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="principles")
    code = models.CharField(max_length=20, help_text=_("Stable across revisions, e.g. P1."))
    title = models.CharField(max_length=200)
    text = models.TextField(max_length=2000, blank=True, help_text=_("A short paraphrase in our own words."))
    order = models.PositiveSmallIntegerField(default=0)
    # Retired principles stay, with their records, in history; no new record may be made for them.
    retired_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["framework", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="principles_principle_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def retired(self) -> bool:
        return self.retired_on is not None


class Status(models.TextChoices):
    TO_DO = "to_do", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    IN_REVIEW = "in_review", _("In review")
    DONE = "done", _("Done")


class Result(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
    PARTIALLY = "partially", _("Partially implemented")
    IMPLEMENTED = "implemented", _("Implemented")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Maturity(models.IntegerChoices):
    AD_HOC = 0, _("0 · Ad hoc")
    DEFINED = 1, _("1 · Defined")
    IMPLEMENTED = 2, _("2 · Implemented")
    MEASURED = 3, _("3 · Measured")
    IMPROVING = 4, _("4 · Improving")


MATURITY_MEANINGS = {
    Maturity.AD_HOC: _("Done case by case, depending on individuals; nothing written down."),
    Maturity.DEFINED: _("A written policy or process exists and owners are named."),
    Maturity.IMPLEMENTED: _("The process runs across the service as written."),
    Maturity.MEASURED: _("Its effect is measured and reviewed against targets."),
    Maturity.IMPROVING: _("Measurements drive regular improvement; lessons are shared."),
}


class ImplementationRecord(TimeStampedModel):
    """One organisation's implementation of one principle in one reporting cycle (a year)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="implementation_records")
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="records")
    cycle = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TO_DO)
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.NOT_ASSESSED)
    maturity = models.PositiveSmallIntegerField(choices=Maturity.choices, null=True, blank=True)
    evidence = models.TextField(blank=True)
    evidence_html = models.TextField(blank=True)  # coalition.core.markdown.render(evidence), never anything else
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_review = models.DateField(null=True, blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.ORGANISATION)
    audience_organisations = models.ManyToManyField(Organisation, related_name="+", blank=True)
    audience_communities = models.ManyToManyField(Community, related_name="+", blank=True)
    tlp = models.CharField("TLP label", max_length=20, choices=RECORD_TLPS, default=TLP.AMBER_STRICT)

    class Meta:
        ordering = ["cycle", "organisation", "principle"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "principle", "cycle"], name="principles_record_one_per_org_principle_cycle"
            ),
            models.CheckConstraint(
                condition=Q(maturity__isnull=True) | Q(maturity__gte=0, maturity__lte=4),
                name="principles_record_maturity_0_4",
            ),
            models.CheckConstraint(condition=Q(cycle__gte=2000, cycle__lte=2100), name="principles_record_cycle_year"),
            models.CheckConstraint(
                condition=Q(status__in=["to_do", "in_progress", "in_review", "done"]),
                name="principles_record_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    result__in=["not_assessed", "not_implemented", "partially", "implemented", "not_applicable"]
                ),
                name="principles_record_result_valid",
            ),
            models.CheckConstraint(
                condition=Q(tlp__in=["clear", "green", "amber", "amber_strict"]), name="principles_record_tlp_not_red"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["organisation", "named", "coalition", "public"]),
                name="principles_record_audience_valid",
            ),
            # TLP 2.0 as the portal enforces it: public means CLEAR.
            models.CheckConstraint(
                condition=~Q(audience="public") | Q(tlp="clear"), name="principles_record_public_is_clear"
            ),
        ]
        indexes = [
            # The matrix: one framework's principles in one cycle.
            models.Index(fields=["cycle", "principle", "organisation"], name="principles_rec_cycle_idx"),
            models.Index(fields=["organisation", "cycle"], name="principles_rec_org_cycle_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.principle.code} · {self.cycle}"


class RecordChange(models.Model):
    """One change to a record, never edited afterwards: who, when, and each field's before/after.

    Shown only to the record's own organisation: an earlier text may have been written under a
    narrower audience than the record has now."""

    record = models.ForeignKey(ImplementationRecord, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(default=dict)  # field -> [before, after]

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["record", "-changed_at"], name="principles_change_record_idx")]

    def __str__(self) -> str:
        return f"Change to {self.record_id} at {self.changed_at}"

    def save(self, *args: object, **kwargs: object) -> None:
        # History is append-only: a row, once written, is never rewritten.
        if self.pk is not None:
            raise ValueError("History rows are immutable.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


# Evidence, mileposts and the transparency report live in their own modules (issue 11).
from coalition.principles.evidence import EvidenceItem, EvidenceStatus  # noqa: E402
from coalition.principles.mileposts import Milepost, MilepostCategory  # noqa: E402
from coalition.principles.report import TransparencyReport  # noqa: E402

__all__ = [
    "MATURITY_MEANINGS",
    "RECORD_TLPS",
    "EvidenceItem",
    "EvidenceStatus",
    "Framework",
    "ImplementationRecord",
    "Maturity",
    "Milepost",
    "MilepostCategory",
    "Principle",
    "RecordChange",
    "Result",
    "Status",
    "Theme",
    "TransparencyReport",
]
