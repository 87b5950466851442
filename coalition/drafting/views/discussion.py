"""The discussion of a document: comment threads, replies, edits, resolving, and the disposition
table (on a page and as CSV)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.audit.services import record
from coalition.core.http import query_int, run_service, submit_form
from coalition.drafting import anchors, selectors, services
from coalition.drafting.forms import CommentForm, EditCommentForm, ReplyForm
from coalition.drafting.models import Anchor, Comment
from coalition.drafting.views.returning import back_to_document, to_document
from coalition.exports import labels
from coalition.library import selectors as library_selectors
from coalition.library import services as library_services
from coalition.library.models import Document


def _document(request: HttpRequest, pk: int) -> Document:
    return library_selectors.document_for(request.user, pk, Action.VIEW_DISCUSSION)


def _to_comment(document: Document, comment: Comment) -> HttpResponse:
    return redirect(services.discussion_url(document, f"comment-{comment.pk}"))


def _comment_form(document: Document, shown: Any, data: Any = None, prefill: Any = None) -> CommentForm:
    initial: dict[str, Any] = {"revision": shown.number if shown is not None else None}
    # Links such as "Comment on selection" (?quote=...) or "comment on this section" (?section=...).
    if prefill is not None and prefill.get("quote"):
        initial |= {"anchor": Anchor.QUOTE, "quote": prefill["quote"][:2000]}
    elif prefill is not None and prefill.get("section"):
        initial |= {"anchor": Anchor.SECTION, "section": prefill["section"][:120]}
    return CommentForm(data, sections=anchors.sections(shown) if shown is not None else [], initial=initial)


def _discussion_page(
    request: HttpRequest, document: Document, *, comment_form: CommentForm | None = None
) -> HttpResponse:
    user = request.user
    shown = library_selectors.shown_revision(user, document)
    status = request.GET.get("status", "all")
    if status not in selectors.STATUSES:
        status = "all"
    revision_only = request.GET.get("revision") == "this"
    page = selectors.thread_page(
        user, document, shown=shown, status=status, revision_only=revision_only, page=request.GET.get("page")
    )
    can_comment = access.can(user, Action.COMMENT_DOCUMENT, document)
    open_form = request.method == "GET" and bool(request.GET.get("quote") or request.GET.get("section"))
    if can_comment and comment_form is None:
        comment_form = _comment_form(document, shown, prefill=request.GET)
    library_services.record_read(user=user, document=document, what="discussion_viewed")
    return render(
        request,
        "drafting/discussion.html",
        {
            "document": document,
            "shown": shown,
            "page": page,
            "status": status,
            "status_options": [(value, label, page.counts[value]) for value, label in selectors.STATUSES.items()],
            "revision_only": revision_only,
            "can_comment": can_comment,
            "comment_form": comment_form if can_comment else None,
            "open_form": open_form,
            "reply_form": ReplyForm(),
            "proposals": selectors.proposal_list(user, document),
            "open_count": page.counts["open"],
            "active_tab": "discussion",
        },
    )


def discussion(request: HttpRequest, pk: int) -> HttpResponse:
    return _discussion_page(request, _document(request, pk))


@require_POST
def add_comment(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    if not access.can(request.user, Action.COMMENT_DOCUMENT, document):
        raise Http404("No such page.")
    shown = library_selectors.shown_revision(request.user, document)
    form = _comment_form(document, shown, request.POST)
    comment = submit_form(
        request,
        form,
        lambda: services.add_comment(
            acting_user=request.user,
            document=document,
            body=form.cleaned_data["body"],
            anchor=form.cleaned_data["anchor"],
            section=form.cleaned_data["section"],
            quote=form.cleaned_data["quote"],
            revision_number=form.cleaned_data["revision"],
        ),
    )
    if comment is not None:
        messages.success(request, "Your comment was added.")
        return (
            back_to_document(document, f"comment-{comment.pk}")
            if to_document(request)
            else _to_comment(document, comment)
        )
    # Nothing was saved: the page again, with what they wrote and the error by its field.
    return _discussion_page(request, document, comment_form=form)


def reply(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """GET: the thread with a reply form (for links without the inline form); POST: reply."""
    document = _document(request, pk)
    parent = selectors.comment_for(request.user, document, comment_id)
    if not access.can(request.user, Action.COMMENT_DOCUMENT, document):
        raise Http404("No such page.")
    form = ReplyForm(request.POST or None)
    created = submit_form(
        request, form, lambda: services.reply(acting_user=request.user, parent=parent, body=form.cleaned_data["body"])
    )
    if created is not None:
        messages.success(request, "Your reply was added.")
        if to_document(request):
            return back_to_document(document, f"comment-{parent.parent_id or parent.pk}")
        return _to_comment(document, created)
    shown = library_selectors.shown_revision(request.user, document)
    thread = selectors.thread_of(request.user, document, parent, shown)
    library_services.record_read(user=request.user, document=document, what="comment_viewed", comment=thread.comment.pk)
    return render(
        request,
        "drafting/reply.html",
        {
            "document": document,
            "thread": thread,
            "form": form,
            "active_tab": "discussion",
        },
    )


def edit_comment(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    document = _document(request, pk)
    comment = selectors.comment_for(request.user, document, comment_id)
    if comment.author_id != request.user.pk or not access.can(request.user, Action.COMMENT_DOCUMENT, document):
        raise Http404("No such page.")
    form = EditCommentForm(request.POST or None, initial={"body": comment.body})
    edited = submit_form(
        request,
        form,
        lambda: services.edit_comment(acting_user=request.user, comment=comment, body=form.cleaned_data["body"]),
    )
    if edited is not None:
        messages.success(request, "Your comment was updated.")
        return _to_comment(document, edited)
    if request.method != "POST":
        library_services.record_read(user=request.user, document=document, what="comment_viewed", comment=comment.pk)
    return render(
        request,
        "drafting/comment_edit.html",
        {"document": document, "comment": comment, "form": form, "active_tab": "discussion"},
    )


@require_POST
def resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    document = _document(request, pk)
    comment = selectors.comment_for(request.user, document, comment_id)
    resolved = request.POST.get("resolved")
    back = to_document(request)
    if resolved not in ("0", "1"):
        messages.error(request, "Choose whether to resolve or reopen the thread.")
        return back_to_document(document, f"comment-{comment.pk}") if back else _to_comment(document, comment)
    done = run_service(
        request,
        "The thread is resolved." if resolved == "1" else "The thread is open again.",
        lambda: services.set_resolved(acting_user=request.user, comment=comment, resolved=resolved == "1"),
    )
    if back:
        # A resolved thread leaves the margin: back to the text, at the place the thread was.
        return back_to_document(document, "document-text" if done and resolved == "1" else f"comment-{comment.pk}")
    return _to_comment(document, comment)


# --- Disposition table ------------------------------------------------------------------------------


def _range(request: HttpRequest, numbers: list[int]) -> tuple[int, int] | None:
    """The revision range asked for (?from=N&to=M), kept within the revisions the person may see."""
    if not numbers:
        return None
    low, high = numbers[0], numbers[-1]
    first = query_int(request.GET.get("from"), default=low, minimum=low, maximum=high)
    last = query_int(request.GET.get("to"), default=high, minimum=low, maximum=high)
    return (first, last) if first <= last else (last, first)


def disposition(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    numbers = selectors.revision_numbers(request.user, document)
    chosen = _range(request, numbers)
    rows = selectors.disposition_rows(request.user, document, first=chosen[0], last=chosen[1]) if chosen else []
    library_services.record_read(
        user=request.user,
        document=document,
        what="disposition_viewed",
        revisions=list(chosen) if chosen else [],
        rows=len(rows),
    )
    return render(
        request,
        "drafting/disposition.html",
        {
            "document": document,
            "rows": rows,
            "chosen": chosen,
            "numbers": numbers,
            "active_tab": "discussion",
        },
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = [
    "#",
    "Clause",
    "Revision",
    "Proposing organisation",
    "Author",
    "Text",
    "Replies",
    "Response",
    "Outcome",
    "Date",
]


def _cell(value: Any) -> str:
    """A spreadsheet must show member text as text: a leading = + - @ (or tab, carriage return)
    would make it a formula ("CSV injection"), so such cells start with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def disposition_csv(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    refusal = access.export_refusal(request.user, document)
    if refusal is not None:  # the same export cap as the document's own exports (coalition/access/exports.py)
        return render(request, "exports/refused.html", {"document": document, "refusal": refusal}, status=403)
    chosen = _range(request, selectors.revision_numbers(request.user, document)) or (0, 0)
    rows = selectors.disposition_rows(request.user, document, first=chosen[0], last=chosen[1]) if chosen[0] else []
    stamp = labels.stamp_for(request.user, document.tlp)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"disposition-{document.pk}-r{chosen[0]}-r{chosen[1]}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # a byte-order mark, so spreadsheets read UTF-8 as UTF-8
    writer = csv.writer(response)
    # The label and the watermark first and last, each in a row of its own (labels.Stamp.lines).
    writer.writerows([_cell(line)] for line in stamp.lines())
    writer.writerow(CSV_HEADER)
    for row in rows:
        text = row.text + (f"\n\nRationale: {row.rationale}" if row.rationale else "")
        cells = [
            row.ref,
            row.clause,
            row.revision,
            row.organisation,
            row.author,
            text,
            "" if row.replies is None else row.replies,
            row.response,
            row.outcome,
            f"{row.created_at:%Y-%m-%d}",
        ]
        writer.writerow([_cell(c) for c in cells])
    writer.writerow([_cell(f"“{document.title}”, revisions {chosen[0]} to {chosen[1]}.")])
    writer.writerows([_cell(line)] for line in reversed(stamp.lines()))
    # Recorded even for a public document (which reading is not): every export names its source.
    record(
        action="document.disposition_exported",
        actor=request.user,
        target=document,
        target_org_id=document.owner_id,
        data={"revisions": list(chosen), "rows": len(rows), "export": stamp.export_id, "label": stamp.label},
    )
    return response
