"""Demo crosswalk application and self-assessment for `seed_demo`: the seeded crosswalk from the
Voluntary Principles to Safety by Design applied for Bluepeak Video, and Harbor Cloud's completed
Safety by Design self-assessment applied to its records. Written through the services, so the
history, provenance and audit log are as real use leaves them. Running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from coalition.assessments import services
from coalition.assessments.models import Crosswalk, Inference, Question, Questionnaire, Section, SelfAssessment
from coalition.demo.library import ensure_topics
from coalition.organisations.models import Organisation

# Library topics whose guidance the report suggests per section (by the demo library's topic keys).
SECTION_TOPICS = {
    "Online harms": ["grooming", "age"],
    "Internal policies": ["sbd"],
    "Moderation, escalation and enforcement": ["detection", "hotlines", "wellbeing", "live"],
    "Structure and leadership": ["sbd"],
    "Transparency and accountability": ["transparency"],
    "User empowerment": ["reporting", "age"],
}
# Harbor's answers: the choice number per question, in questionnaire order (0 is the strongest).
HARBOR_PICKS = [0, 1, 0, 1, 1, 0, 0, 1, 2, 1, 1, 0, 1, 2, 0, 1, 1]
HARBOR_NOTES = {
    0: "Risk assessment refreshed each spring by the trust and safety team.",
    5: "Hash matching runs on all public buckets; private storage follows in Q3.",
}


def seed_assessments(*, stdout: Any = None) -> int:
    """Returns how many records were written from inference."""
    year = timezone.localdate().year
    users = get_user_model().objects
    crosswalk = Crosswalk.objects.filter(slug="voluntary-principles-to-safety-by-design").first()
    questionnaire = Questionnaire.objects.filter(slug="safety-by-design", status=Questionnaire.Status.PUBLISHED).first()
    bluepeak = Organisation.objects.filter(slug="bluepeak").first()
    harbor = Organisation.objects.filter(slug="harbor").first()
    sean = users.filter(email="sean@bluepeak.example").first()
    mei = users.filter(email="mei@harbor.example").first()
    if None in (crosswalk, questionnaire, bluepeak, harbor, sean, mei):
        return 0
    assert crosswalk and questionnaire and bluepeak and harbor
    before = Inference.objects.count()
    topics = ensure_topics()
    for section in Section.objects.filter(questionnaire=questionnaire):
        section.topics.set([topics[key] for key in SECTION_TOPICS.get(section.title, []) if key in topics])

    plan = services.plan_crosswalk(acting_user=sean, organisation=bluepeak, cycle=year, chain=[crosswalk])
    if plan.writes:
        services.apply_crosswalk(
            acting_user=sean, organisation=bluepeak, cycle=year, chain=[crosswalk], fingerprint=plan.fingerprint
        )

    if not SelfAssessment.objects.filter(questionnaire=questionnaire, organisation=harbor, cycle=year).exists():
        assessment = services.start_assessment(
            acting_user=mei, questionnaire=questionnaire, organisation=harbor, cycle=year
        )
        chosen: dict[int, int] = {}
        answers: dict[int, tuple[int | None, str]] = {}
        questions = Question.objects.filter(section__questionnaire=questionnaire).prefetch_related("choices")
        for index, question in enumerate(questions.order_by("section__order", "order")):
            parent = question.depends_on
            if parent is not None and chosen.get(parent.question_id) != parent.pk:
                continue
            options = list(question.choices.all())
            pick = HARBOR_PICKS[index % len(HARBOR_PICKS)]
            choice = options[min(pick, len(options) - 1)]
            chosen[question.pk] = choice.pk
            answers[question.pk] = (choice.pk, HARBOR_NOTES.get(index, ""))
        services.save_answers(acting_user=mei, assessment=assessment, answers=answers)
        services.complete_assessment(acting_user=mei, assessment=assessment)
        plan = services.plan_assessment(acting_user=mei, assessment=assessment, cycle=year)
        services.apply_assessment(acting_user=mei, assessment=assessment, cycle=year, fingerprint=plan.fingerprint)
    written = Inference.objects.count() - before
    if stdout is not None:
        stdout.write(f"Crosswalk and self-assessment: {written} inferred results.")
    return written
