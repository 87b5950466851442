"""The seeded frameworks: the Voluntary Principles' 11 principles under 7 themes, Safety by Design's 3."""

from __future__ import annotations

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
