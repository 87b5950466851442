"""Who sees a document: audience, TLP label, grants, status; and its attachments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.core.errors import ServiceError
from coalition.core.http import run_service, submit_form
from coalition.library import selectors, services
from coalition.library.forms import AttachmentForm, AudienceForm, GrantForm, RelabelForm
from coalition.library.models import Attachment, Document
from coalition.organisations.models import Organisation


def _page(request: HttpRequest, document: Document, **forms: object) -> HttpResponse:
    context = {
        "document": document,
        "audience": access.audience_of(document),
        "can_manage": True,  # the page is for those who may share it (document_for checked it)
        "audience_form": AudienceForm(
            initial={
                "audience": document.audience,
                "audience_organisations": list(document.audience_organisations.all()),
                "audience_communities": list(document.audience_communities.all()),
            }
        ),
        "relabel_form": RelabelForm(initial={"tlp": document.tlp}),
        "grant_form": GrantForm(),
        # Publishing is the review page's (one Publish control, with its confirmation).
        "status_choices": [
            c for c in Document.Status.choices if c[0] not in ("in_review", "published", document.status)
        ],
    }
    context.update(forms)
    return render(request, "library/share.html", context, status=400 if forms else 200)


def share(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk, Action.SHARE_DOCUMENT)
    if request.method != "POST":
        return _page(request, document)
    form = AudienceForm(request.POST)
    saved = submit_form(
        request,
        form,
        lambda: services.share(
            acting_user=request.user,
            document=document,
            audience=form.cleaned_data["audience"],
            audience_organisations=list(form.cleaned_data["audience_organisations"]),
            audience_communities=list(form.cleaned_data["audience_communities"]),
        ),
    )
    if saved is not None:
        messages.success(request, "Audience saved.")
        return redirect("library:share", pk=document.pk)
    return _page(request, document, audience_form=form)


@require_POST
def relabel(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk, Action.RELABEL_DOCUMENT)
    form = RelabelForm(request.POST)
    relabelled = submit_form(
        request,
        form,
        lambda: services.relabel(acting_user=request.user, document=document, tlp=form.cleaned_data["tlp"]),
    )
    if relabelled is not None:
        messages.success(request, f"Label is now {relabelled.get_tlp_display()}.")
        return redirect("library:share", pk=document.pk)
    return _page(request, document, relabel_form=form)


@require_POST
def add_grant(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk, Action.SHARE_DOCUMENT)
    form = GrantForm(request.POST)

    def grant() -> bool:
        data = form.cleaned_data
        user = None
        if data["email"]:
            user = get_user_model().objects.filter(email__iexact=data["email"], is_active=True).first()
            if user is None:
                raise ServiceError("No active account has this address. Invite the person first.", code="email")
        services.grant(
            acting_user=request.user,
            document=document,
            level=data["level"],
            user=user,
            organisation=data["organisation"],
        )
        return True

    if submit_form(request, form, grant):
        messages.success(request, "Grant saved.")
        return redirect("library:share", pk=document.pk)
    return _page(request, document, grant_form=form)


def _by_pk(model: Any, value: str | None) -> Any:
    return model.objects.filter(pk=int(value)).first() if value and value.isdigit() else None


@require_POST
def revoke_grant(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk, Action.SHARE_DOCUMENT)
    user = _by_pk(get_user_model(), request.POST.get("user"))
    organisation = _by_pk(Organisation, request.POST.get("organisation"))
    if (user is None) == (organisation is None):
        messages.error(request, "Choose one grant to revoke.")
        return redirect("library:share", pk=document.pk)
    run_service(
        request,
        "Grant revoked.",
        lambda: services.revoke_grant(
            acting_user=request.user, document=document, user=user, organisation=organisation
        ),
    )
    return redirect("library:share", pk=document.pk)


@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk, Action.EDIT_DOCUMENT)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("library:detail", pk=document.pk)
    run_service(
        request,
        f"“{form.cleaned_data['file'].name}” was attached.",
        lambda: services.add_attachment(
            acting_user=request.user,
            document=document,
            upload=form.cleaned_data["file"],
            max_bytes=settings.ATTACHMENT_MAX_BYTES,
        ),
    )
    return redirect("library:detail", pk=document.pk)


def download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    document = selectors.document_for(request.user, pk)
    attachment = Attachment.objects.filter(document=document, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such page.")
    services.record_read(user=request.user, document=document, what="attachment_downloaded", attachment=attachment.pk)
    response = FileResponse(
        default_storage.open(attachment.storage_name, "rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
