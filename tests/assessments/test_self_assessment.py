"""Self-assessment through HTTP: start, answer section by section (saved, resumed), the report
with its per-section overview, completing, sharing (audited) and applying to the records with the
same preview and provenance as crosswalks; bad input gives a clear error and saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.assessments import services
from coalition.assessments.models import Answer, Inference, Questionnaire, Section, SelfAssessment
from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError
from coalition.library.models import Document, Topic
from coalition.principles import services as principle_services
from coalition.principles.models import Framework, ImplementationRecord, Principle
from tests.assessments.conftest import World, cycle
from tests.assessments.helpers import answer_all, questions

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Answer.objects.count(), ImplementationRecord.objects.count(), AuditEvent.objects.count()


def test_an_editor_starts_answers_resumes_and_completes(world: World, client_for: Callable[[Any], Any]) -> None:
    client = client_for(world.people["editor"])
    index = client.get(reverse("assessments:index"))
    assert index.status_code == 200 and "Safety by Design self-assessment" in index.content.decode()
    started = client.post(
        reverse("assessments:start", args=["safety-by-design"]), {"organisation": world.acme.pk, "cycle": cycle()}
    )
    assessment = SelfAssessment.objects.get(organisation=world.acme)
    assert started["Location"] == reverse("assessments:section", args=[assessment.pk, 1])
    assert (assessment.audience, assessment.tlp, assessment.state) == ("organisation", "amber_strict", "draft")
    first = questions(world.questionnaire)[0]
    page = client.get(started["Location"]).content.decode()
    assert first.text in page
    best = first.choices.first()
    saved = client.post(
        started["Location"], {f"q{first.pk}": best.pk, f"note{first.pk}": "Reviewed in May.", "next": "1"}
    )
    assert saved["Location"] == reverse("assessments:section", args=[assessment.pk, 2])
    # Resuming later: the answer is there.
    again = client.get(reverse("assessments:section", args=[assessment.pk, 1])).content.decode()
    assert f'value="{best.pk}" checked' in again and "Reviewed in May." in again
    # Completing with questions left is refused with how many.
    client.post(reverse("assessments:complete", args=[assessment.pk]), follow=True)
    assessment.refresh_from_db()
    assert assessment.state == "draft"
    answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
    response = client.post(reverse("assessments:complete", args=[assessment.pk]), follow=True)
    assessment.refresh_from_db()
    assert assessment.state == "completed" and "Self-assessment completed." in response.content.decode()
    assert AuditEvent.objects.filter(action="assessment.completed", target_id=str(assessment.pk)).exists()


def test_the_report_shows_each_section_with_a_band_in_words(world: World, client_for: Callable[[Any], Any]) -> None:
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle(), pick=1)
    page = client_for(world.people["reader"]).get(reverse("assessments:report", args=[assessment.pk])).content.decode()
    for section in Section.objects.filter(questionnaire=world.questionnaire):
        assert section.title in page
    assert "Developing" in page and "50% of the points" in page and "<progress" in page
    assert "Partially implemented" in page  # the suggestion for each principle


def test_guidance_is_suggested_only_from_documents_the_person_may_read(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    topic = Topic.objects.create(name="Moderation", slug="moderation")
    section = Section.objects.get(questionnaire=world.questionnaire, title="Moderation, escalation and enforcement")
    section.topics.set([topic])
    common = {"kind": "guidance", "status": "published", "body_html": ""}
    shared = Document.objects.create(
        title="Escalation playbook", owner=world.globex, audience="coalition", tlp="green", **_doc(common)
    )
    private = Document.objects.create(
        title="Globex private runbook", owner=world.globex, audience="organisation", tlp="amber", **_doc(common)
    )
    for document in (shared, private):
        document.topics.set([topic])
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle(), pick=2)
    page = client_for(world.people["editor"]).get(reverse("assessments:report", args=[assessment.pk])).content.decode()
    assert "Escalation playbook" in page
    assert "Globex private runbook" not in page


def _doc(common: dict[str, Any]) -> dict[str, Any]:
    fields = {f.name for f in Document._meta.get_fields()}
    return {k: v for k, v in common.items() if k in fields}


def test_sharing_is_audited_and_follows_the_tlp_rules(world: World, client_for: Callable[[Any], Any]) -> None:
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
    client = client_for(world.people["editor"])
    url = reverse("assessments:share", args=[assessment.pk])
    before = AuditEvent.objects.count()
    refused = client.post(url, {"audience": "public", "tlp": "green"})
    assert refused.status_code == 400 and AuditEvent.objects.count() == before
    assessment.refresh_from_db()
    assert assessment.audience == "organisation"
    client.post(url, {"audience": "named", "tlp": "amber", "audience_organisations": [world.globex.pk]})
    assessment.refresh_from_db()
    assert (assessment.audience, assessment.tlp) == ("named", "amber")
    event = AuditEvent.objects.get(action="assessment.shared")
    assert event.data["after"]["organisations"] == [world.globex.pk]


def test_applying_to_my_records_previews_then_writes_with_provenance(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
    services.complete_assessment(acting_user=world.people["editor"], assessment=assessment)
    sbd = {p.code: p for p in Principle.objects.filter(framework__slug="safety-by-design")}
    principle_services.save_record(
        acting_user=world.people["admin"],
        organisation=world.acme,
        principle=sbd["SbD3"],
        cycle=cycle(),
        result="partially",
        evidence="Our own view.",
    )
    client = client_for(world.people["editor"])
    url = reverse("assessments:apply", args=[assessment.pk])
    preview = client.get(url)
    plan = preview.context["plan"]
    assert {p.principle.code: (p.proposed, p.outcome) for p in plan.proposals} == {
        "SbD1": ("implemented", "create"),
        "SbD2": ("implemented", "create"),
        "SbD3": ("implemented", "kept"),
    }
    assert "Kept: a person set this result" in preview.content.decode()
    client.post(url, {"cycle": cycle(), "fingerprint": plan.fingerprint})
    records = {
        r.principle.code: r for r in ImplementationRecord.objects.filter(principle__framework__slug="safety-by-design")
    }
    assert {c: r.result for c, r in records.items()} == {
        "SbD1": "implemented",
        "SbD2": "implemented",
        "SbD3": "partially",
    }
    inference = Inference.objects.get(record=records["SbD1"])
    assert inference.kind == "assessment" and inference.assessment == assessment
    assert inference.detail[0]["out_of"] > 0
    assert AuditEvent.objects.filter(action="assessment.applied", target_id=str(assessment.pk)).exists()


def test_applying_an_unfinished_or_mismatched_assessment_is_refused(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
    client = client_for(world.people["editor"])
    url = reverse("assessments:apply", args=[assessment.pk])
    before = _counts()
    draft = client.post(url, {"cycle": cycle(), "fingerprint": "x"})
    assert draft.status_code == 400 and "Complete the self-assessment" in draft.content.decode()
    services.complete_assessment(acting_user=world.people["editor"], assessment=assessment)
    before = _counts()
    other_cycle = client.post(url, {"cycle": cycle() - 1, "fingerprint": "x"})
    assert other_cycle.status_code == 400 and f"is for {cycle()}" in other_cycle.content.decode()
    assert _counts() == before


def test_an_answer_to_a_question_of_another_questionnaire_is_refused(world: World) -> None:
    other = Questionnaire.objects.create(
        title="Other", slug="other", framework=Framework.objects.get(slug="voluntary-principles")
    )
    section = Section.objects.create(questionnaire=other, title="Elsewhere")
    foreign = section.questions.create(text="Foreign question?")
    foreign_choice = foreign.choices.create(text="Yes", points=2)
    assessment = services.start_assessment(
        acting_user=world.people["editor"], questionnaire=world.questionnaire, organisation=world.acme, cycle=cycle()
    )
    first = questions(world.questionnaire)[0]
    before = _counts()
    with pytest.raises(ServiceError, match="not part of this questionnaire"):
        services.save_answers(
            acting_user=world.people["editor"],
            assessment=assessment,
            answers={first.pk: (first.choices.first().pk, ""), foreign.pk: (foreign_choice.pk, "")},
        )
    assert _counts() == before


def test_a_choice_not_offered_is_refused_through_the_page(world: World, client_for: Callable[[Any], Any]) -> None:
    assessment = services.start_assessment(
        acting_user=world.people["editor"], questionnaire=world.questionnaire, organisation=world.acme, cycle=cycle()
    )
    first, second = questions(world.questionnaire)[:2]
    before = _counts()
    response = client_for(world.people["editor"]).post(
        reverse("assessments:section", args=[assessment.pk, 1]),
        {f"q{first.pk}": second.choices.first().pk, "save": "1"},
    )
    assert response.status_code == 400
    assert (
        "choose one of the answers offered" in response.content.decode()
        and "Nothing was saved" in response.content.decode()
    )
    assert _counts() == before


def test_a_dependent_question_answered_when_its_condition_is_not_met_is_refused(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    assessment = services.start_assessment(
        acting_user=world.people["editor"], questionnaire=world.questionnaire, organisation=world.acme, cycle=cycle()
    )
    dependent = next(q for q in questions(world.questionnaire) if q.depends_on_id)
    parent = dependent.depends_on.question
    other_choice = parent.choices.exclude(pk=dependent.depends_on_id).first()
    before = _counts()
    response = client_for(world.people["editor"]).post(
        reverse("assessments:section", args=[assessment.pk, dependent.section.order]),
        {f"q{parent.pk}": other_choice.pk, f"q{dependent.pk}": dependent.choices.first().pk, "save": "1"},
    )
    assert response.status_code == 400 and "applies only if you answered" in response.content.decode()
    assert _counts() == before
    # With the condition met it is saved; changing the earlier answer later removes it.
    services.save_answers(
        acting_user=world.people["editor"],
        assessment=assessment,
        answers={parent.pk: (dependent.depends_on_id, ""), dependent.pk: (dependent.choices.first().pk, "")},
    )
    assert Answer.objects.filter(assessment=assessment).count() == 2
    services.save_answers(
        acting_user=world.people["editor"], assessment=assessment, answers={parent.pk: (other_choice.pk, "")}
    )
    assert list(Answer.objects.filter(assessment=assessment).values_list("question_id", flat=True)) == [parent.pk]


@pytest.mark.parametrize("value", ["abc", "0", "-3", "99999999999999"])
def test_a_choice_that_is_no_choice_is_refused_not_taken_as_a_blank(
    value: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
    first = questions(world.questionnaire)[0]
    before = (_counts(), Answer.objects.get(assessment=assessment, question=first).choice_id)
    response = client_for(world.people["editor"]).post(
        reverse("assessments:section", args=[assessment.pk, 1]), {f"q{first.pk}": value, "save": "1"}
    )
    assert response.status_code == 400 and "choose one of the answers offered" in response.content.decode()
    assert (_counts(), Answer.objects.get(assessment=assessment, question=first).choice_id) == before


def test_a_change_that_leaves_a_question_unanswered_takes_a_completed_assessment_back_to_in_progress(
    world: World,
) -> None:
    editor = world.people["editor"]
    dependent = next(q for q in questions(world.questionnaire) if q.depends_on_id)
    parent = dependent.depends_on.question
    # Answer so that the dependent question does not apply, and complete.
    assessment = answer_all(editor, world.questionnaire, world.acme, cycle(), pick=2)
    assert not Answer.objects.filter(assessment=assessment, question=dependent).exists()
    services.complete_assessment(acting_user=editor, assessment=assessment)
    # Now the dependent question applies and has no answer.
    services.save_answers(acting_user=editor, assessment=assessment, answers={parent.pk: (dependent.depends_on_id, "")})
    assessment.refresh_from_db()
    assert assessment.state == "draft" and assessment.completed_at is None
    assert AuditEvent.objects.filter(action="assessment.answered", data__reopened=True).exists()
