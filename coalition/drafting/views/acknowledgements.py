"""Acknowledgement of guidance: the owner asks organisations to confirm they have read a version,
their members acknowledge, the owner follows a per-organisation roll-up."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.core.http import run_service, submit_form
from coalition.drafting import selectors_review as selectors
from coalition.drafting import services as drafting
from coalition.drafting.forms_review import AcknowledgementRequestForm
from coalition.library import services as library
from coalition.library.models import Document
from coalition.organisations.models import Organisation


def _page(
    request: HttpRequest, document: Document, *, form: AcknowledgementRequestForm | None = None, status: int = 200
) -> HttpResponse:
    can_request = access.can(request.user, Action.REQUEST_ACKNOWLEDGEMENT, document)
    published = document.status == Document.Status.PUBLISHED and document.published_revision_id is not None
    if can_request and published and form is None:
        form = AcknowledgementRequestForm()
    return render(
        request,
        "drafting/acknowledgements.html",
        {
            "document": document,
            "rows": selectors.acknowledgement_page(request.user, document),
            "can_request": can_request,
            "published": published,
            "form": form if can_request and published else None,
        },
        status=status,
    )


def acknowledgements(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.guidance_document_for(request.user, pk)
    library.record_read(user=request.user, document=document, what="acknowledgements_viewed")
    return _page(request, document)


@require_POST
def request(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.guidance_document_for(request.user, pk, Action.REQUEST_ACKNOWLEDGEMENT)
    form = AcknowledgementRequestForm(request.POST)
    asked = submit_form(
        request,
        form,
        lambda: drafting.request_acknowledgement(
            acting_user=request.user,
            document=document,
            organisations=list(form.cleaned_data["organisations"]),
            message=form.cleaned_data["message"],
        ),
    )
    if asked is not None:
        count = len(form.cleaned_data["organisations"])
        messages.success(
            request,
            f"{count} organisation{'s were' if count != 1 else ' was'} asked to acknowledge revision "
            f"{asked.revision.number}.",
        )
        return redirect("drafting:acknowledgements", pk=document.pk)
    return _page(request, document, form=form, status=400)


@require_POST
def acknowledge(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    document = selectors.guidance_document_for(request.user, pk)
    ack_request = document.acknowledgement_requests.filter(pk=request_id).first()
    if ack_request is None:
        raise Http404("No such page.")
    ack_request.document = document
    value = request.POST.get("organisation", "")
    # Only among the person's own organisations: a refusal naming any organisation by its id would
    # tell them the names of organisations they cannot see.
    organisation = (
        Organisation.objects.filter(pk=int(value), pk__in=access.organisation_ids_of(request.user)).first()
        if value.isdigit()
        else None
    )
    if organisation is None:
        if not access.can(request.user, Action.ACKNOWLEDGE, ack_request):
            raise Http404("No such page.")
        messages.error(request, "Choose the organisation you acknowledge for.")
    else:
        run_service(
            request,
            f"You acknowledged revision {ack_request.revision.number} for {organisation.name}.",
            lambda: drafting.acknowledge(acting_user=request.user, request=ack_request, organisation=organisation),
        )
    return redirect("drafting:acknowledgements", pk=document.pk)
