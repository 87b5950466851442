"""The questionnaire editor through HTTP: who finds it (the secretariat's editors and admins; every
one else a 404, visitors the sign-in page), writing a questionnaire with sections, questions,
conditions and scored answers, reordering, publishing and retiring (confirmed, audited), bad input
refused with a clear message and nothing saved, and the versioning rule: an answered
questionnaire never changes; a new version replaces it for new self-assessments only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coalition import access
from coalition.access import Action
from coalition.assessments import editing, scoring, services
from coalition.assessments.models import Choice, Question, Questionnaire, Section, SelfAssessment
from coalition.audit.models import AuditEvent
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.models import Topic
from coalition.organisations.models import Membership, Organisation, Role
from coalition.principles.models import Framework, Principle
from tests.assessments.conftest import World, cycle
from tests.assessments.helpers import answer_all
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world: World, make_org: Callable[..., Any], make_member: Callable[..., Any]) -> dict[str, Any]:
    """The world's people, plus a secretariat admin and the oversight role."""
    secretariat = Organisation.objects.get(slug="secretariat")
    admin = make_member(secretariat, Role.ADMIN, email="admin@secretariat.example")
    enrol_totp(admin)
    watchdog = make_org("Watchdog", slug="watchdog", kind=Organisation.Kind.PARTNER, oversight_body=True)
    overseer = make_member(watchdog, Role.READER, email="overseer@watchdog.example")
    Membership.objects.filter(user=overseer).update(oversight=True)
    enrol_totp(overseer)
    return {**world.people, "secretariat_admin": admin, "oversight": overseer}


def _snapshot(questionnaire: Questionnaire) -> tuple[Any, ...]:
    """Everything a self-assessment depends on in a questionnaire, and the audit log's length."""
    fresh = Questionnaire.objects.get(pk=questionnaire.pk)
    return (
        (fresh.title, fresh.description, fresh.status, fresh.version),
        list(Section.objects.filter(questionnaire=fresh).values_list("pk", "order", "title", "intro")),
        list(
            Question.objects.filter(section__questionnaire=fresh).values_list(
                "pk", "section_id", "order", "text", "help", "depends_on_id"
            )
        ),
        list(
            Choice.objects.filter(question__section__questionnaire=fresh).values_list("pk", "order", "text", "points")
        ),
        sorted(
            Question.principles.through.objects.filter(question__section__questionnaire=fresh).values_list(
                "question_id", "principle_id"
            )
        ),
        AuditEvent.objects.count(),
    )


def _small(user: Any, *, slug: str = "small") -> tuple[Questionnaire, list[Question]]:
    """A draft on Safety by Design: one section, "Q1" (Yes 2 / No 0) and "Q2" asked after "Yes"."""
    questionnaire = editing.create_questionnaire(
        acting_user=user, framework=Framework.objects.get(slug="safety-by-design"), title="Small", slug=slug
    )
    section = editing.save_section(acting_user=user, questionnaire=questionnaire, title="Basics")
    sbd1 = Principle.objects.get(framework__slug="safety-by-design", code="SbD1")
    made = []
    for text in ("Q1", "Q2"):
        question = editing.save_question(
            acting_user=user, questionnaire=questionnaire, section=section, text=text, principles=[sbd1]
        )
        editing.save_choice(acting_user=user, question=question, text="Yes", points=2)
        editing.save_choice(acting_user=user, question=question, text="No", points=0)
        made.append(question)
    yes = made[0].choices.get(text="Yes")
    editing.save_question(
        acting_user=user,
        questionnaire=questionnaire,
        question=made[1],
        section=section,
        text="Q2",
        principles=[sbd1],
        depends_on=yes,
    )
    made[1].refresh_from_db()
    return questionnaire, made


# --- Who finds the editor ------------------------------------------------------------------------

ALLOWED = ("secretariat", "secretariat_admin")
REFUSED = ("admin", "editor", "reader", "named_org", "other_org", "oversight", "outsider")


