"""Demo evidence, mileposts and a published transparency report for `seed_demo`: evidence links to
library documents each reporter may read (never more restrictive than the record), one attached
file, mileposts with varied sharing, and the current cycle's report published by the secretariat.
Written through the services; running it again adds nothing."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.demo.principles import REPORTERS
from coalition.library.models import TLP, TLP_RANK, Document
from coalition.organisations.models import Organisation
from coalition.principles import evidence_services, milepost_services, report_services
from coalition.principles.models import EvidenceItem, ImplementationRecord, Milepost, TransparencyReport

MILEPOSTS = {
    "northwind": [
        ("prevention", 40, "Rolled out the grooming classifier to all public surfaces.", "public", "clear"),
        (
            "reporting",
            95,
            "Cut the median time to report to the national hotline to under 24 hours.",
            "coalition",
            "green",
        ),
        ("detection", 150, "Hash matching now covers private group uploads (pilot).", "organisation", "amber_strict"),
    ],
    "bluepeak": [
        ("detection", 60, "Livestream classifier reviewed by an external auditor.", "public", "clear"),
        ("support", 120, "Survivor-informed redesign of the reporting flow shipped.", "coalition", "green"),
    ],
    "lumen": [
        ("transparency", 30, "Published our first report on enforcement against abuse material.", "public", "clear"),
        ("collaboration", 75, "Joined the research working group's signal-sharing pilot.", "coalition", "amber"),
    ],
    "harbor": [
        ("prevention", 50, "Default privacy settings for teen accounts on all new sign-ups.", "organisation", "amber"),
    ],
}
EVIDENCE_CSV = b"quarter,reports to hotline,median hours\nQ1,412,31\nQ2,455,26\nQ3,498,22\n"


def _linkable(reporter: Any, record: ImplementationRecord) -> Document | None:
    allowed = [t for t in TLP.values if TLP_RANK[t] <= TLP_RANK[record.tlp]]
    candidates = Document.objects.filter(owner=record.organisation, tlp__in=allowed).order_by("pk")
    return access.visible(reporter, candidates, Action.VIEW_DOCUMENT).first()


def seed_reporting(*, stdout: Any = None) -> None:
    year = timezone.localdate().year
    today = timezone.localdate()
    users = get_user_model().objects
    added = 0
    for slug, email in REPORTERS.items():
        organisation = Organisation.objects.filter(slug=slug).first()
        reporter = users.filter(email=email).first()
        if organisation is None or reporter is None:
            continue
        if not Milepost.objects.filter(organisation=organisation).exists():
            for category, days_ago, text, audience, tlp in MILEPOSTS.get(slug, []):
                date = max(today - datetime.timedelta(days=days_ago), datetime.date(year, 1, 1))
                milepost_services.save_milepost(
                    acting_user=reporter,
                    organisation=organisation,
                    category=category,
                    date=date,
                    text=text,
                    audience=audience,
                    tlp=tlp,
                )
                added += 1
        records = ImplementationRecord.objects.filter(
            organisation=organisation, cycle=year, principle__code__in=["P1", "P3"]
        ).select_related("principle")
        for record in records:
            if EvidenceItem.objects.filter(record=record).exists():
                continue
            document = _linkable(reporter, record)
            if document is not None:
                evidence_services.link_document(
                    acting_user=reporter,
                    record=record,
                    document=document,
                    note="Our policy, section on detection and reporting",
                    expires_on=datetime.date(year + 1, 6, 30),
                )
            if record.principle.code == "P1" and slug == "northwind":
                evidence_services.attach_file(
                    acting_user=reporter,
                    record=record,
                    upload=ContentFile(EVIDENCE_CSV, name="hotline-reports-by-quarter.csv"),
                    tlp=record.tlp,
                    max_bytes=settings.ATTACHMENT_MAX_BYTES,
                    note="Reports to the hotline by quarter",
                    status="under_review",
                    expires_on=datetime.date(year, 12, 31),
                )
    publisher = users.filter(email="tom@secretariat.example").first()
    if publisher is not None and not TransparencyReport.objects.filter(cycle=year).exists():
        report_services.publish(acting_user=publisher, cycle=year)
        if stdout is not None:
            stdout.write(f"Transparency report {year}: version 1 published.")
    if stdout is not None:
        stdout.write(f"Mileposts: {added} new.")
