"""The seeded crosswalk and questionnaire, and the demo: the crosswalk applied for one member and
one completed self-assessment applied to another's records (running the demo again changes nothing)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from coalition.assessments.models import Crosswalk, Inference, Questionnaire, SelfAssessment

pytestmark = pytest.mark.django_db


def test_the_crosswalk_maps_ten_voluntary_principles_onto_safety_by_design_with_rationales() -> None:
    crosswalk = Crosswalk.objects.get(slug="voluntary-principles-to-safety-by-design")
    links = list(crosswalk.links.select_related("source", "target"))
    assert {link.source.code for link in links} == {f"P{n}" for n in range(1, 12)} - {"P10"}
    assert {link.target.code for link in links} == {"SbD1", "SbD2", "SbD3"}
    assert all(link.rationale and link.relation in ("subset", "intersect") for link in links)


def test_the_questionnaire_follows_the_six_areas_with_dependent_questions() -> None:
    questionnaire = Questionnaire.objects.get(slug="safety-by-design")
    assert list(questionnaire.sections.values_list("title", flat=True)) == [
        "Online harms",
        "Internal policies",
        "Moderation, escalation and enforcement",
        "Structure and leadership",
        "Transparency and accountability",
        "User empowerment",
    ]
    questions = [q for s in questionnaire.sections.all() for q in s.questions.all()]
    assert 12 <= len(questions) <= 25
    assert sum(1 for q in questions if q.depends_on_id) >= 2
    assert all(q.principles.exists() and q.choices.count() >= 3 for q in questions)


def test_the_demo_applies_the_crosswalk_and_a_completed_self_assessment(settings: Any) -> None:
    settings.DEMO_DATA = True
    call_command("seed_demo", stdout=StringIO())
    crosswalked = Inference.objects.filter(kind="crosswalk")
    assert set(crosswalked.values_list("record__organisation__slug", flat=True)) == {"bluepeak"}
    assessment = SelfAssessment.objects.get(organisation__slug="harbor")
    assert assessment.state == "completed" and assessment.audience == "organisation"
    assert Inference.objects.filter(kind="assessment", assessment=assessment).count() == 3
    count = Inference.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Inference.objects.count() == count
