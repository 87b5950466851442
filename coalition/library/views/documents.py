"""Library pages: the list, a document, writing and editing, history and comparison."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.core import markdown
from coalition.core.http import query_int, submit_form
from coalition.library import diff, rendered_diff, selectors, services
from coalition.library.forms import LANGUAGES, NewDocumentForm
from coalition.library.models import TLP, Document, Topic
from coalition.organisations.models import Organisation


def library(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "") for name in selectors.FILTERS}
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in selectors.SORTS else "newest"
    number = query_int(request.GET.get("page"), default=1, maximum=selectors.MAX_PAGE)
    page = selectors.library_page(request.user, filters=filters, sort=sort, page=number)
    creatable = access.creatable_in(request.user)
    return render(
        request,
        "library/list.html",
        {
            "page": page,
            "filters": filters,
            "sort": sort,
            "sorts": selectors.SORT_LABELS,
            "kinds": Document.Kind.choices,
            "statuses": Document.Status.choices,
            "tlps": TLP.choices,
            "languages": LANGUAGES,
            "organisations": Organisation.objects.filter(status=Organisation.Status.ACTIVE)
            .order_by("name")
            .values_list("slug", "name"),
            "topics": Topic.objects.values_list("slug", "name"),
            "creatable": creatable,
            "filtered": any(filters.values()),
            "active_filters": sum(1 for value in filters.values() if value),
        },
    )


# Anyone may open a public document; for a signed-in person the MFA hold still applies.
@login_not_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk)
    services.record_read(user=request.user, document=document, what="viewed")
    services.record_view(user=request.user, document=document)
    can_manage = access.can(request.user, Action.SHARE_DOCUMENT, document)
    return render(
        request,
        "library/detail.html",
        {
            "document": document,
            "revision": selectors.shown_revision(request.user, document),
            "attachments": document.attachments.all(),
            "topics": document.topics.all(),
            "reasons": access.explain(request.user, document),
            "audience": access.audience_of(document) if can_manage else None,
            "can_edit": access.can(request.user, Action.EDIT_DOCUMENT, document),
            "can_manage": can_manage,
            "export_refusal": access.export_refusal(request.user, document),
        },
    )


def new(request: HttpRequest) -> HttpResponse:
    owners = access.creatable_in(request.user)
    if not owners:
        raise Http404("No such page.")
    owner_slug = request.POST.get("owner") or request.GET.get("owner") or owners[0].organisation_slug
    owner = Organisation.objects.filter(slug=owner_slug).first()
    if owner is None or not access.can(request.user, Action.CREATE_DOCUMENT, owner):
        raise Http404("No such page.")
    form = NewDocumentForm(request.POST or None)

    def create() -> Document:
        data = form.cleaned_data
        return services.create_document(
            acting_user=request.user,
            owner=owner,
            title=data["title"],
            kind=data["kind"],
            summary=data["summary"],
            body=data["body"],
            message=data["message"],
            audience=data["audience"],
            tlp=data["tlp"],
            audience_organisations=list(data["audience_organisations"]),
            audience_communities=list(data["audience_communities"]),
            co_drafters=list(data["co_drafters"]),
            topics=list(data["topics"]),
            language=data["language"],
            review_by=data["review_by"],
        )

    document = submit_form(request, form, create)
    if document is not None:
        messages.success(request, f"“{document.title}” was created.")
        return redirect("library:detail", pk=document.pk)
    return render(request, "library/new.html", {"form": form, "owner": owner, "owners": owners})


@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Live preview for the editor, through the same renderer and sanitiser as saving."""
    body = request.POST.get("body", "")[: services.MAX_BODY_CHARS]
    return render(request, "library/_preview.html", {"html": markdown.render(body)})


def history(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk)
    revisions = (
        selectors.revisions_for(request.user, document)
        .select_related("author")
        .only("number", "message", "created_at", "author__name", "author__email", "restored_from", "document_id")
    )
    services.record_read(user=request.user, document=document, what="history_viewed")
    return render(
        request,
        "library/history.html",
        {
            "document": document,
            "revisions": revisions,
            "can_edit": access.can(request.user, Action.EDIT_DOCUMENT, document),
        },
    )


def revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk)
    revision = selectors.revisions_for(request.user, document).select_related("author").filter(number=number).first()
    if revision is None:
        raise Http404("No such page.")
    services.record_read(user=request.user, document=document, what="revision_viewed", revision=number)
    return render(
        request,
        "library/revision.html",
        {
            "document": document,
            "revision": revision,
            "can_edit": access.can(request.user, Action.EDIT_DOCUMENT, document),
        },
    )


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk)
    numbers = (query_int(request.GET.get("from"), default=0), query_int(request.GET.get("to"), default=0))
    revisions = {
        r.number: r
        for r in selectors.revisions_for(request.user, document).filter(number__in=numbers).select_related("author")
    }
    if len(revisions) != len(set(numbers)) or numbers[0] == numbers[1]:
        messages.error(request, "Choose two different revisions to compare.")
        return redirect("library:history", pk=document.pk)
    old, new = revisions[min(numbers)], revisions[max(numbers)]
    comparison = diff.compare(old.body, new.body)
    services.record_read(user=request.user, document=document, what="diff_viewed", revisions=[old.number, new.number])
    return render(
        request,
        "library/compare.html",
        {
            "document": document,
            "old": old,
            "new": new,
            "comparison": comparison,
            "rendered": rendered_diff.compare_html(old.html, new.html),
            "stats": comparison.stats,
            "mode": "side" if request.GET.get("mode") == "side" else "inline",
            "side": request.GET.get("mode") == "side",
        },
    )
