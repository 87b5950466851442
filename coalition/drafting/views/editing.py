"""Writing a document's text and moving it through its life: the editor (with the conflict page),
restoring an old revision, and publishing, archiving or taking back to draft. These drive the
library's writes through coalition.drafting's workflow, which keeps an open review in step."""

from __future__ import annotations

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
from coalition.core.http import confirmation, is_confirmed, run_service
from coalition.drafting.services import publication as workflow
from coalition.library import diff, selectors, services
from coalition.library.forms import EditForm
from coalition.library.models import Document
from coalition.notifications import reminders


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk, Action.EDIT_DOCUMENT)
    current = document.current_revision
    initial = {
        "title": document.title,
        "summary": document.summary,
        "kind": document.kind,
        "topics": list(document.topics.all()),
        "language": document.language,
        "review_by": document.review_by,
        "review_owner": document.review_owner,
        "body": current.body if current else "",
        "base": current.number if current else 0,
    }
    review_owners = access.review_owner_candidates(document)
    if document.review_owner is not None and document.review_owner not in review_owners:
        review_owners.append(document.review_owner)  # kept as it is until someone changes it
    form = EditForm(request.POST or None, initial=initial, review_owners=review_owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: a conflict on the text leaves the details as they were too, so the
            # conflict page starts from what is saved, with everything the person typed kept.
            with transaction.atomic():
                before = (document.review_by, document.review_owner_id)
                services.update_details(
                    acting_user=request.user,
                    document=document,
                    topics=list(data["topics"]),
                    # A form without the review owner (an editor page opened before it had one)
                    # leaves it as it is rather than clearing it.
                    **{
                        f: data[f]
                        for f in services.METADATA_FIELDS
                        if f != "review_owner" or "review_owner" in request.POST
                    },
                )
                if (current.body if current else "") != data["body"] or data["base"] != (
                    current.number if current else 0
                ):
                    workflow.save_revision(
                        acting_user=request.user,
                        document=document,
                        body=data["body"],
                        base_number=data["base"],
                        message=data["message"],
                    )
        except services.EditConflict as conflict:
            # Nothing is overwritten and nothing is lost: both texts, and the user's kept to merge.
            # The conflict page shows the newer saved text: a read like any other.
            services.record_read(
                user=request.user, document=document, what="revision_viewed", revision=conflict.current.number
            )
            comparison = diff.compare(conflict.current.body, data["body"])
            return render(
                request,
                "library/conflict.html",
                {
                    "document": document,
                    "current": conflict.current,
                    "form": EditForm(
                        initial={**data, "base": conflict.current.number, "topics": list(data["topics"])},
                        review_owners=review_owners,
                    ),
                    "mine": data["body"],
                    "comparison": comparison,
                },
                status=409,
            )
        except ServiceError as error:
            form.add_error(error.code if error.code in form.fields else None, error)
        except AccessDenied:
            raise Http404("No such page.") from None
        else:
            if (document.review_by, document.review_owner_id) != before:
                reminders.review_details_changed(document)  # the review is seen to: reminders are done
            messages.success(request, "Saved.")
            return redirect("library:detail", pk=document.pk)
    if request.method != "POST":
        # The editor shows the whole working text: recorded like the document page.
        services.record_read(
            user=request.user, document=document, what="edit_opened", revision=current.number if current else None
        )
    return render(request, "library/edit.html", {"document": document, "form": form})


def restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk, Action.EDIT_DOCUMENT)
    old = document.revisions.filter(number=number).first()
    if old is None:
        raise Http404("No such page.")
    if request.method == "POST":
        run_service(
            request,
            f"Revision {number} was restored as a new revision.",
            lambda: workflow.restore_revision(acting_user=request.user, document=document, number=number),
        )
        return redirect("library:detail", pk=document.pk)
    return render(request, "library/restore.html", {"document": document, "old": old})


@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive or take back to draft, after a confirmation (publishing is the review page's)."""
    status = request.POST.get("status", "")
    action = Action.ARCHIVE_DOCUMENT if status == Document.Status.ARCHIVED else Action.SHARE_DOCUMENT
    document = selectors.document_for(request.user, pk, action)
    if status == Document.Status.PUBLISHED:
        messages.error(request, _("Publish from the review page, which says whether the text is ready."))
        return redirect("drafting:review", pk=document.pk)
    if status in (Document.Status.ARCHIVED, Document.Status.DRAFT) and not is_confirmed(request):
        archive = status == Document.Status.ARCHIVED
        return confirmation(
            request,
            question=(_("Archive “%(title)s”?") if archive else _("Take “%(title)s” back to draft?"))
            % {"title": document.title},
            explanation=[
                _("Its audience can still read it, marked as archived; nobody can edit it, and an open review ends.")
                if archive
                else _("Its audience no longer reads it until it is published again; the history stays as it is.")
            ],
            button=_("Archive") if archive else _("Back to draft"),
            cancel_url=reverse("library:share", args=[document.pk]),
            danger=archive,
        )
    labels = dict(Document.Status.choices)
    run_service(
        request,
        f"The document is now {labels.get(status, status).lower()}.",
        lambda: workflow.set_status(acting_user=request.user, document=document, status=status),
    )
    return redirect("library:share", pk=document.pk)
