"""Answering the seeded questionnaire in tests: every question that applies, with one rule for
which choice (the first, "best", unless told otherwise)."""

from __future__ import annotations

from typing import Any

from coalition.assessments import services
from coalition.assessments.models import Question, Questionnaire, SelfAssessment
from coalition.organisations.models import Organisation


def questions(questionnaire: Questionnaire) -> list[Question]:
    return list(
        Question.objects.filter(section__questionnaire=questionnaire)
        .select_related("section", "depends_on")
        .prefetch_related("choices")
        .order_by("section__order", "order")
    )


def answer_all(
    user: Any, questionnaire: Questionnaire, organisation: Organisation, cycle: int, *, pick: int = 0, note: str = ""
) -> SelfAssessment:
    """Start and answer every question that applies with its choice number `pick` (0 scores 2
    points, 1 scores 1, 2 scores 0 in the seeded questionnaire)."""
    assessment = services.start_assessment(
        acting_user=user, questionnaire=questionnaire, organisation=organisation, cycle=cycle
    )
    chosen: dict[int, int] = {}
    answers: dict[int, tuple[int | None, str]] = {}
    for question in questions(questionnaire):
        parent = question.depends_on
        if parent is not None and chosen.get(parent.question_id) != parent.pk:
            continue
        options = list(question.choices.all())
        choice = options[min(pick, len(options) - 1)]
        chosen[question.pk] = choice.pk
        answers[question.pk] = (choice.pk, note)
    services.save_answers(acting_user=user, assessment=assessment, answers=answers)
    return assessment
