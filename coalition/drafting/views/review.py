"""Review and publication: the steps a document's review goes through, asking for review, the
reviewers' decisions, and publishing once every step has approved."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.core.errors import AccessDenied, ServiceError
from coalition.core.http import confirmation, is_confirmed, run_service, submit_form
from coalition.drafting import selectors_review as selectors
from coalition.drafting import services as drafting
from coalition.drafting.forms_review import DecideReviewForm, StepFormSet
from coalition.drafting.models import Review, ReviewDecision
from coalition.library import selectors as library_selectors
from coalition.library import services as library
from coalition.library.models import Document


def _page(
    request: HttpRequest,
    document: Document,
    review: Review | None,
    *,
    decide_form: DecideReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.review_page(request.user, document, review)
    # Reviewers decide while the review is in progress (not once changes were asked for or every
    # step approved: the service would refuse).
    can_decide = (
        review is not None
        and review.state == Review.State.IN_PROGRESS
        and access.can(request.user, Action.DECIDE_REVIEW, review)
    )
    if can_decide and decide_form is None:
        assert review is not None
        decide_form = DecideReviewForm(
            initial={"review": review.pk, "revision": review.revision.number, "step": review.current_position}
        )
    return render(
        request,
        "drafting/review.html",
        {
            "document": document,
            "page": page,
            "review": review,
            "can_steer": access.can(request.user, Action.REQUEST_REVIEW, document),
            "can_decide": can_decide,
            "decide_form": decide_form if can_decide else None,
            "since": selectors.since_published(document, review),
        },
        status=status,
    )


def review(request: HttpRequest, pk: int) -> HttpResponse:
    document, open_review, follows = selectors.review_document_for(request.user, pk)
    library.record_read(user=request.user, document=document, what="review_viewed")
    if not follows:
        # Readers through the audience: what they read, nothing about the draft under review.
        return render(request, "drafting/review_readers.html", {"document": document})
    return _page(request, document, open_review)


def steps(request: HttpRequest, pk: int) -> HttpResponse:
    document = library_selectors.document_for(request.user, pk, Action.REQUEST_REVIEW)
    locked = selectors.open_review(document) is not None
    errors: list[str] = []
    if request.method == "POST":
        data = request.POST.copy()
        if "add" in data:
            # Another row, keeping everything typed so far (no script needed).
            total = data.get("steps-TOTAL_FORMS", "0")
            data["steps-TOTAL_FORMS"] = str(int(total) + 1 if total.isdigit() else 1)
        formset = StepFormSet(data, prefix="steps")
        if "add" not in data and formset.is_valid():
            specs = [
                drafting.StepSpec(
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    organisation=form.cleaned_data["organisation"],
                    community=form.cleaned_data["community"],
                )
                for form in formset.ordered_forms
            ]
            try:
                drafting.set_review_steps(acting_user=request.user, document=document, steps=specs)
            except ServiceError as error:
                errors = list(error.messages)
            except AccessDenied:
                raise Http404("No such page.") from None
            else:
                messages.success(request, f"Review steps saved ({len(specs)} step{'s' if len(specs) != 1 else ''}).")
                return redirect("drafting:review", pk=document.pk)
    else:
        initial = [
            {"name": s.name, "organisation": s.organisation_id, "community": s.community_id, "role": s.role}
            for s in document.review_steps.all()
        ]
        formset = StepFormSet(prefix="steps", initial=initial)
    bad = request.method == "POST" and "add" not in request.POST
    return render(
        request,
        "drafting/review_steps.html",
        {"document": document, "formset": formset, "errors": errors, "locked": locked},
        status=400 if bad else 200,
    )


@require_POST
def request(request: HttpRequest, pk: int) -> HttpResponse:
    document = library_selectors.document_for(request.user, pk)
    run_service(
        request,
        "Review requested: the first step's reviewers have been told.",
        lambda: drafting.request_review(acting_user=request.user, document=document),
    )
    return redirect("drafting:review", pk=document.pk)


@transaction.atomic
def _decide(request: HttpRequest, document: Document, form: DecideReviewForm) -> ReviewDecision:
    # The document row first, as the service locks it: no revision can be saved between the check
    # below and the decision, so an approval always means the text the reviewer had in front of them.
    Document.objects.select_for_update(of=("self",)).filter(pk=document.pk).first()
    review = document.reviews.select_related("revision").filter(pk=form.cleaned_data["review"]).first()
    if review is None:
        raise ServiceError("There is no such review of this document.", code="outcome")
    review.document = document
    if review.is_open and review.revision.number != form.cleaned_data["revision"]:
        raise ServiceError(
            f"Revision {review.revision.number} was saved since you opened this page and the review started "
            "again: read it, then decide.",
            code="outcome",
        )
    if review.state == Review.State.IN_PROGRESS and review.current_position != form.cleaned_data["step"]:
        # A second click on "Submit decision", or a page opened before someone else decided: the
        # review has moved on, and this decision was about an earlier step.
        names = dict(document.review_steps.values_list("position", "name"))
        decided = names.get(form.cleaned_data["step"])
        raise ServiceError(
            (f"Step “{decided}” was decided since you opened this page" if decided else "The review moved on")
            + f"; the review is now at step “{names.get(review.current_position, '')}”. Nothing more was "
            "recorded: read the page again before you decide on this step.",
            code="outcome",
        )
    return drafting.decide_review(
        acting_user=request.user,
        review=review,
        outcome=form.cleaned_data["outcome"],
        comment=form.cleaned_data["comment"],
    )


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    document, _, follows = selectors.review_document_for(request.user, pk)
    if not follows:
        raise Http404("No such page.")
    form = DecideReviewForm(request.POST)
    decision = submit_form(request, form, lambda: _decide(request, document, form))
    if decision is not None:
        messages.success(
            request,
            f"You {'approved' if decision.outcome == ReviewDecision.Outcome.APPROVE else 'requested changes at'} "
            f"step “{decision.step_name}”.",
        )
        return redirect("drafting:review", pk=document.pk)
    # As it stands now: a decision or a revision saved while this one waited for the document's
    # lock moved the review on.
    document, open_review, _ = selectors.review_document_for(request.user, pk)
    if (
        open_review is None
        or open_review.state != Review.State.IN_PROGRESS
        or not access.can(request.user, Action.DECIDE_REVIEW, open_review)
    ):
        # Nothing to re-show the form on (the review closed, or moved to another step).
        for error in form.errors.values():
            for message in error:
                messages.error(request, str(message))
        return redirect("drafting:review", pk=document.pk)
    posted = (request.POST.get("revision"), request.POST.get("step"))
    if posted != (str(open_review.revision.number), str(open_review.current_position)):
        # The review moved on (a new revision, or a step decided meanwhile, or a second click): the
        # page shows where it stands now with an empty choice, keeping only the comment they wrote.
        for error in form.errors.values():
            for message in error:
                messages.error(request, str(message))
        fresh = DecideReviewForm(
            initial={
                "review": open_review.pk,
                "revision": open_review.revision.number,
                "step": open_review.current_position,
                "comment": request.POST.get("comment", "")[:5000],
            }
        )
        return _page(request, document, open_review, decide_form=fresh, status=400)
    return _page(request, document, open_review, decide_form=form, status=400)


def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    document = library_selectors.document_for(request.user, pk, Action.REQUEST_REVIEW)
    if request.method == "POST":
        run_service(
            request,
            "The review was withdrawn; the document is a draft again.",
            lambda: drafting.withdraw_review(acting_user=request.user, document=document),
        )
        return redirect("drafting:review", pk=document.pk)
    review = selectors.open_review(document)
    if review is None:
        messages.error(request, "There is no open review to withdraw.")
        return redirect("drafting:review", pk=document.pk)
    return render(request, "drafting/review_withdraw.html", {"document": document, "review": review})


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publishing asks first (what will be read, by whom), then publishes on the confirmed POST."""
    document = library_selectors.document_for(request.user, pk)
    number: Any = document.current_revision.number if document.current_revision else None
    if not is_confirmed(request):
        if not access.can(request.user, Action.PUBLISH_DOCUMENT, document):
            raise Http404("No such page.")
        return confirmation(
            request,
            question=_("Publish revision %(number)s of “%(title)s”?") % {"number": number, "title": document.title},
            explanation=[
                _("Its audience (%(audience)s, %(label)s) reads this revision as soon as it is published.")
                % {"audience": document.get_audience_display().lower(), "label": f"TLP:{document.get_tlp_display()}"},
                _("Earlier published revisions stay in the history; an open ratification of an earlier revision ends."),
            ],
            button=_("Publish revision %(number)s") % {"number": number},
            cancel_url=reverse("drafting:review", args=[document.pk]),
        )
    run_service(
        request,
        f"Revision {number} is published: its audience reads it now.",
        lambda: drafting.publish(acting_user=request.user, document=document),
    )
    return redirect("drafting:review", pk=document.pk)
