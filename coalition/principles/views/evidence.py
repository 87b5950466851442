"""Evidence items on a record: link a library document, attach a file, change status or expiry,
remove; and download an attached file. Each page answers 404 to whoever may not read the record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.audit.services import record as audit
from coalition.core.http import confirmation, is_confirmed, submit_form
from coalition.library.models import Document
from coalition.principles import evidence_services, selectors
from coalition.principles.forms_reporting import EvidenceDocumentForm, EvidenceFileForm, EvidenceUpdateForm
from coalition.principles.models import EvidenceItem, ImplementationRecord


def evidence_context(user: Any, record: ImplementationRecord) -> dict[str, Any]:
    """The record's evidence items for its page (two queries): a linked document's title shows
    only to those who may read that document."""
    items = list(record.evidence_items.select_related("document"))
    document_ids = [i.document_id for i in items if i.document_id is not None]
    readable = set(
        access.visible(user, Document.objects.filter(pk__in=document_ids), Action.VIEW_DOCUMENT).values_list(
            "pk", flat=True
        )
        if document_ids
        else []
    )
    return {"evidence_items": [(i, i.document_id in readable) for i in items]}


def _item(request: HttpRequest, pk: int, item_id: int, action: Action) -> EvidenceItem:
    record = selectors.record_for(request.user, pk)
    item = (
        EvidenceItem.objects.select_related("record__principle", "record__organisation", "document")
        .filter(record=record, pk=item_id)
        .first()
    )
    if item is None or not access.can(request.user, action, item):
        raise Http404("No such page.")
    return item


def add(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_for(request.user, pk, Action.EDIT_IMPLEMENTATION)
    link_form = EvidenceDocumentForm(request.POST if request.POST.get("kind") == "document" else None, prefix="doc")
    file_form = EvidenceFileForm(
        request.POST if request.POST.get("kind") == "file" else None,
        request.FILES if request.POST.get("kind") == "file" else None,
        prefix="file",
        initial={"tlp": record.tlp},
    )
    saved = None
    if request.POST.get("kind") == "document":
        saved = submit_form(
            request,
            link_form,
            lambda: evidence_services.link_document(
                acting_user=request.user,
                record=record,
                document=link_form.cleaned_data["document"],
                note=link_form.cleaned_data["note"],
                status=link_form.cleaned_data["status"],
                expires_on=link_form.cleaned_data["expires_on"],
            ),
        )
    elif request.POST.get("kind") == "file":
        saved = submit_form(
            request,
            file_form,
            lambda: evidence_services.attach_file(
                acting_user=request.user,
                record=record,
                upload=file_form.cleaned_data["file"],
                tlp=file_form.cleaned_data["tlp"],
                max_bytes=settings.ATTACHMENT_MAX_BYTES,
                note=file_form.cleaned_data["note"],
                status=file_form.cleaned_data["status"],
                expires_on=file_form.cleaned_data["expires_on"],
            ),
        )
    if saved is not None:
        messages.success(request, _("Evidence added."))
        return redirect("principles:record", pk=record.pk)
    return render(
        request,
        "principles/evidence_add.html",
        {"record": record, "link_form": link_form, "file_form": file_form},
        status=400 if request.method == "POST" else 200,
    )


def edit(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id, Action.EDIT_EVIDENCE)
    form = EvidenceUpdateForm(
        request.POST or None, initial={"note": item.note, "status": item.status, "expires_on": item.expires_on}
    )
    saved = submit_form(
        request,
        form,
        lambda: evidence_services.update_item(
            acting_user=request.user,
            item=item,
            status=form.cleaned_data["status"],
            expires_on=form.cleaned_data["expires_on"],
            note=form.cleaned_data["note"],
        ),
    )
    if saved is not None:
        messages.success(request, _("Evidence updated."))
        return redirect("principles:record", pk=item.record_id)
    return render(
        request,
        "principles/evidence_edit.html",
        {
            "item": item,
            "record": item.record,
            "form": form,
            "reasons": access.explain(request.user, item),
            "audience": access.audience_of(item),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id, Action.EDIT_EVIDENCE)
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Remove this evidence from the record?"),
            explanation=[
                _("“%(name)s” stops being evidence for %(code)s, %(cycle)s.")
                % {
                    "name": item.note or item.original_name or _("the linked document"),
                    "code": item.record.principle.code,
                    "cycle": item.record.cycle,
                },
                _("An attached file is deleted; a linked library document stays in the library."),
            ],
            button=_("Remove evidence"),
            cancel_url=reverse("principles:record", args=[item.record_id]),
            danger=True,
        )
    evidence_services.remove_item(acting_user=request.user, item=item)
    messages.success(request, _("Evidence removed."))
    return redirect("principles:record", pk=item.record_id)


@login_not_required  # evidence of a public record is public; the record's rule decides
def download(request: HttpRequest, pk: int, item_id: int) -> FileResponse:
    item = _item(request, pk, item_id, Action.VIEW_EVIDENCE)
    if item.kind != EvidenceItem.Kind.FILE:
        raise Http404("No such page.")
    if request.user.is_authenticated:
        audit(
            action="implementation.evidence_downloaded",
            actor=request.user,
            target=item.record,
            target_org_id=item.record.organisation_id,
            data={"evidence": item.pk},
        )
    response = FileResponse(
        default_storage.open(item.storage_name, "rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
