"""Mileposts: the list (what the person may read, newest first, fifty a page, filterable), and
for an organisation's editors and admins the pages to add, edit and remove them."""

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
from coalition.core.http import confirmation, is_confirmed, query_int, submit_form
from coalition.organisations.models import Organisation
from coalition.principles import milepost_services
from coalition.principles.forms_reporting import MilepostForm
from coalition.principles.mileposts import Milepost, MilepostCategory
from coalition.principles.services import cycles

MILEPOSTS_PER_PAGE = 50


@login_not_required  # visitors see public mileposts; the MFA hold still applies to the signed in
def mileposts(request: HttpRequest) -> HttpResponse:
    queryset = access.visible(request.user, Milepost.objects.all(), Action.VIEW_MILEPOST).select_related("organisation")
    category = request.GET.get("category", "")
    if category in MilepostCategory.values:
        queryset = queryset.filter(category=category)
    else:
        category = ""
    year = query_int(request.GET.get("year"), default=0, minimum=0, maximum=2100)
    if year:
        queryset = queryset.filter(date__year=year)
    org_slug = request.GET.get("org", "")
    if org_slug:
        queryset = queryset.filter(organisation__slug=org_slug)
    page = query_int(request.GET.get("page"), default=1, maximum=1000)
    start = (page - 1) * MILEPOSTS_PER_PAGE
    # The named audiences come with the page (two queries), so that saying who sees each milepost
    # and why costs nothing per milepost.
    items = list(
        queryset.order_by("-date", "-pk").prefetch_related("audience_organisations", "audience_communities")[
            start : start + MILEPOSTS_PER_PAGE + 1
        ]
    )
    writable = set(access.reporting_organisation_ids(request.user))
    return render(
        request,
        "principles/mileposts.html",
        {
            "items": [
                (
                    m,
                    m.organisation_id in writable,
                    access.explain(request.user, m),
                    # Who else reads it: for the owner's editors and admins only, as on a document's page.
                    access.audience_of(m) if m.organisation_id in writable else None,
                )
                for m in items[:MILEPOSTS_PER_PAGE]
            ],
            "has_next": len(items) > MILEPOSTS_PER_PAGE,
            "page": page,
            "category": category,
            "categories": MilepostCategory.choices,
            "year": year,
            "years": cycles(),
            "org": org_slug,
            "can_write": bool(writable),
            "filtered": bool(category or year or org_slug),
        },
    )


def _form_values(form: MilepostForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "category": data["category"],
        "date": data["date"],
        "text": data["text"],
        "audience": data["audience"],
        "tlp": data["tlp"],
        "audience_organisations": list(data["audience_organisations"]),
        "audience_communities": list(data["audience_communities"]),
    }


def new(request: HttpRequest) -> HttpResponse:
    organisations = access.visible(request.user, Organisation.objects.all(), Action.WRITE_MILEPOSTS).order_by("name")
    if not organisations.exists():
        raise Http404("No such page.")
    form = MilepostForm(
        request.POST or None,
        organisations=organisations,
        initial={"date": timezone.localdate(), "organisation": organisations.first()},
    )
    saved = submit_form(
        request,
        form,
        lambda: milepost_services.save_milepost(
            acting_user=request.user, organisation=form.cleaned_data["organisation"], **_form_values(form)
        ),
    )
    if saved is not None:
        messages.success(request, _("Milepost saved."))
        return redirect("principles:mileposts")
    return render(
        request, "principles/milepost_form.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


def _editable(request: HttpRequest, pk: int) -> Milepost:
    return access.get_object_or_404(
        request.user, Action.EDIT_MILEPOST, Milepost.objects.select_related("organisation"), pk=pk
    )


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _editable(request, pk)
    initial = {
        "date": item.date,
        "category": item.category,
        "text": item.text,
        "tlp": item.tlp,
        "audience": item.audience,
        "audience_organisations": list(item.audience_organisations.all()),
        "audience_communities": list(item.audience_communities.all()),
    }
    form = MilepostForm(request.POST or None, initial=initial)
    saved = submit_form(
        request,
        form,
        lambda: milepost_services.save_milepost(
            acting_user=request.user, organisation=item.organisation, milepost=item, **_form_values(form)
        ),
    )
    if saved is not None:
        messages.success(request, _("Milepost saved."))
        return redirect("principles:mileposts")
    return render(
        request,
        "principles/milepost_form.html",
        {
            "form": form,
            "milepost": item,
            "reasons": access.explain(request.user, item),
            "audience": access.audience_of(item),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = _editable(request, pk)
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Remove this milepost?"),
            explanation=[item.text, _("Whoever it was shared with no longer sees it. This cannot be undone.")],
            button=_("Remove milepost"),
            cancel_url=reverse("principles:milepost", args=[item.pk]),
            danger=True,
        )
    milepost_services.remove_milepost(acting_user=request.user, milepost=item)
    messages.success(request, _("Milepost removed."))
    return redirect("principles:mileposts")
