"""Scores of a self-assessment: per section (the report's colour-coded overview) and per principle
(what "apply to my records" proposes). A fixed number of queries whatever the questionnaire's size.

Each answered question that applies scores its choice's points out of Choice.MAX_POINTS toward the
question's principles; a choice without points ("not applicable to our service") is not counted.
A share of the points of at least 75 % reads "implemented" (band: strong), at least 25 %
"partially" (developing), below that "not implemented" (early stage).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from coalition.assessments.models import Answer, Choice, Question, Section, SelfAssessment
from coalition.principles.models import Principle, Result

STRONG, DEVELOPING = 0.75, 0.25
BANDS = {
    "strong": _("Strong"),
    "developing": _("Developing"),
    "early": _("Early stage"),
    "none": _("No scored answers"),
}


def band_of(points: int, out_of: int) -> str:
    if not out_of:
        return "none"
    share = points / out_of
    return "strong" if share >= STRONG else "developing" if share >= DEVELOPING else "early"


def result_of(points: int, out_of: int) -> str | None:
    return {
        "strong": Result.IMPLEMENTED,
        "developing": Result.PARTIALLY,
        "early": Result.NOT_IMPLEMENTED,
        "none": None,
    }[band_of(points, out_of)]


@dataclass
class QuestionState:
    question: Question
    applies: bool
    answer: Answer | None


@dataclass
class SectionScore:
    section: Section
    questions: list[QuestionState]
    points: int = 0
    out_of: int = 0

    @property
    def band(self) -> str:
        return band_of(self.points, self.out_of)

    @property
    def band_label(self) -> str:
        return str(BANDS[self.band])

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.out_of) if self.out_of else 0

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if q.applies and q.answer is not None)

    @property
    def applicable(self) -> int:
        return sum(1 for q in self.questions if q.applies)


@dataclass
class PrincipleScore:
    principle: Principle
    points: int = 0
    out_of: int = 0

    @property
    def result(self) -> str | None:
        return result_of(self.points, self.out_of)

    @property
    def result_label(self) -> str:
        return str(Result(self.result).label) if self.result else ""

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.out_of) if self.out_of else 0


@dataclass
class Report:
    sections: list[SectionScore]
    principles: list[PrincipleScore] = field(default_factory=list)

    @property
    def unanswered(self) -> int:
        return sum(s.applicable - s.answered for s in self.sections)

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def applicable(self) -> int:
        return sum(s.applicable for s in self.sections)


def report_for(assessment: SelfAssessment) -> Report:
    """Queries: sections, questions with their principles and choices (3), answers."""
    sections = list(Section.objects.filter(questionnaire_id=assessment.questionnaire_id).prefetch_related("topics"))
    questions = list(
        Question.objects.filter(section__questionnaire_id=assessment.questionnaire_id)
        .select_related("depends_on")
        .prefetch_related("principles", "choices")
    )
    answers = {a.question_id: a for a in Answer.objects.filter(assessment=assessment).select_related("choice")}
    by_section: dict[int, list[Question]] = {}
    for question in questions:
        by_section.setdefault(question.section_id, []).append(question)
    principle_scores: dict[int, PrincipleScore] = {}
    scores = []
    for section in sections:
        score = SectionScore(section, [])
        for question in by_section.get(section.pk, []):
            parent = question.depends_on
            applies = parent is None or (
                parent.question_id in answers and answers[parent.question_id].choice_id == parent.pk
            )
            answer = answers.get(question.pk) if applies else None
            score.questions.append(QuestionState(question, applies, answer))
            if answer is None or answer.choice.points is None:
                continue
            score.points += answer.choice.points
            score.out_of += Choice.MAX_POINTS
            for principle in question.principles.all():
                p = principle_scores.setdefault(principle.pk, PrincipleScore(principle))
                p.points += answer.choice.points
                p.out_of += Choice.MAX_POINTS
        scores.append(score)
    ordered = sorted(principle_scores.values(), key=lambda p: (p.principle.order, p.principle.code))
    return Report(scores, ordered)
