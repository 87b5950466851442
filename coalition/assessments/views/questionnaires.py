"""The questionnaire editor, for the secretariat's editors and admins (nobody else finds these
pages: a 404). The list of questionnaires and their versions; a questionnaire's page with its
sections, questions and answers, reordered with up/down buttons; forms for each part; publishing,
retiring, a new version of an answered questionnaire, and throwing a draft away (each confirmed).
Writes go through coalition/assessments/editing.py, which refuses to change an answered version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.assessments import editing
from coalition.assessments.forms import ChoiceForm, NewQuestionnaireForm, QuestionForm, QuestionnaireForm, SectionForm
from coalition.assessments.models import Choice, Question, Questionnaire, Section
from coalition.core.errors import AccessDenied, ServiceError
from coalition.core.http import confirmation, is_confirmed, run_service, submit_form

DIRECTIONS = ("up", "down")


def _require_manager(request: HttpRequest) -> None:
    if not access.can(request.user, Action.MANAGE_QUESTIONNAIRES):
        raise Http404("No such page.")


def _questionnaire(request: HttpRequest, pk: int) -> Questionnaire:
    _require_manager(request)
    item = Questionnaire.objects.select_related("framework", "replaces").filter(pk=pk).first()
    if item is None:
        raise Http404("No such page.")
    return item


def _editor_url(questionnaire: Questionnaire, anchor: str = "") -> str:
    url = reverse("assessments:questionnaire", args=[questionnaire.pk])
    return f"{url}#{anchor}" if anchor else url


def _form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    questionnaire: Questionnaire | None,
    extra: dict[str, Any] | None = None,
    template: str = "questionnaires/form.html",
) -> HttpResponse:
    context = {"form": form, "title": title, "questionnaire": questionnaire, **(extra or {})}
    if questionnaire is not None:
        context["locked_reason"] = _locked_reason(questionnaire)
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _locked_reason(questionnaire: Questionnaire) -> str:
    if questionnaire.status == Questionnaire.Status.RETIRED:
        return _("This version is retired: it stays as it was.")
    if editing.is_answered(questionnaire):
        return _("Self-assessments answer this version: it stays as it was.")
    return ""


# --- Lists and the editor page -------------------------------------------------------------------


def questionnaire_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    items = list(
        Questionnaire.objects.select_related("framework")
        .annotate(
            assessment_count=Count("assessments", distinct=True),
            question_count=Count("sections__questions", distinct=True),
        )
        .order_by("title", "slug", "-version")
    )
    return render(request, "questionnaires/list.html", {"questionnaires": items})


def questionnaire_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = NewQuestionnaireForm(request.POST or None)
    saved = submit_form(
        request, form, lambda: editing.create_questionnaire(acting_user=request.user, **form.cleaned_data)
    )
    if saved is not None:
        messages.success(request, _("Questionnaire created as a draft. Add its sections and questions."))
        return redirect(_editor_url(saved))
    return _form_page(request, form, title=_("New questionnaire"), questionnaire=None)


def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    sections = list(Section.objects.filter(questionnaire=item).prefetch_related("topics").order_by("order", "pk"))
    questions = list(
        Question.objects.filter(section__questionnaire=item)
        .select_related("depends_on__question__section")
        .prefetch_related("principles", "choices")
        .order_by("order", "pk")
    )
    by_section: dict[int, list[Question]] = {}
    for question in questions:
        by_section.setdefault(question.section_id, []).append(question)
    outline = [(section, by_section.get(section.pk, [])) for section in sections]
    versions = list(
        Questionnaire.objects.filter(slug=item.slug)
        .annotate(assessment_count=Count("assessments"))
        .order_by("-version")
    )
    this = next(v for v in versions if v.pk == item.pk)
    draft = next((v for v in versions if v.status == Questionnaire.Status.DRAFT and v.pk != item.pk), None)
    locked = item.status == Questionnaire.Status.RETIRED or this.assessment_count > 0
    return render(
        request,
        "questionnaires/detail.html",
        {
            "questionnaire": item,
            "outline": outline,
            "question_total": len(questions),
            "versions": versions,
            "assessment_count": this.assessment_count,
            "locked": locked,
            "other_draft": draft,
        },
    )


def questionnaire_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    form = QuestionnaireForm(
        request.POST or None,
        initial={"title": item.title, "description": item.description, "source_url": item.source_url},
    )
    saved = submit_form(
        request,
        form,
        lambda: editing.update_questionnaire(acting_user=request.user, questionnaire=item, **form.cleaned_data),
    )
    if saved is not None:
        messages.success(request, _("Title and introduction saved."))
        return redirect(_editor_url(item))
    return _form_page(request, form, title=_("Title and introduction"), questionnaire=item)


def _confirmed_action(
    request: HttpRequest,
    item: Questionnaire,
    *,
    question: str,
    explanation: list[str],
    button: str,
    done: str,
    call: Callable[[], object],
    danger: bool = False,
    back: str | None = None,
) -> HttpResponse:
    back = back or _editor_url(item)
    if not is_confirmed(request):
        return confirmation(
            request, question=question, explanation=explanation, button=button, cancel_url=back, danger=danger
        )
    run_service(request, done, call)
    return redirect(back)


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    explanation = [_("Organisations can then start self-assessments on this version.")]
    if (
        item.replaces is not None
        or Questionnaire.objects.filter(slug=item.slug, status=Questionnaire.Status.PUBLISHED)
        .exclude(pk=item.pk)
        .exists()
    ):
        explanation.append(
            _(
                "The version offered now is retired: new self-assessments use this one, and those that answer "
                "the older version keep it (their answers and reports do not change)."
            )
        )
    return _confirmed_action(
        request,
        item,
        question=_("Publish version %(v)s of “%(title)s”?") % {"v": item.version, "title": item.title},
        explanation=explanation,
        button=_("Publish"),
        done=_("Published: organisations can start self-assessments on it."),
        call=lambda: editing.publish_questionnaire(acting_user=request.user, questionnaire=item),
    )


@require_POST
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    return _confirmed_action(
        request,
        item,
        question=_("Retire “%(title)s”?") % {"title": item.title},
        explanation=[
            _("It is no longer offered for new self-assessments."),
            _("Self-assessments that answer it keep it: their answers and reports do not change."),
        ],
        button=_("Retire"),
        done=_("Retired: no longer offered for new self-assessments."),
        call=lambda: editing.retire_questionnaire(acting_user=request.user, questionnaire=item),
        danger=True,
    )


@require_POST
def make_version(request: HttpRequest, pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    try:
        copy = editing.new_version(acting_user=request.user, questionnaire=item)
    except ServiceError as error:
        messages.error(request, error.messages[0])
        return redirect(_editor_url(item))
    except AccessDenied:
        raise Http404("No such page.") from None
    messages.success(
        request,
        _("Version %(v)s is a draft copy: change it, then publish it to replace version %(old)s.")
        % {"v": copy.version, "old": item.version},
    )
    return redirect(_editor_url(copy))


@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    back = _editor_url(item.replaces) if item.replaces is not None else reverse("assessments:questionnaires")
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Throw away the draft version %(v)s of “%(title)s”?") % {"v": item.version, "title": item.title},
            explanation=[_("Its sections, questions and answers are deleted. Published versions do not change.")],
            button=_("Throw away"),
            cancel_url=_editor_url(item),
            danger=True,
        )
    if run_service(
        request, _("Draft thrown away."), lambda: editing.delete_draft(acting_user=request.user, questionnaire=item)
    ):
        return redirect(back)
    return redirect(_editor_url(item))


# --- Sections ------------------------------------------------------------------------------------


def _section(item: Questionnaire, pk: int) -> Section:
    section = Section.objects.filter(questionnaire=item, pk=pk).first()
    if section is None:
        raise Http404("No such page.")
    return section


def section_edit(request: HttpRequest, pk: int, section_pk: int | None = None) -> HttpResponse:
    item = _questionnaire(request, pk)
    section = _section(item, section_pk) if section_pk else None
    initial: dict[str, Any] = {}
    if section is not None:
        initial = {
            "title": section.title,
            "intro": section.intro,
            "order": section.order,
            "topics": list(section.topics.all()),
        }
    form = SectionForm(request.POST or None, initial=initial)
    saved = submit_form(
        request,
        form,
        lambda: editing.save_section(
            acting_user=request.user,
            questionnaire=item,
            section=section,
            title=form.cleaned_data["title"],
            intro=form.cleaned_data["intro"],
            order=form.cleaned_data["order"],
            topics=list(form.cleaned_data["topics"]),
        ),
    )
    if saved is not None:
        messages.success(request, _("Section saved."))
        return redirect(_editor_url(item, f"section-{saved.pk}"))
    return _form_page(request, form, title=_("Edit section") if section else _("New section"), questionnaire=item)


def _move(request: HttpRequest, item: Questionnaire, call: Callable[[str], object], anchor: str) -> HttpResponse:
    direction = request.POST.get("direction", "")
    if direction not in DIRECTIONS:
        messages.error(request, _("Choose up or down."))
    else:
        run_service(request, _("Moved."), lambda: call(direction))
    return redirect(_editor_url(item, anchor))


@require_POST
def section_move(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    section = _section(item, section_pk)
    return _move(
        request,
        item,
        lambda d: editing.move_section(acting_user=request.user, section=section, direction=d),
        f"section-{section.pk}",
    )


@require_POST
def section_delete(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    section = _section(item, section_pk)
    return _confirmed_action(
        request,
        item,
        question=_("Remove the section “%(title)s”?") % {"title": section.title},
        explanation=[_("Its questions and their answers are removed with it.")],
        button=_("Remove section"),
        done=_("Section removed."),
        call=lambda: editing.delete_section(acting_user=request.user, section=section),
        danger=True,
    )


# --- Questions -----------------------------------------------------------------------------------


def _question(item: Questionnaire, pk: int) -> Question:
    question = Question.objects.filter(section__questionnaire=item, pk=pk).select_related("section").first()
    if question is None:
        raise Http404("No such page.")
    return question


def question_edit(request: HttpRequest, pk: int, question_pk: int | None = None) -> HttpResponse:
    item = _questionnaire(request, pk)
    question = _question(item, question_pk) if question_pk else None
    initial: dict[str, Any] = {}
    if question is not None:
        initial = {
            "section": question.section_id,
            "text": question.text,
            "help": question.help,
            "principles": list(question.principles.all()),
            "depends_on": question.depends_on_id,
            "order": question.order,
        }
    else:
        wanted = request.GET.get("section", "")
        if wanted.isdigit() and len(wanted) < 10:
            initial["section"] = int(wanted)
    form = QuestionForm(request.POST or None, initial=initial, questionnaire=item, question=question)
    saved = submit_form(
        request,
        form,
        lambda: editing.save_question(
            acting_user=request.user,
            questionnaire=item,
            question=question,
            section=form.cleaned_data["section"],
            text=form.cleaned_data["text"],
            help=form.cleaned_data["help"],
            principles=list(form.cleaned_data["principles"]),
            depends_on=form.cleaned_data["depends_on"],
            order=form.cleaned_data["order"],
        ),
    )
    if saved is not None:
        if question is None:
            messages.success(request, _("Question saved. Now add the answers to choose from."))
            return redirect("assessments:question_edit", pk=item.pk, question_pk=saved.pk)
        messages.success(request, _("Question saved."))
        return redirect(_editor_url(item, f"question-{saved.pk}"))
    choices = list(question.choices.order_by("order", "pk")) if question is not None else []
    return _form_page(
        request,
        form,
        title=_("Edit question") if question else _("New question"),
        questionnaire=item,
        extra={"question": question, "choices": choices},
        template="questionnaires/question.html",
    )


@require_POST
def question_move(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    question = _question(item, question_pk)
    return _move(
        request,
        item,
        lambda d: editing.move_question(acting_user=request.user, question=question, direction=d),
        f"question-{question.pk}",
    )


@require_POST
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    question = _question(item, question_pk)
    return _confirmed_action(
        request,
        item,
        question=_("Remove the question “%(text)s”?") % {"text": question.text},
        explanation=[_("Its answers to choose from are removed with it.")],
        button=_("Remove question"),
        done=_("Question removed."),
        call=lambda: editing.delete_question(acting_user=request.user, question=question),
        danger=True,
        back=_editor_url(item, f"section-{question.section_id}"),
    )


# --- Choices -------------------------------------------------------------------------------------


def _choice(question: Question, pk: int) -> Choice:
    choice = Choice.objects.filter(question=question, pk=pk).first()
    if choice is None:
        raise Http404("No such page.")
    return choice


def _question_url(item: Questionnaire, question: Question) -> str:
    return reverse("assessments:question_edit", args=[item.pk, question.pk]) + "#choices"


def choice_edit(request: HttpRequest, pk: int, question_pk: int, choice_pk: int | None = None) -> HttpResponse:
    item = _questionnaire(request, pk)
    question = _question(item, question_pk)
    choice = _choice(question, choice_pk) if choice_pk else None
    initial: dict[str, Any] = {}
    if choice is not None:
        initial = {"text": choice.text, "points": choice.points, "order": choice.order}
    form = ChoiceForm(request.POST or None, initial=initial)
    saved = submit_form(
        request,
        form,
        lambda: editing.save_choice(acting_user=request.user, question=question, choice=choice, **form.cleaned_data),
    )
    if saved is not None:
        messages.success(request, _("Answer saved."))
        return redirect(_question_url(item, question))
    return _form_page(
        request,
        form,
        title=_("Edit answer") if choice else _("New answer"),
        questionnaire=item,
        extra={"question": question},
    )


@require_POST
def choice_move(request: HttpRequest, pk: int, question_pk: int, choice_pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    question = _question(item, question_pk)
    choice = _choice(question, choice_pk)
    direction = request.POST.get("direction", "")
    if direction not in DIRECTIONS:
        messages.error(request, _("Choose up or down."))
    else:
        run_service(
            request,
            _("Moved."),
            lambda: editing.move_choice(acting_user=request.user, choice=choice, direction=direction),
        )
    return redirect(_question_url(item, question))


@require_POST
def choice_delete(request: HttpRequest, pk: int, question_pk: int, choice_pk: int) -> HttpResponse:
    item = _questionnaire(request, pk)
    question = _question(item, question_pk)
    choice = _choice(question, choice_pk)
    return _confirmed_action(
        request,
        item,
        question=_("Remove the answer “%(text)s”?") % {"text": choice.text},
        explanation=[_("Questions asked only after this answer must be changed first.")],
        button=_("Remove answer"),
        done=_("Answer removed."),
        call=lambda: editing.delete_choice(acting_user=request.user, choice=choice),
        danger=True,
        back=_question_url(item, question),
    )
