"""Self-assessment pages: questionnaires and the assessments a person may read, answering section
by section (saved as you go, resumed any time), the report, sharing, and applying the result to
the organisation's implementation records (a preview, then the same plan written)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.assessments import scoring, selectors, services
from coalition.assessments.forms import ApplyForm
from coalition.assessments.inference import Outcome
from coalition.assessments.models import Questionnaire
from coalition.assessments.views.crosswalks import PER_PAGE, _reporting_organisations
from coalition.core.errors import AccessDenied, ServiceError
from coalition.core.http import query_int, run_service, submit_form
from coalition.principles.forms import ShareForm
from coalition.principles.services import cycles


def index(request: HttpRequest) -> HttpResponse:
    if not access.memberships_of(request.user):
        raise Http404("No such page.")
    page = query_int(request.GET.get("page"), default=1, maximum=1000)
    start = (page - 1) * PER_PAGE
    items = list(
        selectors.visible_assessments(request.user).order_by("-cycle", "organisation__name", "pk")[
            start : start + PER_PAGE + 1
        ]
    )
    organisations = _reporting_organisations(request)
    questionnaires = list(
        Questionnaire.objects.filter(status=Questionnaire.Status.PUBLISHED).select_related("framework")
    )
    form = (
        ApplyForm(initial={"cycle": timezone.localdate().year}, organisations=organisations, cycles=cycles())
        if organisations
        else None
    )
    return render(
        request,
        "assessments/index.html",
        {
            "assessments": items[:PER_PAGE],
            "page": page,
            "has_next": len(items) > PER_PAGE,
            "questionnaires": questionnaires,
            "form": form,
            "can_manage_questionnaires": access.can(request.user, Action.MANAGE_QUESTIONNAIRES),
        },
    )


@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    questionnaire = Questionnaire.objects.filter(slug=slug, status=Questionnaire.Status.PUBLISHED).first()
    organisations = _reporting_organisations(request)
    if questionnaire is None or not organisations:
        raise Http404("No such page.")
    form = ApplyForm(request.POST, organisations=organisations, cycles=cycles())
    if not form.is_valid():
        messages.error(request, _("Choose one of your organisations and a reporting cycle."))
        return redirect("assessments:index")
    organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
    try:
        assessment = services.start_assessment(
            acting_user=request.user,
            questionnaire=questionnaire,
            organisation=organisation,
            cycle=form.cleaned_data["cycle"],
        )
    except ServiceError as error:
        messages.error(request, error.messages[0])
        return redirect("assessments:index")
    except AccessDenied:
        raise Http404("No such page.") from None
    return redirect("assessments:section", pk=assessment.pk, number=1)


def _answers_from(request: HttpRequest, question_ids: list[int]) -> dict[int, tuple[int | None, str]]:
    """q<id> = choice id, note<id> = note; ids as posted (the service checks they belong)."""
    answers: dict[int, tuple[int | None, str]] = {}
    for key, value in request.POST.items():
        if not key.startswith("q") or not key[1:].isdigit():
            continue
        question_id = int(key[1:])
        # "" clears the answer; anything but a choice's id is refused by the service (no choice is 0).
        choice = None if value == "" else query_int(value, default=0, minimum=0)
        answers[question_id] = (choice, request.POST.get(f"note{question_id}", "").strip())
    for question_id in question_ids:  # a note without a choice is kept with the current choice
        if question_id not in answers and request.POST.get(f"note{question_id}", "").strip():
            answers[question_id] = (-1, request.POST.get(f"note{question_id}", "").strip())
    return answers


def section(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    assessment = selectors.assessment_or_404(request.user, pk)
    if not access.can(request.user, Action.EDIT_ASSESSMENT, assessment):
        return redirect("assessments:report", pk=assessment.pk)
    report = scoring.report_for(assessment)
    if not 1 <= number <= len(report.sections):
        raise Http404("No such page.")
    current = report.sections[number - 1]
    error = ""
    if request.method == "POST":
        answers = _answers_from(request, [q.question.pk for q in current.questions])
        stored = {q.question.pk: q.answer.choice_id for q in current.questions if q.answer is not None}
        # A note without a choice keeps the stored choice; without one there is nothing to save it on.
        answers = {
            qid: (stored.get(qid), note) if choice == -1 else (choice, note)
            for qid, (choice, note) in answers.items()
            if choice != -1 or qid in stored
        }
        try:
            services.save_answers(acting_user=request.user, assessment=assessment, answers=answers)
        except ServiceError as exc:
            error = exc.messages[0]
        except AccessDenied:
            raise Http404("No such page.") from None
        if not error:
            messages.success(request, _("Answers saved."))
            if "next" in request.POST and number < len(report.sections):
                return redirect("assessments:section", pk=assessment.pk, number=number + 1)
            if "next" in request.POST:
                return redirect("assessments:report", pk=assessment.pk)
            return redirect("assessments:section", pk=assessment.pk, number=number)
    return render(
        request,
        "assessments/section.html",
        {
            "assessment": assessment,
            "report": report,
            "current": current,
            "number": number,
            "error": error,
            "posted": request.POST if error else None,
        },
        status=400 if error else 200,
    )


@login_not_required  # a self-assessment shared publicly (TLP:CLEAR); the MFA hold still applies to the signed in
def report(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_or_404(request.user, pk)
    result = scoring.report_for(assessment)
    detail = access.can(request.user, Action.VIEW_ASSESSMENT_DETAIL, assessment)
    guidance = selectors.guidance_for(request.user, result)
    # Who else reads it is for those who share it, as on a document's page.
    audience = access.audience_of(assessment) if access.can(request.user, Action.EDIT_ASSESSMENT, assessment) else None
    return render(
        request,
        "assessments/report.html",
        {
            "assessment": assessment,
            "report": result,
            "guidance_list": [
                (s.section.title, guidance[s.section.pk]) for s in result.sections if guidance.get(s.section.pk)
            ],
            "can_edit": access.can(request.user, Action.EDIT_ASSESSMENT, assessment),
            "detail": detail,
            "bands": scoring.BANDS.items(),
            "reasons": access.explain(request.user, assessment),
            "audience": audience,
        },
    )


@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_or_404(request.user, pk, Action.EDIT_ASSESSMENT)
    if request.POST.get("reopen"):
        run_service(
            request,
            _("Reopened: you can change your answers."),
            lambda: services.reopen_assessment(acting_user=request.user, assessment=assessment),
        )
    else:
        run_service(
            request,
            _("Self-assessment completed."),
            lambda: services.complete_assessment(acting_user=request.user, assessment=assessment),
        )
    return redirect("assessments:report", pk=assessment.pk)


def share(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_or_404(request.user, pk, Action.EDIT_ASSESSMENT)
    initial: dict[str, Any] = {
        "audience": assessment.audience,
        "tlp": assessment.tlp,
        "audience_organisations": list(assessment.audience_organisations.all()),
        "audience_communities": list(assessment.audience_communities.all()),
    }
    form = ShareForm(request.POST or None, initial=initial)
    saved = submit_form(
        request,
        form,
        lambda: services.share_assessment(
            acting_user=request.user,
            assessment=assessment,
            audience=form.cleaned_data["audience"],
            tlp=form.cleaned_data["tlp"],
            audience_organisations=list(form.cleaned_data["audience_organisations"]),
            audience_communities=list(form.cleaned_data["audience_communities"]),
        ),
    )
    if saved is not None:
        messages.success(request, _("Sharing saved."))
        return redirect("assessments:report", pk=assessment.pk)
    return render(
        request,
        "assessments/share.html",
        {"form": form, "assessment": assessment},
        status=400 if request.method == "POST" else 200,
    )


def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the preview; POST: apply exactly the plan previewed (its fingerprint)."""
    assessment = selectors.assessment_or_404(request.user, pk, Action.EDIT_ASSESSMENT)
    data = request.POST if request.method == "POST" else request.GET
    cycle = query_int(data.get("cycle"), default=assessment.cycle, minimum=0)
    context: dict[str, Any] = {"assessment": assessment, "cycle": cycle}
    try:
        if request.method == "POST":
            written = services.apply_assessment(
                acting_user=request.user,
                assessment=assessment,
                cycle=cycle,
                fingerprint=request.POST.get("fingerprint", ""),
            )
            messages.success(
                request,
                _("%(n)s records updated from the self-assessment. They are marked “in review”: check them.")
                % {"n": len(written)},
            )
            url = reverse(
                "principles:organisation", args=[assessment.questionnaire.framework.slug, assessment.organisation.slug]
            )
            return redirect(f"{url}?cycle={cycle}")
        plan = services.plan_assessment(acting_user=request.user, assessment=assessment, cycle=cycle)
    except ServiceError as error:
        context["error"] = error.messages[0]
        if error.code == "fingerprint":
            context["plan"] = services.plan_assessment(
                acting_user=request.user, assessment=assessment, cycle=assessment.cycle
            )
        return render(request, "assessments/apply.html", _counted(context), status=400)
    except AccessDenied:
        raise Http404("No such page.") from None
    context["plan"] = plan
    return render(request, "assessments/apply.html", _counted(context))


def _counted(context: dict[str, Any]) -> dict[str, Any]:
    plan = context.get("plan")
    if plan is not None:
        context["will_write"] = len(plan.writes)
        context["kept"] = sum(1 for p in plan.proposals if p.outcome == Outcome.KEPT)
    return context
