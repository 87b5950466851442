"""The public transparency report: once the secretariat publishes a cycle's report it is a fixed,
versioned artefact. The rendered content is stored with its SHA-256; publishing again makes a new
version and every earlier one stays readable."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q


class TransparencyReport(models.Model):
    cycle = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField()
    # The report's body as rendered at publication (HTML from the portal's own templates, built
    # only from public TLP:CLEAR material); the page and the PDF are made from this, never again
    # from the records.
    html = models.TextField()
    sha256 = models.CharField(max_length=64)
    # The PDF made from that HTML at publication, kept so that the public download costs nothing.
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-cycle", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "version"], name="principles_report_one_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="principles_report_version_positive"),
        ]

    def __str__(self) -> str:
        return f"Transparency report {self.cycle} v{self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        # A published version is never rewritten: republishing makes a new one.
        if self.pk is not None:
            raise ValueError("A published report is immutable.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def intact(self) -> bool:
        return hashlib.sha256(self.html.encode()).hexdigest() == self.sha256
