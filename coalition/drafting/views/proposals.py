"""Change proposals: propose replacement text, read one as a word diff, decide or withdraw it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coalition import access
from coalition.access import Action
from coalition.core.errors import ServiceError
from coalition.core.http import run_service, submit_form
from coalition.drafting import anchors, selectors, services
from coalition.drafting.forms import DecideProposalForm, ProposalForm, ProposalTargetForm
from coalition.drafting.models import Anchor, Proposal
from coalition.drafting.views.returning import back_to_document, to_document
from coalition.library import diff, rendered_diff
from coalition.library import selectors as library_selectors
from coalition.library import services as library_services
from coalition.library.models import Document, Revision


def _original(revision: Revision, anchor: str, section: str, quote: str) -> tuple[str | None, str]:
    """The text a proposal would replace, or None and why it cannot be replaced."""
    if anchor == Anchor.SECTION:
        text = anchors.section_markdown(revision, section)
        if text is None:
            if anchors.section_title(revision, section) is None:
                return None, f"Revision {revision.number} has no such section."
            return None, "This section's text cannot be found in the source; quote the passage instead."
        return text, ""
    quote = anchors.normalise(quote)
    count = revision.body.count(quote) if quote else 0
    if count == 1:
        return quote, ""
    if count == 0:
        return None, (
            "Quote the passage exactly as it stands in the text (without formatting such as bold or links), "
            "so it can be replaced."
        )
    return None, f"That passage appears {count} times in revision {revision.number}; quote a longer one."


def new(request: HttpRequest, pk: int) -> HttpResponse:
    document = library_selectors.document_for(request.user, pk, Action.PROPOSE_CHANGE)
    try:
        revision = services.revision_for(request.user, document, None)
    except ServiceError as error:
        messages.error(request, error.messages[0])
        return redirect("drafting:discussion", pk=document.pk)
    sections = anchors.sections(revision)
    form: ProposalForm | None = None
    if request.method == "POST":
        form = ProposalForm(request.POST)
        posted = form

        def call() -> Proposal:
            data = posted.cleaned_data
            # Checked against the revision they read when they chose, even if a newer one was saved since.
            return services.propose(
                acting_user=request.user,
                document=document,
                anchor=data["anchor"],
                section=data["section"],
                quote=data["quote"],
                replacement=data["replacement"],
                rationale=data["rationale"],
                revision_number=data["revision"],
            )

        proposal = submit_form(request, form, call)
        if proposal is not None:
            messages.success(request, "Your proposal was submitted; the document's editors will respond.")
            if to_document(request):
                return back_to_document(document, f"proposal-{proposal.pk}")
            return redirect("drafting:proposal", pk=document.pk, proposal_id=proposal.pk)
        # Nothing saved: the page again with what they wrote, and what it replaces above it.
        target = ProposalTargetForm(
            {k: request.POST.get(k, "") for k in ("anchor", "section", "quote")}, sections=sections
        )
        target.is_valid()
        return _propose_page(request, document, revision, target, form)
    query = request.GET.copy()
    if "anchor" not in query:
        if query.get("quote"):
            query["anchor"] = Anchor.QUOTE
        elif query.get("section"):
            query["anchor"] = Anchor.SECTION
    target = ProposalTargetForm(query if "anchor" in query else None, sections=sections)
    if target.is_valid():
        data = target.cleaned_data
        original, problem = _original(revision, data["anchor"], data["section"], data["quote"])
        if original is None:
            target.add_error("section" if data["anchor"] == Anchor.SECTION else "quote", problem)
        else:
            form = ProposalForm(
                initial={
                    "anchor": data["anchor"],
                    "section": data["section"] if data["anchor"] == Anchor.SECTION else "",
                    "quote": anchors.normalise(data["quote"]) if data["anchor"] == Anchor.QUOTE else "",
                    "revision": revision.number,
                    "replacement": original,
                }
            )
    # Every GET shows what the revision says: its section headings, and the chosen passage.
    library_services.record_read(
        user=request.user, document=document, what="proposal_form_viewed", revision=revision.number
    )
    return _propose_page(request, document, revision, target, form)


def _propose_page(
    request: HttpRequest,
    document: Document,
    revision: Revision,
    target: ProposalTargetForm,
    form: ProposalForm | None,
) -> HttpResponse:
    original = None
    chosen = ""
    shown = revision
    if form is not None:
        values = form.data if form.is_bound else form.initial
        anchor, section, quote = (values.get(k, "") for k in ("anchor", "section", "quote"))
        number = values.get("revision")
        try:
            shown = services.revision_for(request.user, document, int(number)) if number else revision
        except (ServiceError, ValueError):
            shown = revision
        original, _ = _original(shown, anchor, section, quote)
        if anchor == Anchor.SECTION:
            chosen = f"Section “{anchors.section_title(shown, section) or section}”"
        else:
            chosen = "The quoted passage"
    return render(
        request,
        "drafting/proposal_new.html",
        {
            "document": document,
            "revision": revision,
            "target": target,
            "form": form,
            "original": original,
            "chosen": chosen,
            "form_revision": shown,
            "active_tab": "discussion",
        },
    )


def _proposal(request: HttpRequest, pk: int, proposal_id: int) -> tuple[Document, Proposal]:
    document = library_selectors.document_for(request.user, pk, Action.VIEW_DISCUSSION)
    return document, selectors.proposal_for(request.user, document, proposal_id)


def _detail_page(
    request: HttpRequest, document: Document, proposal: Proposal, form: DecideProposalForm | None = None
) -> HttpResponse:
    user = request.user
    can_decide = proposal.is_open and access.can(user, Action.DECIDE_PROPOSAL, document)
    refused = [str(e) for errors in form.errors.values() for e in errors] if form is not None and not can_decide else []
    if can_decide and form is None:
        form = DecideProposalForm(initial={"final_text": proposal.replacement})
    result = proposal.result_revision
    result_visible = result is not None and (
        result.published_at is not None or access.sees_working_copy(user, document)
    )
    shown = library_selectors.shown_revision(user, document)
    library_services.record_read(user=user, document=document, what="proposal_viewed", proposal=proposal.pk)
    return render(
        request,
        "drafting/proposal.html",
        {
            "document": document,
            "proposal": proposal,
            "comparison": diff.compare(proposal.original, proposal.replacement),
            "rendered": rendered_diff.compare_markdown(proposal.original, proposal.replacement),
            "final_comparison": (
                diff.compare(proposal.replacement, proposal.final_text)
                if proposal.status == Proposal.Status.ACCEPTED_WITH_CHANGES
                else None
            ),
            "outdated": selectors.outdated(proposal, shown),
            "form": form if can_decide else None,
            "refused": refused,
            "can_withdraw": proposal.is_open and proposal.author_id == user.pk,
            "result_visible": result_visible,
            "active_tab": "discussion",
        },
    )


def detail(request: HttpRequest, pk: int, proposal_id: int) -> HttpResponse:
    document, proposal = _proposal(request, pk, proposal_id)
    return _detail_page(request, document, proposal)


def decide(request: HttpRequest, pk: int, proposal_id: int) -> HttpResponse:
    document, proposal = _proposal(request, pk, proposal_id)
    if not access.can(request.user, Action.DECIDE_PROPOSAL, document):
        raise Http404("No such page.")
    if request.method != "POST":
        return redirect("drafting:proposal", pk=document.pk, proposal_id=proposal.pk)
    form = DecideProposalForm(request.POST)

    def call() -> Proposal:
        data = form.cleaned_data
        return services.decide_proposal(
            acting_user=request.user,
            proposal=proposal,
            outcome=data["outcome"],
            response=data["response"],
            final_text=data["final_text"],
        )

    decided = submit_form(request, form, call)
    if decided is not None:
        messages.success(request, f"The proposal was {decided.get_status_display().lower()}; its author is notified.")
        if to_document(request):
            return back_to_document(document, "document-text")
        return redirect("drafting:proposal", pk=document.pk, proposal_id=proposal.pk)
    # Nothing changed. If someone decided it meanwhile, the page shows their decision and why this
    # one was refused; otherwise the form again, with what was typed and the error by its field.
    proposal = selectors.proposal_for(request.user, document, proposal.pk)
    return _detail_page(request, document, proposal, form)


def withdraw(request: HttpRequest, pk: int, proposal_id: int) -> HttpResponse:
    document, proposal = _proposal(request, pk, proposal_id)
    if proposal.author_id != request.user.pk or not proposal.is_open:
        raise Http404("No such page.")
    if request.method == "POST":
        run_service(
            request,
            "You withdrew your proposal.",
            lambda: services.withdraw_proposal(acting_user=request.user, proposal=proposal),
        )
        return redirect("drafting:proposal", pk=document.pk, proposal_id=proposal.pk)
    library_services.record_read(user=request.user, document=document, what="proposal_viewed", proposal=proposal.pk)
    return render(request, "drafting/proposal_withdraw.html", {"document": document, "proposal": proposal})
