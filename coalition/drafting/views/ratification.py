"""Ratification of principles: opening it on the published revision, signatories endorsing or
declining for their organisation (each time with a fresh second factor), closing it, and the
public record of what was adopted and by whom."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.accounts.mfa import fresh_second_factor, reauthenticate_url
from coalition.core.http import confirmation, is_confirmed, public_page, run_service, submit_form
from coalition.drafting import selectors_review as selectors
from coalition.drafting import services as drafting
from coalition.drafting.forms_review import EndorseForm, OpenRatificationForm
from coalition.drafting.models import Endorsement, Ratification
from coalition.library import services as library
from coalition.library.models import Document
from coalition.organisations.models import Organisation

ENDORSE_FIELDS = ("organisation", "decision", "reason")


def _draft_key(ratification: Ratification) -> str:
    """Where a signatory's typed decision waits while they confirm their second factor."""
    return f"drafting.endorse.{ratification.pk}"


def _open_form(document: Document, data: Any = None) -> OpenRatificationForm:
    eligible = drafting.ratifying_organisations(document).count()
    initial = {"quorum": drafting.default_quorum(eligible)} if eligible else {}
    return OpenRatificationForm(data, eligible=eligible, initial=initial)


def _page(
    request: HttpRequest, document: Document, *, open_form: OpenRatificationForm | None = None, status: int = 200
) -> HttpResponse:
    page = selectors.ratification_page(request.user, document)
    can_open = access.can(request.user, Action.OPEN_RATIFICATION, document)
    published = document.status == Document.Status.PUBLISHED and document.published_revision_id is not None
    adopted_now = any(r.revision_id == document.published_revision_id for r in page.adopted)
    show_open_form = can_open and published and page.current is None and not adopted_now
    if show_open_form and open_form is None:
        open_form = _open_form(document)
    return render(
        request,
        "drafting/ratification.html",
        {
            "document": document,
            "page": page,
            "can_open": can_open,
            "published": published,
            "adopted_now": adopted_now,
            "open_form": open_form if show_open_form else None,
            "is_public": access.can(AnonymousUser(), Action.VIEW_DOCUMENT, document),
        },
        status=status,
    )


