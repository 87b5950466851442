"""Writes for the questionnaire editor (the secretariat's editors and admins). Each runs in a
transaction, checks the acting user through coalition.access, validates the whole questionnaire
before anything is kept (a refusal rolls back every row it touched) and records its audit event
(identifiers, orders and field names, never the texts).

The versioning rule: a questionnaire that a self-assessment answers never changes again. Editing
it means making a new draft version (`new_version`, a copy with `replaces` pointing back); publishing
that draft retires the version it replaces, whose self-assessments keep pointing to it. A retired
version is kept as it was too. Only drafts and published versions nobody has answered yet change
in place.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.assessments.models import Choice, Question, Questionnaire, Section
from coalition.audit.services import record as audit
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.models import Topic
from coalition.principles.models import Framework, Principle

MAX_ORDER = 999
# Orders are unique in their parent: a swap parks one row here for a moment.
_PARKED = 32767


def _require(user: Any) -> None:
    if not access.can(user, Action.MANAGE_QUESTIONNAIRES):
        raise AccessDenied(Action.MANAGE_QUESTIONNAIRES)


def is_answered(questionnaire: Questionnaire) -> bool:
    return questionnaire.assessments.exists()


def _locked(acting_user: Any, questionnaire: Questionnaire) -> Questionnaire:
    """The questionnaire's row, locked for the change (start_assessment locks it too, so nobody
    starts answering a version while it changes), if it may still change in place."""
    _require(acting_user)
    item = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if item.status == Questionnaire.Status.RETIRED:
        raise ServiceError(
            _("A retired questionnaire stays as it was. Make a new version to change it."), code="version"
        )
    if is_answered(item):
        raise ServiceError(
            _(
                "Self-assessments answer this version, so it stays as it was. "
                "Make a new version to change it: its self-assessments keep this one."
            ),
            code="version",
        )
    return item


def _check_order(order: int) -> None:
    if not 1 <= order <= MAX_ORDER:
        raise ServiceError(_("Give an order from 1 to %(max)s.") % {"max": MAX_ORDER}, code="order")


def _position(question: Question) -> tuple[int, int]:
    return (question.section.order, question.order)


def check_dependencies(questionnaire: Questionnaire) -> None:
    """Every condition names a choice of an earlier question of the same questionnaire."""
    questions = list(
        Question.objects.filter(section__questionnaire=questionnaire).select_related(
            "section", "depends_on__question__section"
        )
    )
    for question in questions:
        parent = question.depends_on
        if parent is None:
            continue
        if parent.question_id == question.pk:
            raise ServiceError(
                _("“%(question)s” cannot depend on one of its own answers.") % {"question": question.text},
                code="depends_on",
            )
        if parent.question.section.questionnaire_id != questionnaire.pk:
            raise ServiceError(_("Choose an answer of a question of this questionnaire."), code="depends_on")
        if _position(parent.question) >= _position(question):
            raise ServiceError(
                _(
                    "“%(question)s” depends on “%(parent)s”, which would come after it. "
                    "A question can depend only on an earlier one."
                )
                % {"question": question.text, "parent": parent.question.text},
                code="depends_on",
            )


def _next_order(values: list[int]) -> int:
    return (max(values) if values else 0) + 1


# --- The questionnaire ---------------------------------------------------------------------------


@transaction.atomic
def create_questionnaire(
    *,
    acting_user: Any,
    framework: Framework,
    title: str,
    slug: str,
    description: str = "",
    source_url: str = "",
) -> Questionnaire:
    _require(acting_user)
    if Questionnaire.objects.filter(slug=slug).exists():
        raise ServiceError(_("Another questionnaire has this short address: choose another."), code="slug")
    item = Questionnaire(
        framework=framework,
        title=title.strip(),
        slug=slug,
        description=description.strip(),
        source_url=source_url,
        version=1,
        status=Questionnaire.Status.DRAFT,
    )
    item.full_clean()
    item.save()
    audit(
        action="questionnaire.created",
        actor=acting_user,
        target=item,
        data={"framework": framework.pk, "slug": slug, "version": 1},
    )
    return item


@transaction.atomic
def update_questionnaire(
    *, acting_user: Any, questionnaire: Questionnaire, title: str, description: str = "", source_url: str = ""
) -> Questionnaire:
    item = _locked(acting_user, questionnaire)
    values = {"title": title.strip(), "description": description.strip(), "source_url": source_url}
    changed = sorted(k for k, v in values.items() if getattr(item, k) != v)
    if not changed:
        return item
    for key, value in values.items():
        setattr(item, key, value)
    item.full_clean()
    item.save(update_fields=[*changed, "updated_at"])
    audit(action="questionnaire.updated", actor=acting_user, target=item, data={"fields": changed})
    return item


def check_publishable(questionnaire: Questionnaire) -> None:
    sections = list(questionnaire.sections.prefetch_related("questions__choices"))
    if not any(s.questions.all() for s in sections):
        raise ServiceError(
            _("The questionnaire has no questions yet: add a section and its questions before publishing."),
            code="status",
        )
    for section in sections:
        questions = list(section.questions.all())
        if not questions:
            raise ServiceError(
                _("The section “%(section)s” has no questions: add some or remove it.") % {"section": section.title},
                code="status",
            )
        for question in questions:
            if len(question.choices.all()) < 2:
                raise ServiceError(
                    _("“%(question)s” needs at least two answers to choose from.") % {"question": question.text},
                    code="status",
                )
    check_dependencies(questionnaire)


@transaction.atomic
def publish_questionnaire(*, acting_user: Any, questionnaire: Questionnaire) -> Questionnaire:
    """Offer a draft for new self-assessments; the version it replaces (and any other published
    version of it) is retired, and its self-assessments keep pointing to it."""
    _require(acting_user)
    item = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if item.status != Questionnaire.Status.DRAFT:
        raise ServiceError(_("Only a draft can be published."), code="status")
    check_publishable(item)
    now = timezone.now()
    retired = list(
        Questionnaire.objects.select_for_update()
        .filter(slug=item.slug, status=Questionnaire.Status.PUBLISHED)
        .values_list("pk", flat=True)
    )
    Questionnaire.objects.filter(pk__in=retired).update(status=Questionnaire.Status.RETIRED, updated_at=now)
    item.status, item.published_at = Questionnaire.Status.PUBLISHED, now
    item.save(update_fields=["status", "published_at", "updated_at"])
    audit(
        action="questionnaire.published",
        actor=acting_user,
        target=item,
        data={"version": item.version, "retired": retired},
    )
    return item


@transaction.atomic
def retire_questionnaire(*, acting_user: Any, questionnaire: Questionnaire) -> Questionnaire:
    """No longer offered for new self-assessments; those that answer it keep it."""
    _require(acting_user)
    item = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if item.status != Questionnaire.Status.PUBLISHED:
        raise ServiceError(_("Only a published questionnaire can be retired."), code="status")
    item.status = Questionnaire.Status.RETIRED
    item.save(update_fields=["status", "updated_at"])
    audit(action="questionnaire.retired", actor=acting_user, target=item, data={"version": item.version})
    return item


@transaction.atomic
def delete_draft(*, acting_user: Any, questionnaire: Questionnaire) -> None:
    """Throw a draft away (nobody answers drafts)."""
    _require(acting_user)
    item = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if item.status != Questionnaire.Status.DRAFT or is_answered(item):
        raise ServiceError(_("Only a draft nobody has answered can be thrown away."), code="status")
    data = {"slug": item.slug, "version": item.version}
    pk = item.pk
    # Conditions point at choices (PROTECT): drop them before the rows they point at.
    Question.objects.filter(section__questionnaire=item).update(depends_on=None)
    item.delete()
    audit(
        action="questionnaire.draft_deleted",
        actor=acting_user,
        target_type="assessments.questionnaire",
        target_id=pk,
        data=data,
    )


@transaction.atomic
def new_version(*, acting_user: Any, questionnaire: Questionnaire) -> Questionnaire:
    """A draft copy of the questionnaire (sections with their topics, questions with their
    principles and conditions, choices) to edit and publish in its place. If a draft of it
    exists already, that draft (one at a time)."""
    _require(acting_user)
    source = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    existing = Questionnaire.objects.filter(slug=source.slug, status=Questionnaire.Status.DRAFT).first()
    if existing is not None:
        return existing
    highest = Questionnaire.objects.filter(slug=source.slug).aggregate(v=Max("version"))["v"] or 0
    copy = Questionnaire.objects.create(
        title=source.title,
        slug=source.slug,
        description=source.description,
        framework_id=source.framework_id,
        source_url=source.source_url,
        version=highest + 1,
        status=Questionnaire.Status.DRAFT,
        replaces=source,
    )
    choice_map: dict[int, Choice] = {}
    conditions: list[tuple[Question, int]] = []
    sections = source.sections.prefetch_related("topics", "questions__principles", "questions__choices")
    for section in sections:
        new_section = Section.objects.create(
            questionnaire=copy, order=section.order, title=section.title, intro=section.intro
        )
        new_section.topics.set(section.topics.all())
        for question in section.questions.all():
            new_question = Question.objects.create(
                section=new_section, order=question.order, text=question.text, help=question.help
            )
            new_question.principles.set(question.principles.all())
            if question.depends_on_id is not None:
                conditions.append((new_question, question.depends_on_id))
            for choice in question.choices.all():
                choice_map[choice.pk] = Choice.objects.create(
                    question=new_question, order=choice.order, text=choice.text, points=choice.points
                )
    for new_question, old_choice_id in conditions:
        new_question.depends_on = choice_map[old_choice_id]
        new_question.save(update_fields=["depends_on"])
    audit(
        action="questionnaire.versioned",
        actor=acting_user,
        target=copy,
        data={"replaces": source.pk, "version": copy.version},
    )
    return copy


# --- Sections ------------------------------------------------------------------------------------


@transaction.atomic
def save_section(
    *,
    acting_user: Any,
    questionnaire: Questionnaire,
    section: Section | None = None,
    title: str,
    intro: str = "",
    order: int | None = None,
    topics: list[Topic] | None = None,
) -> Section:
    item = _locked(acting_user, questionnaire)
    if section is not None and section.questionnaire_id != item.pk:
        raise ServiceError(_("This section belongs to another questionnaire."), code="title")
    others = Section.objects.filter(questionnaire=item)
    if section is not None:
        others = others.exclude(pk=section.pk)
    if order is None:
        order = section.order if section is not None else _next_order(list(others.values_list("order", flat=True)))
    _check_order(order)
    if others.filter(order=order).exists():
        raise ServiceError(
            _("Another section already has the order %(order)s: choose another number, or use the arrows.")
            % {"order": order},
            code="order",
        )
    if not title.strip():
        raise ServiceError(_("Give the section a title."), code="title")
    target = section or Section(questionnaire=item)
    values = {"title": title.strip(), "intro": intro.strip(), "order": order}
    created = target.pk is None
    changed = sorted(k for k, v in values.items() if created or getattr(target, k) != v)
    new_topics = sorted(t.pk for t in topics or [])
    if not created and sorted(target.topics.values_list("pk", flat=True)) != new_topics:
        changed.append("topics")
    if not changed:
        return target
    for key, value in values.items():
        setattr(target, key, value)
    target.full_clean()
    target.save()
    target.topics.set(new_topics)
    check_dependencies(item)  # a new order may put a section before the questions it depends on
    audit(
        action="questionnaire.section_created" if created else "questionnaire.section_updated",
        actor=acting_user,
        target=item,
        data={"section": target.pk, "order": order, "fields": changed},
    )
    return target


def _swap(model: type[Section] | type[Question] | type[Choice], one: Any, other: Any) -> None:
    a, b = one.order, other.order
    model.objects.filter(pk=one.pk).update(order=_PARKED)
    model.objects.filter(pk=other.pk).update(order=a)
    model.objects.filter(pk=one.pk).update(order=b)
    one.order, other.order = b, a


def _neighbour(rows: list[Any], item: Any, direction: str) -> Any | None:
    index = next(i for i, row in enumerate(rows) if row.pk == item.pk)
    step = -1 if direction == "up" else 1
    return rows[index + step] if 0 <= index + step < len(rows) else None


@transaction.atomic
def move_section(*, acting_user: Any, section: Section, direction: str) -> Section:
    item = _locked(acting_user, section.questionnaire)
    rows = list(Section.objects.filter(questionnaire=item).order_by("order", "pk"))
    other = _neighbour(rows, section, direction)
    if other is None:
        raise ServiceError(_("The section is already at that end."), code="order")
    _swap(Section, section, other)
    check_dependencies(item)
    audit(
        action="questionnaire.section_moved",
        actor=acting_user,
        target=item,
        data={"section": section.pk, "order": section.order},
    )
    return section


def _refuse_if_depended_on(choice: Choice) -> None:
    dependent = Question.objects.filter(depends_on=choice).first()
    if dependent is not None:
        raise ServiceError(
            _("“%(question)s” is asked only after this answer: change or remove that condition first.")
            % {"question": dependent.text},
            code="depends_on",
        )


def _still_publishable(item: Questionnaire) -> None:
    """A published questionnaire changed in place (nobody answered it yet) stays one that could be
    published: retire it instead of emptying it."""
    if item.status == Questionnaire.Status.PUBLISHED:
        check_publishable(item)


@transaction.atomic
def delete_section(*, acting_user: Any, section: Section) -> None:
    item = _locked(acting_user, section.questionnaire)
    own = list(Question.objects.filter(section=section).values_list("pk", flat=True))
    outside = Question.objects.filter(section__questionnaire=item).exclude(section=section)
    dependent = outside.filter(depends_on__question_id__in=own).first()
    if dependent is not None:
        raise ServiceError(
            _("“%(question)s” depends on an answer in this section: change or remove that condition first.")
            % {"question": dependent.text},
            code="depends_on",
        )
    data = {"section": section.pk, "questions": len(own)}
    Question.objects.filter(section=section).update(depends_on=None)
    section.delete()
    _still_publishable(item)
    audit(action="questionnaire.section_deleted", actor=acting_user, target=item, data=data)


# --- Questions -----------------------------------------------------------------------------------


@transaction.atomic
def save_question(
    *,
    acting_user: Any,
    questionnaire: Questionnaire,
    question: Question | None = None,
    section: Section,
    text: str,
    help: str = "",
    principles: list[Principle] | None = None,
    depends_on: Choice | None = None,
    order: int | None = None,
) -> Question:
    item = _locked(acting_user, questionnaire)
    if section.questionnaire_id != item.pk or (question is not None and question.section.questionnaire_id != item.pk):
        raise ServiceError(_("Choose a section of this questionnaire."), code="section")
    if not text.strip():
        raise ServiceError(_("Write the question."), code="text")
    chosen = list(principles or [])
    foreign = [p.code for p in chosen if p.framework_id != item.framework_id]
    if foreign:
        raise ServiceError(
            _("%(codes)s: choose principles of this questionnaire's framework only.") % {"codes": ", ".join(foreign)},
            code="principles",
        )
    others = Question.objects.filter(section=section)
    if question is not None:
        others = others.exclude(pk=question.pk)
    if order is None:
        same_section = question is not None and question.section_id == section.pk
        order = (
            question.order if same_section and question else _next_order(list(others.values_list("order", flat=True)))
        )
    _check_order(order)
    if others.filter(order=order).exists():
        raise ServiceError(
            _(
                "Another question of this section already has the order %(order)s: "
                "choose another number, or use the arrows."
            )
            % {"order": order},
            code="order",
        )
    target = question or Question()
    values: dict[str, Any] = {
        "section_id": section.pk,
        "text": text.strip(),
        "help": help.strip(),
        "order": order,
        "depends_on_id": depends_on.pk if depends_on is not None else None,
    }
    created = target.pk is None
    changed = sorted(k.removesuffix("_id") for k, v in values.items() if created or getattr(target, k) != v)
    new_principles = sorted(p.pk for p in chosen)
    if not created and sorted(target.principles.values_list("pk", flat=True)) != new_principles:
        changed.append("principles")
    if not changed:
        return target
    for key, value in values.items():
        setattr(target, key, value)
    target.full_clean(exclude=["section", "depends_on"])
    target.save()
    target.principles.set(new_principles)
    check_dependencies(item)
    audit(
        action="questionnaire.question_created" if created else "questionnaire.question_updated",
        actor=acting_user,
        target=item,
        data={"question": target.pk, "section": section.pk, "order": order, "fields": changed},
    )
    return target


@transaction.atomic
def move_question(*, acting_user: Any, question: Question, direction: str) -> Question:
    item = _locked(acting_user, question.section.questionnaire)
    rows = list(Question.objects.filter(section_id=question.section_id).order_by("order", "pk"))
    other = _neighbour(rows, question, direction)
    if other is None:
        raise ServiceError(_("The question is already at that end of its section."), code="order")
    _swap(Question, question, other)
    check_dependencies(item)
    audit(
        action="questionnaire.question_moved",
        actor=acting_user,
        target=item,
        data={"question": question.pk, "order": question.order},
    )
    return question


@transaction.atomic
def delete_question(*, acting_user: Any, question: Question) -> None:
    item = _locked(acting_user, question.section.questionnaire)
    dependent = Question.objects.filter(depends_on__question=question).exclude(pk=question.pk).first()
    if dependent is not None:
        raise ServiceError(
            _("“%(question)s” depends on an answer to this question: change or remove that condition first.")
            % {"question": dependent.text},
            code="depends_on",
        )
    data = {"question": question.pk, "section": question.section_id}
    question.delete()
    _still_publishable(item)
    audit(action="questionnaire.question_deleted", actor=acting_user, target=item, data=data)


# --- Choices -------------------------------------------------------------------------------------


@transaction.atomic
def save_choice(
    *,
    acting_user: Any,
    question: Question,
    choice: Choice | None = None,
    text: str,
    points: int | None,
    order: int | None = None,
) -> Choice:
    item = _locked(acting_user, question.section.questionnaire)
    if choice is not None and choice.question_id != question.pk:
        raise ServiceError(_("This answer belongs to another question."), code="text")
    if not text.strip():
        raise ServiceError(_("Write the answer."), code="text")
    if points is not None and not 0 <= points <= Choice.MAX_POINTS:
        raise ServiceError(
            _("A score is from 0 to %(max)s points, or empty for “not applicable”.") % {"max": Choice.MAX_POINTS},
            code="points",
        )
    others = Choice.objects.filter(question=question)
    if choice is not None:
        others = others.exclude(pk=choice.pk)
    if order is None:
        order = choice.order if choice is not None else _next_order(list(others.values_list("order", flat=True)))
    _check_order(order)
    if others.filter(order=order).exists():
        raise ServiceError(
            _(
                "Another answer to this question already has the order %(order)s: "
                "choose another number, or use the arrows."
            )
            % {"order": order},
            code="order",
        )
    target = choice or Choice(question=question)
    values = {"text": text.strip(), "points": points, "order": order}
    created = target.pk is None
    changed = sorted(k for k, v in values.items() if created or getattr(target, k) != v)
    if not changed:
        return target
    for key, value in values.items():
        setattr(target, key, value)
    target.full_clean()
    target.save()
    audit(
        action="questionnaire.choice_created" if created else "questionnaire.choice_updated",
        actor=acting_user,
        target=item,
        data={"question": question.pk, "choice": target.pk, "order": order, "fields": changed},
    )
    return target


@transaction.atomic
def move_choice(*, acting_user: Any, choice: Choice, direction: str) -> Choice:
    item = _locked(acting_user, choice.question.section.questionnaire)
    rows = list(Choice.objects.filter(question_id=choice.question_id).order_by("order", "pk"))
    other = _neighbour(rows, choice, direction)
    if other is None:
        raise ServiceError(_("The answer is already at that end."), code="order")
    _swap(Choice, choice, other)
    audit(
        action="questionnaire.choice_moved",
        actor=acting_user,
        target=item,
        data={"choice": choice.pk, "order": choice.order},
    )
    return choice


@transaction.atomic
def delete_choice(*, acting_user: Any, choice: Choice) -> None:
    item = _locked(acting_user, choice.question.section.questionnaire)
    _refuse_if_depended_on(choice)
    data = {"question": choice.question_id, "choice": choice.pk}
    choice.delete()
    _still_publishable(item)
    audit(action="questionnaire.choice_deleted", actor=acting_user, target=item, data=data)
