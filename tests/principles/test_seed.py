"""The seeded frameworks: the Voluntary Principles' 11 principles under 7 themes, Safety by Design's 3."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.principles.models import Framework

pytestmark = pytest.mark.django_db


def test_voluntary_principles_are_seeded_as_eleven_under_seven_themes() -> None:
    framework = Framework.objects.get(slug="voluntary-principles")
    assert framework.themes.count() == 7
    assert list(framework.principles.values_list("code", flat=True)) == [f"P{n}" for n in range(1, 12)]
    assert framework.source_url.startswith("https://")


def test_safety_by_design_is_seeded_with_three_principles() -> None:
    framework = Framework.objects.get(slug="safety-by-design")
    titles = list(framework.principles.values_list("title", flat=True))
    assert titles == [
        "Service provider responsibility",
        "User empowerment and autonomy",
        "Transparency and accountability",
    ]


def test_the_demo_reports_two_cycles_for_every_member_with_varied_sharing(settings: Any) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from coalition.principles.models import ImplementationRecord

    settings.DEMO_DATA = True
    call_command("seed_demo", stdout=StringIO())
    records = ImplementationRecord.objects.all()
    year = timezone.localdate().year
    assert set(records.values_list("cycle", flat=True)) == {year - 1, year}
    members = set(records.values_list("organisation__slug", flat=True))
    assert members == {"northwind", "bluepeak", "lumen", "harbor"}
    assert set(records.values_list("audience", flat=True)) == {"organisation", "named", "coalition", "public"}
    assert not records.filter(audience="public").exclude(tlp="clear").exists()
    count = records.count()
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert ImplementationRecord.objects.count() == count


def test_the_demo_has_evidence_mileposts_and_a_published_report(settings: Any, tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from coalition.principles.models import EvidenceItem, Milepost, TransparencyReport

    settings.DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    year = timezone.localdate().year
    report = TransparencyReport.objects.get(cycle=year)
    assert report.version == 1 and report.intact
    assert "Northwind Social" in report.html
    assert set(Milepost.objects.values_list("audience", flat=True)) == {"public", "coalition", "organisation"}
    assert EvidenceItem.objects.filter(kind="file").count() == 1
    assert EvidenceItem.objects.filter(kind="document").exists()
    counts = (Milepost.objects.count(), EvidenceItem.objects.count(), TransparencyReport.objects.count())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert (Milepost.objects.count(), EvidenceItem.objects.count(), TransparencyReport.objects.count()) == counts