@pytest.mark.parametrize("viewer", (*ALLOWED, *REFUSED, "anonymous"))
def test_only_the_secretariats_editors_and_admins_find_the_editor(
    viewer: str, world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, made = _small(people["secretariat"])
    client = client_for(people[viewer])
    pages = [
        reverse("assessments:questionnaires"),
        reverse("assessments:questionnaire_new"),
        reverse("assessments:questionnaire", args=[world.questionnaire.pk]),
        reverse("assessments:questionnaire", args=[draft.pk]),
        reverse("assessments:questionnaire_edit", args=[draft.pk]),
        reverse("assessments:section_new", args=[draft.pk]),
        reverse("assessments:question_edit", args=[draft.pk, made[0].pk]),
        reverse("assessments:choice_new", args=[draft.pk, made[0].pk]),
    ]
    index = client.get(reverse("assessments:index"))
    for url in pages:
        response = client.get(url)
        if viewer in ALLOWED:
            assert response.status_code == 200, url
        elif viewer == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code == 404, url
    if viewer in ALLOWED:
        assert reverse("assessments:questionnaires") in index.content.decode()
    elif viewer != "anonymous":
        assert reverse("assessments:questionnaires") not in index.content.decode()


@pytest.mark.parametrize("viewer", (*ALLOWED, *REFUSED, "contributor", "community_org", "anonymous"))
def test_the_access_module_lets_only_the_secretariats_editors_and_admins_manage_questionnaires(
    viewer: str, people: dict[str, Any]
) -> None:
    assert access.can(people[viewer], Action.MANAGE_QUESTIONNAIRES) is (viewer in ALLOWED)


@pytest.mark.parametrize("viewer", (*REFUSED, "anonymous"))
def test_a_refused_person_changes_nothing(
    viewer: str, world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, made = _small(people["secretariat"])
    before = _snapshot(draft), Questionnaire.objects.count()
    client = client_for(people[viewer])
    posts = [
        (reverse("assessments:questionnaire_new"), {"framework": draft.framework_id, "title": "X", "slug": "x"}),
        (reverse("assessments:questionnaire_edit", args=[draft.pk]), {"title": "Taken over"}),
        (reverse("assessments:section_new", args=[draft.pk]), {"title": "More"}),
        (reverse("assessments:question_move", args=[draft.pk, made[1].pk]), {"direction": "up"}),
        (reverse("assessments:choice_new", args=[draft.pk, made[0].pk]), {"text": "Maybe", "points": "1"}),
        (reverse("assessments:questionnaire_publish", args=[draft.pk]), {"confirm": "yes"}),
        (reverse("assessments:questionnaire_retire", args=[world.questionnaire.pk]), {"confirm": "yes"}),
        (reverse("assessments:questionnaire_version", args=[world.questionnaire.pk]), {}),
        (reverse("assessments:question_delete", args=[draft.pk, made[1].pk]), {"confirm": "yes"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == (302 if viewer == "anonymous" else 404), url
    assert (_snapshot(draft), Questionnaire.objects.count()) == before
    with pytest.raises(AccessDenied):
        editing.create_questionnaire(acting_user=people[viewer], framework=draft.framework, title="X", slug="x-service")


# --- Writing one ---------------------------------------------------------------------------------


def test_the_secretariat_writes_publishes_and_offers_a_questionnaire(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    staff = client_for(people["secretariat"])
    sbd = Framework.objects.get(slug="safety-by-design")
    sbd2 = Principle.objects.get(framework=sbd, code="SbD2")
    topic = Topic.objects.create(name="Reporting tools", slug="reporting-tools")
    created = staff.post(
        reverse("assessments:questionnaire_new"),
        {"framework": sbd.pk, "title": "Reporting check", "slug": "reporting-check", "description": "Short."},
    )
    questionnaire = Questionnaire.objects.get(slug="reporting-check")
    assert created["Location"] == reverse("assessments:questionnaire", args=[questionnaire.pk])
    assert (questionnaire.status, questionnaire.version) == ("draft", 1)
    staff.post(
        reverse("assessments:section_new", args=[questionnaire.pk]),
        {"title": "Reports", "intro": "How people report.", "topics": [topic.pk]},
    )
    section = questionnaire.sections.get()
    assert list(section.topics.all()) == [topic] and section.order == 1
    asked = staff.post(
        reverse("assessments:question_new", args=[questionnaire.pk]),
        {"section": section.pk, "text": "Can people report a profile?", "principles": [sbd2.pk]},
    )
    first = Question.objects.get(text="Can people report a profile?")
    assert asked["Location"] == reverse("assessments:question_edit", args=[questionnaire.pk, first.pk])
    for text, points in (("Yes", "2"), ("No", "0"), ("We have no profiles", "")):
        staff.post(
            reverse("assessments:choice_new", args=[questionnaire.pk, first.pk]), {"text": text, "points": points}
        )
    assert list(first.choices.values_list("text", "points", "order")) == [
        ("Yes", 2, 1),
        ("No", 0, 2),
        ("We have no profiles", None, 3),
    ]
    yes = first.choices.get(text="Yes")
    staff.post(
        reverse("assessments:question_new", args=[questionnaire.pk]),
        {"section": section.pk, "text": "From every page?", "principles": [sbd2.pk], "depends_on": yes.pk},
    )
    second = Question.objects.get(text="From every page?")
    assert second.depends_on == yes
    for text, points in (("Yes", "2"), ("No", "1")):
        staff.post(
            reverse("assessments:choice_new", args=[questionnaire.pk, second.pk]), {"text": text, "points": points}
        )
    page = staff.get(reverse("assessments:questionnaire", args=[questionnaire.pk])).content.decode()
    assert "Asked only if 1.1 is answered “Yes”." in page and "Reporting tools" in page

    # Publishing asks first, then offers it to members.
    asking = staff.post(reverse("assessments:questionnaire_publish", args=[questionnaire.pk]))
    assert asking.status_code == 200 and "Publish version 1 of “Reporting check”?" in asking.content.decode()
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == "draft"
    staff.post(reverse("assessments:questionnaire_publish", args=[questionnaire.pk]), {"confirm": "yes"})
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == "published"
    offered = client_for(people["editor"]).get(reverse("assessments:index")).content.decode()
    assert "Reporting check" in offered
    actions = list(
        AuditEvent.objects.filter(target_id=str(questionnaire.pk), target_type="assessments.questionnaire")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "questionnaire.created",
        "questionnaire.section_created",
        "questionnaire.question_created",
        *["questionnaire.choice_created"] * 3,
        "questionnaire.question_created",
        *["questionnaire.choice_created"] * 2,
        "questionnaire.published",
    ]
    assert set(AuditEvent.objects.filter(action__startswith="questionnaire.").values_list("actor_id", flat=True)) == {
        people["secretariat"].pk
    }


def test_sections_questions_and_answers_move_with_up_and_down(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, (q1, q2) = _small(people["secretariat"])
    staff = client_for(people["secretariat_admin"])
    other = editing.save_section(acting_user=people["secretariat"], questionnaire=draft, title="Second")
    staff.post(reverse("assessments:section_move", args=[draft.pk, other.pk]), {"direction": "up"})
    assert list(draft.sections.order_by("order").values_list("title", flat=True)) == ["Second", "Basics"]
    _yes, no = q1.choices.order_by("order")
    staff.post(reverse("assessments:choice_move", args=[draft.pk, q1.pk, no.pk]), {"direction": "up"})
    assert list(q1.choices.order_by("order").values_list("text", flat=True)) == ["No", "Yes"]
    # Q2 depends on Q1: moving it above Q1 is refused, and nothing moves.
    before = _snapshot(draft)
    refused = staff.post(reverse("assessments:question_move", args=[draft.pk, q2.pk]), {"direction": "up"}, follow=True)
    assert "A question can depend only on an earlier one." in refused.content.decode()
    assert _snapshot(draft) == before
    assert AuditEvent.objects.filter(action="questionnaire.section_moved").count() == 1


# --- Bad input -----------------------------------------------------------------------------------


def _refused_post(client: Any, url: str, data: dict[str, Any], message: str, draft: Questionnaire) -> None:
    before = _snapshot(draft)
    response = client.post(url, data)
    assert response.status_code == 400, url
    assert message in response.content.decode()
    assert _snapshot(draft) == before


def test_a_condition_on_a_later_question_or_on_itself_is_refused(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, (q1, q2) = _small(people["secretariat"])
    staff = client_for(people["secretariat"])
    url = reverse("assessments:question_edit", args=[draft.pk, q1.pk])
    base = {"section": q1.section_id, "text": "Q1"}
    later = q2.choices.get(text="Yes")
    _refused_post(staff, url, {**base, "depends_on": later.pk}, "A question can depend only on an earlier one.", draft)
    own = q1.choices.get(text="No")
    _refused_post(staff, url, {**base, "depends_on": own.pk}, "cannot depend on one of its own answers", draft)
    # A choice of another questionnaire is not even offered.
    foreign = Choice.objects.filter(question__section__questionnaire=world.questionnaire).first()
    assert foreign is not None
    _refused_post(staff, url, {**base, "depends_on": foreign.pk}, "Select a valid choice", draft)


def test_a_principle_of_another_framework_is_refused(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, (q1, _q2) = _small(people["secretariat"])
    vp1 = Principle.objects.get(framework__slug="voluntary-principles", code="P1")
    _refused_post(
        client_for(people["secretariat"]),
        reverse("assessments:question_edit", args=[draft.pk, q1.pk]),
        {"section": q1.section_id, "text": "Q1", "principles": [vp1.pk]},
        "Select a valid choice",
        draft,
    )
    before = _snapshot(draft)
    with pytest.raises(ServiceError, match="this questionnaire's framework only"):
        editing.save_question(
            acting_user=people["secretariat"],
            questionnaire=draft,
            question=q1,
            section=q1.section,
            text="Q1",
            principles=[vp1],
        )
    assert _snapshot(draft) == before


@pytest.mark.parametrize("points", ["3", "-1", "7", "two"])
def test_a_score_out_of_range_is_refused(
    points: str, world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, (q1, _q2) = _small(people["secretariat"])
    before = _snapshot(draft)
    response = client_for(people["secretariat"]).post(
        reverse("assessments:choice_new", args=[draft.pk, q1.pk]), {"text": "Maybe", "points": points}
    )
    assert response.status_code == 400
    assert "Ensure this value" in response.content.decode() or "Enter a whole number" in response.content.decode()
    assert _snapshot(draft) == before
    with pytest.raises(ServiceError, match="from 0 to 2 points"):
        editing.save_choice(acting_user=people["secretariat"], question=q1, text="Maybe", points=3)
    assert _snapshot(draft) == before


def test_an_empty_questionnaire_or_one_with_an_unanswerable_question_is_not_published(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    staff = client_for(people["secretariat"])
    empty = editing.create_questionnaire(
        acting_user=people["secretariat"], framework=world.questionnaire.framework, title="Empty", slug="empty"
    )
    before = _snapshot(empty)
    response = staff.post(
        reverse("assessments:questionnaire_publish", args=[empty.pk]), {"confirm": "yes"}, follow=True
    )
    assert "The questionnaire has no questions yet" in response.content.decode()
    assert _snapshot(empty) == before
    section = editing.save_section(acting_user=people["secretariat"], questionnaire=empty, title="Only")
    question = editing.save_question(
        acting_user=people["secretariat"], questionnaire=empty, section=section, text="Lonely?"
    )
    editing.save_choice(acting_user=people["secretariat"], question=question, text="Yes", points=2)
    before = _snapshot(empty)
    response = staff.post(
        reverse("assessments:questionnaire_publish", args=[empty.pk]), {"confirm": "yes"}, follow=True
    )
    assert "“Lonely?” needs at least two answers" in response.content.decode()
    assert _snapshot(empty) == before


def test_a_duplicate_order_is_refused(world: World, people: dict[str, Any], client_for: Callable[[Any], Any]) -> None:
    draft, (q1, q2) = _small(people["secretariat"])
    staff = client_for(people["secretariat"])
    _refused_post(
        staff,
        reverse("assessments:section_new", args=[draft.pk]),
        {"title": "Another", "order": "1"},
        "Another section already has the order 1",
        draft,
    )
    _refused_post(
        staff,
        reverse("assessments:question_edit", args=[draft.pk, q2.pk]),
        {"section": q2.section_id, "text": "Q2", "order": "1"},
        "Another question of this section already has the order 1",
        draft,
    )
    _refused_post(
        staff,
        reverse("assessments:choice_new", args=[draft.pk, q1.pk]),
        {"text": "Maybe", "points": "1", "order": "2"},
        "Another answer to this question already has the order 2",
        draft,
    )


def test_removing_an_answer_or_question_that_a_condition_needs_is_refused(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, (q1, _q2) = _small(people["secretariat"])
    staff = client_for(people["secretariat"])
    yes = q1.choices.get(text="Yes")
    before = _snapshot(draft)
    response = staff.post(
        reverse("assessments:choice_delete", args=[draft.pk, q1.pk, yes.pk]), {"confirm": "yes"}, follow=True
    )
    assert "“Q2” is asked only after this answer" in response.content.decode()
    response = staff.post(
        reverse("assessments:question_delete", args=[draft.pk, q1.pk]), {"confirm": "yes"}, follow=True
    )
    assert "“Q2” depends on an answer to this question" in response.content.decode()
    assert _snapshot(draft) == before
    # Removing asks first; confirmed, it goes (and is audited).
    no = q1.choices.get(text="No")
    asking = staff.post(reverse("assessments:choice_delete", args=[draft.pk, q1.pk, no.pk]))
    assert "Remove the answer “No”?" in asking.content.decode() and Choice.objects.filter(pk=no.pk).exists()
    staff.post(reverse("assessments:choice_delete", args=[draft.pk, q1.pk, no.pk]), {"confirm": "yes"})
    assert not Choice.objects.filter(pk=no.pk).exists()
    assert AuditEvent.objects.filter(action="questionnaire.choice_deleted", data__choice=no.pk).exists()


# --- Versions ------------------------------------------------------------------------------------


def test_an_answered_questionnaire_is_never_changed_in_place(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    assessment = answer_all(people["editor"], world.questionnaire, world.acme, cycle())
    scores = [(s.points, s.out_of) for s in scoring.report_for(assessment).sections]
    staff = people["secretariat"]
    client = client_for(staff)
    first_section = world.questionnaire.sections.order_by("order").first()
    question = Question.objects.filter(section=first_section).order_by("order").first()
    assert first_section is not None and question is not None
    choice = question.choices.order_by("order").first()
    assert choice is not None
    before = _snapshot(world.questionnaire)
    attempts = [
        (reverse("assessments:questionnaire_edit", args=[world.questionnaire.pk]), {"title": "Changed"}),
        (reverse("assessments:section_new", args=[world.questionnaire.pk]), {"title": "More"}),
        (
            reverse("assessments:section_edit", args=[world.questionnaire.pk, first_section.pk]),
            {"title": "Renamed", "order": first_section.order},
        ),
        (
            reverse("assessments:question_edit", args=[world.questionnaire.pk, question.pk]),
            {"section": first_section.pk, "text": "Reworded?"},
        ),
        (
            reverse("assessments:choice_edit", args=[world.questionnaire.pk, question.pk, choice.pk]),
            {"text": "Yes", "points": "0"},
        ),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert "Self-assessments answer this version" in response.content.decode()
    for url in (
        reverse("assessments:section_move", args=[world.questionnaire.pk, first_section.pk]),
        reverse("assessments:question_move", args=[world.questionnaire.pk, question.pk]),
    ):
        client.post(url, {"direction": "down"})
    client.post(
        reverse("assessments:choice_delete", args=[world.questionnaire.pk, question.pk, choice.pk]), {"confirm": "yes"}
    )
    client.post(
        reverse("assessments:section_delete", args=[world.questionnaire.pk, first_section.pk]), {"confirm": "yes"}
    )
    assert _snapshot(world.questionnaire) == before
    page = client.get(reverse("assessments:questionnaire", args=[world.questionnaire.pk])).content.decode()
    assert "Make a new version to edit" in page and "Edit section" not in page
    assert [(s.points, s.out_of) for s in scoring.report_for(assessment).sections] == scores


def test_a_new_version_replaces_the_answered_one_for_new_self_assessments_only(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    old = world.questionnaire
    answered = answer_all(people["editor"], old, world.acme, cycle())
    before = _snapshot(old)[:-1]
    staff = client_for(people["secretariat"])
    made = staff.post(reverse("assessments:questionnaire_version", args=[old.pk]))
    new = Questionnaire.objects.get(slug=old.slug, version=2)
    assert made["Location"] == reverse("assessments:questionnaire", args=[new.pk])
    assert (new.status, new.replaces_id, new.framework_id) == ("draft", old.pk, old.framework_id)
    # The copy has the same structure, its conditions pointing at its own answers.
    copied = list(Question.objects.filter(section__questionnaire=new).select_related("depends_on__question__section"))
    assert len(copied) == Question.objects.filter(section__questionnaire=old).count() == 16
    assert all(q.depends_on.question.section.questionnaire_id == new.pk for q in copied if q.depends_on)
    dependent = Question.objects.filter(section__questionnaire=old, depends_on__isnull=False).count()
    assert sum(1 for q in copied if q.depends_on) == dependent > 0
    # Asking again opens the same draft.
    staff.post(reverse("assessments:questionnaire_version", args=[old.pk]))
    assert Questionnaire.objects.filter(slug=old.slug).count() == 2

    question = copied[0]
    staff.post(
        reverse("assessments:question_edit", args=[new.pk, question.pk]),
        {
            "section": question.section_id,
            "text": "Reworded for version 2?",
            "principles": [p.pk for p in question.principles.all()],
        },
    )
    staff.post(reverse("assessments:questionnaire_publish", args=[new.pk]), {"confirm": "yes"})
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("retired", "published")
    # Version 1 is only retired: every question, answer and score as answered.
    assert _snapshot(old)[:-1] == ((*before[0][:2], "retired", *before[0][3:]), *before[1:])
    assert AuditEvent.objects.filter(action="questionnaire.published", data__retired=[old.pk]).exists()

    # Acme's self-assessment still answers version 1, and continues it in that cycle.
    answered.refresh_from_db()
    assert answered.questionnaire_id == old.pk
    editor = client_for(people["editor"])
    assert editor.get(reverse("assessments:report", args=[answered.pk])).status_code == 200
    editor.post(reverse("assessments:start", args=[old.slug]), {"organisation": world.acme.pk, "cycle": cycle()})
    assert SelfAssessment.objects.filter(organisation=world.acme).count() == 1
    # Globex starts one now: on version 2, with the new wording.
    globex = client_for(people["named_org"])
    started = globex.post(
        reverse("assessments:start", args=[old.slug]), {"organisation": world.globex.pk, "cycle": cycle()}
    )
    fresh = SelfAssessment.objects.get(organisation=world.globex)
    assert fresh.questionnaire_id == new.pk
    assert "Reworded for version 2?" in globex.get(started["Location"]).content.decode()


def test_a_retired_questionnaire_is_no_longer_offered(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    staff = client_for(people["secretariat_admin"])
    asking = staff.post(reverse("assessments:questionnaire_retire", args=[world.questionnaire.pk]))
    assert "Retire “Safety by Design self-assessment”?" in asking.content.decode()
    staff.post(reverse("assessments:questionnaire_retire", args=[world.questionnaire.pk]), {"confirm": "yes"})
    assert Questionnaire.objects.get(pk=world.questionnaire.pk).status == "retired"
    editor = client_for(people["editor"])
    assert "Safety by Design self-assessment" not in editor.get(reverse("assessments:index")).content.decode()
    response = editor.post(
        reverse("assessments:start", args=[world.questionnaire.slug]), {"organisation": world.acme.pk, "cycle": cycle()}
    )
    assert response.status_code == 404 and not SelfAssessment.objects.exists()
    with pytest.raises(ServiceError, match="not offered"):
        services.start_assessment(
            acting_user=people["editor"], questionnaire=world.questionnaire, organisation=world.acme, cycle=cycle()
        )


def test_a_draft_can_be_thrown_away_but_a_published_version_cannot(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any]
) -> None:
    draft, _made = _small(people["secretariat"])
    staff = client_for(people["secretariat"])
    staff.post(reverse("assessments:questionnaire_discard", args=[draft.pk]), {"confirm": "yes"})
    assert not Questionnaire.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="questionnaire.draft_deleted").count() == 1
    with pytest.raises(ServiceError):
        editing.delete_draft(acting_user=people["secretariat"], questionnaire=world.questionnaire)
    assert Questionnaire.objects.filter(pk=world.questionnaire.pk).exists()


# --- Query counts --------------------------------------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_the_editor_pages_cost_the_same_with_few_or_many_questions(
    world: World, people: dict[str, Any], client_for: Callable[[Any], Any], django_assert_max_num_queries: Any
) -> None:
    user = people["secretariat"]
    draft, _made = _small(user)
    client = client_for(user)
    detail = reverse("assessments:questionnaire", args=[draft.pk])
    listing = reverse("assessments:questionnaires")
    client.get(detail)  # the first request of a session reads what later ones keep
    few = _queries(client, detail), _queries(client, listing)
    principles = list(Principle.objects.filter(framework=draft.framework))
    topics = [Topic.objects.create(name=f"Topic {n}", slug=f"topic-{n}") for n in range(3)]
    for n in range(4):
        section = editing.save_section(acting_user=user, questionnaire=draft, title=f"Section {n}", topics=topics)
        previous = None
        for m in range(5):
            question = editing.save_question(
                acting_user=user,
                questionnaire=draft,
                section=section,
                text=f"Question {n}.{m}",
                principles=principles,
                depends_on=previous,
            )
            for points in (2, 1, None):
                previous = editing.save_choice(
                    acting_user=user, question=question, text=f"Answer {points}", points=points
                )
    for n in range(5):
        _small(user, slug=f"other-{n}")
    many = _queries(client, detail), _queries(client, listing)
    assert many == few
    with django_assert_max_num_queries(12):
        client.get(detail)