def ratification(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.principles_document_for(request.user, pk)
    library.record_read(user=request.user, document=document, what="ratification_viewed")
    return _page(request, document)


@require_POST
def open_(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.principles_document_for(request.user, pk, Action.OPEN_RATIFICATION)
    form = _open_form(document, request.POST)
    if form.is_valid() and not is_confirmed(request) and document.published_revision is not None:
        quorum, deadline = form.cleaned_data["quorum"], form.cleaned_data["deadline"]
        eligible = drafting.ratifying_organisations(document).count()
        return confirmation(
            request,
            question=_("Open ratification of revision %(number)s of “%(title)s”?")
            % {"number": document.published_revision.number, "title": document.title},
            explanation=[
                _(
                    "The signatories of the %(eligible)s member organisations that can read it are told and asked to "
                    "endorse or decline this exact revision; it is adopted once %(quorum)s endorse."
                )
                % {"eligible": eligible, "quorum": quorum or drafting.default_quorum(eligible)},
                _("Deadline: %(deadline)s.") % {"deadline": deadline.strftime("%-d %B %Y")}
                if deadline
                else _("No deadline: it stays open until it is adopted or closed."),
            ],
            button=_("Open ratification"),
            cancel_url=reverse("drafting:ratification", args=[document.pk]),
        )
    opened = submit_form(
        request,
        form,
        lambda: drafting.open_ratification(
            acting_user=request.user,
            document=document,
            quorum=form.cleaned_data["quorum"],
            deadline=form.cleaned_data["deadline"],
        ),
    )
    if opened is not None:
        messages.success(
            request,
            f"Ratification of revision {opened.revision.number} is open: the member organisations' signatories "
            "have been told.",
        )
        return redirect("drafting:ratification", pk=document.pk)
    if form.non_field_errors() and not form.has_error("quorum") and not form.has_error("deadline"):
        # Refused as a whole (already open, not published): the page explains the state.
        for message in form.non_field_errors():
            messages.error(request, str(message))
        return redirect("drafting:ratification", pk=document.pk)
    return _page(request, document, open_form=form, status=400)


def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Endorse or decline for one's organisation. Deciding needs a second factor used within the
    last few minutes: without it, what was typed is kept in the session, the signatory confirms on
    allauth's re-authentication page and comes back here to submit it again."""
    document = selectors.principles_document_for(request.user, pk)
    ratification = selectors.current_ratification(document)
    if ratification is None:
        messages.error(request, "No ratification of this document is open.")
        return redirect("drafting:ratification", pk=document.pk)
    memberships = access.signatory_memberships(request.user, ratification)
    if not memberships:
        raise Http404("No such page.")
    # Only the organisations that have not decided yet: a second decision needs the first withdrawn.
    decided = selectors.decided_organisation_ids(ratification)
    undecided = [m for m in memberships if m.organisation_id not in decided]
    if not undecided:
        names = " and ".join(m.organisation_name for m in memberships)
        messages.info(
            request,
            f"{names} {'has' if len(memberships) == 1 else 'have'} already decided on revision "
            f"{ratification.revision.number}. To change a decision, withdraw it first, then decide again.",
        )
        return redirect("drafting:ratification", pk=document.pk)
    memberships = undecided
    key = _draft_key(ratification)
    here = reverse("drafting:endorse", args=[document.pk])
    status = 200
    if request.method == "POST":
        form = EndorseForm(request.POST, memberships=memberships, ratification=ratification)
        if form.is_valid() and not fresh_second_factor(request):
            request.session[key] = {name: request.POST.get(name, "")[:5000] for name in ENDORSE_FIELDS}
            messages.info(
                request,
                "Confirm it is you with your authenticator app. You will come back to your decision to submit it.",
            )
            return redirect(reauthenticate_url(here))

        def endorse() -> Endorsement:
            organisation = Organisation.objects.get(pk=form.cleaned_data["organisation"])
            return drafting.endorse(
                acting_user=request.user,
                ratification=ratification,
                organisation=organisation,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                mfa_confirmed=True,
            )

        endorsement = submit_form(request, form, endorse)
        if endorsement is not None:
            request.session.pop(key, None)
            verb = "endorsed" if endorsement.decision == Endorsement.Decision.ENDORSE else "declined"
            messages.success(
                request,
                f"{endorsement.organisation.name} has {verb} revision {endorsement.revision.number}.",
            )
            return redirect("drafting:ratification", pk=document.pk)
        status = 400
    else:
        saved = request.session.get(key)
        form = EndorseForm(
            initial=dict(saved) if isinstance(saved, dict) else None, memberships=memberships, ratification=ratification
        )
        if saved:
            messages.info(request, "Your decision is as you left it: submit it to record it.")
    return render(
        request,
        "drafting/ratification_decide.html",
        {
            "document": document,
            "ratification": ratification,
            "form": form,
            "fresh": fresh_second_factor(request),
        },
        status=status,
    )


def withdraw(request: HttpRequest, pk: int, endorsement_id: int) -> HttpResponse:
    document = selectors.principles_document_for(request.user, pk)
    endorsement = (
        Endorsement.objects.select_related("ratification", "organisation", "revision", "signatory")
        .filter(pk=endorsement_id, ratification__document=document)
        .first()
    )
    if endorsement is None:
        raise Http404("No such page.")
    endorsement.ratification.document = document
    if endorsement.ratification.state != Ratification.State.OPEN or endorsement.withdrawn_at is not None:
        messages.error(
            request,
            "This decision can no longer be withdrawn: it was withdrawn already or the ratification is "
            f"{endorsement.ratification.get_state_display().lower()}.",
        )
        return redirect("drafting:ratification", pk=document.pk)
    if not access.can(request.user, Action.WITHDRAW_ENDORSEMENT, endorsement):
        raise Http404("No such page.")
    if request.method == "POST":
        if not fresh_second_factor(request):
            messages.info(request, "Confirm it is you with your authenticator app, then confirm the withdrawal again.")
            return redirect(reauthenticate_url(request.path))
        run_service(
            request,
            f"{endorsement.organisation.name}'s decision was withdrawn.",
            lambda: drafting.withdraw_endorsement(
                acting_user=request.user, endorsement=endorsement, mfa_confirmed=True
            ),
        )
        return redirect("drafting:ratification", pk=document.pk)
    return render(
        request,
        "drafting/ratification_withdraw.html",
        {"document": document, "endorsement": endorsement, "fresh": fresh_second_factor(request)},
    )


def close(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.principles_document_for(request.user, pk, Action.OPEN_RATIFICATION)
    ratification = selectors.current_ratification(document)
    if ratification is None:
        messages.error(request, "No ratification of this document is open.")
        return redirect("drafting:ratification", pk=document.pk)
    if request.method == "POST":
        run_service(
            request,
            f"Ratification of revision {ratification.revision.number} is closed without adoption.",
            lambda: drafting.close_ratification(acting_user=request.user, ratification=ratification),
        )
        return redirect("drafting:ratification", pk=document.pk)
    return render(request, "drafting/ratification_close.html", {"document": document, "ratification": ratification})


@public_page
def adopted(request: HttpRequest, pk: int) -> HttpResponse:
    """The public record: which revision was adopted, when, and the organisations that endorsed
    it. No member text besides the title."""
    document = selectors.principles_document_for(request.user, pk)
    if not access.can(AnonymousUser(), Action.VIEW_DOCUMENT, document) and access.held_for_mfa(request.user):
        # A public page skips the MFA hold; material that is not public does not.
        return redirect("mfa_required")
    versions = selectors.adopted_versions(document)
    if not versions:
        raise Http404("No such page.")
    library.record_read(user=request.user, document=document, what="adopted_viewed")
    return render(request, "drafting/adopted.html", {"document": document, "versions": versions})
