"""The secretariat's pages: admitting, editing, suspending organisations; defining communities."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coalition import access
from coalition.access import Action
from coalition.core.http import run_service, submit_form
from coalition.organisations import selectors, services
from coalition.organisations.forms import CommunityForm, OrganisationForm, SuspendForm
from coalition.organisations.models import EXPORT_LABELS, Community, Organisation

PAGE_SIZE = 50


def _require(request: HttpRequest, action: Action) -> None:
    if not access.can(request.user, action):
        raise Http404("No such page.")


def organisations(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW_ALL_ORGANISATIONS)
    queryset = access.visible(request.user, selectors.organisations_overview(), Action.VIEW_ALL_ORGANISATIONS)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "secretariat/organisations.html",
        {"page": page, "can_manage": access.can(request.user, Action.MANAGE_ORGANISATIONS)},
    )


def organisation_new(request: HttpRequest) -> HttpResponse:
    _require(request, Action.MANAGE_ORGANISATIONS)
    form = OrganisationForm(request.POST or None)
    created = submit_form(
        request, form, lambda: services.create_organisation(acting_user=request.user, **form.cleaned_data)
    )
    if created is not None:
        return redirect("secretariat:organisation", slug=created.slug)
    return render(request, "secretariat/organisation_form.html", {"form": form})


def _get_organisation(request: HttpRequest, slug: str, action: Action) -> Organisation:
    _require(request, action)
    organisation = selectors.organisations_overview().filter(slug=slug).first()
    if organisation is None:
        raise Http404("No such page.")
    return organisation


def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _get_organisation(request, slug, Action.VIEW_ALL_ORGANISATIONS)
    return render(
        request,
        "secretariat/organisation.html",
        {
            "organisation": organisation,
            "admins": selectors.members_of(organisation).filter(role="admin"),
            "invitations": selectors.open_invitations_of(organisation),
            "communities": organisation.communities.order_by("name"),
            "can_manage": access.can(request.user, Action.MANAGE_ORGANISATIONS),
            "can_set_export_cap": access.can(request.user, Action.SET_EXPORT_CAP, organisation),
            "export_labels": EXPORT_LABELS,
        },
    )


def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _get_organisation(request, slug, Action.MANAGE_ORGANISATIONS)
    initial = {field: getattr(organisation, field) for field in services.ORGANISATION_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    saved = submit_form(
        request,
        form,
        lambda: services.update_organisation(acting_user=request.user, organisation=organisation, **form.cleaned_data),
    )
    if saved is not None:
        messages.success(request, f"{saved.name} was saved.")
        return redirect("secretariat:organisation", slug=saved.slug)
    return render(request, "secretariat/organisation_form.html", {"form": form, "organisation": organisation})


def organisation_suspend(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _get_organisation(request, slug, Action.MANAGE_ORGANISATIONS)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run_service(
            request,
            f"{organisation.name} is suspended. Its members lost access on their next request.",
            lambda: services.suspend_organisation(
                acting_user=request.user, organisation=organisation, reason=form.cleaned_data["reason"]
            ),
        )
        return redirect("secretariat:organisation", slug=slug)
    return render(request, "secretariat/organisation_suspend.html", {"organisation": organisation, "form": form})


def organisation_reactivate(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _get_organisation(request, slug, Action.MANAGE_ORGANISATIONS)
    if request.method == "POST":
        run_service(
            request,
            f"{organisation.name} is active again.",
            lambda: services.reactivate_organisation(acting_user=request.user, organisation=organisation),
        )
        return redirect("secretariat:organisation", slug=slug)
    return render(request, "secretariat/organisation_reactivate.html", {"organisation": organisation})


def communities(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW_ALL_ORGANISATIONS)
    queryset = access.visible(request.user, selectors.communities_overview(), Action.VIEW_ALL_ORGANISATIONS)
    return render(
        request,
        "secretariat/communities.html",
        {
            "page": Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page")),
            "can_manage": access.can(request.user, Action.MANAGE_COMMUNITIES),
        },
    )


def community_form(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    _require(request, Action.MANAGE_COMMUNITIES)
    community = None
    initial = {}
    if slug is not None:
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise Http404("No such page.")
        initial = {
            "name": community.name,
            "slug": community.slug,
            "description": community.description,
            "organisations": list(community.organisations.all()),
        }
    form = CommunityForm(request.POST or None, initial=initial)

    def save() -> Community:
        data = {**form.cleaned_data, "organisations": list(form.cleaned_data["organisations"])}
        if community is None:
            return services.create_community(acting_user=request.user, **data)
        return services.update_community(acting_user=request.user, community=community, **data)

    saved = submit_form(request, form, save)
    if saved is not None:
        messages.success(request, f"The community {saved.name} was saved.")
        return redirect("secretariat:communities")
    return render(request, "secretariat/community_form.html", {"form": form, "community": community})


def community_delete(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request, Action.MANAGE_COMMUNITIES)
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404("No such page.")
    if request.method == "POST":
        run_service(
            request,
            f"The community {community.name} was deleted.",
            lambda: services.delete_community(acting_user=request.user, community=community),
        )
        return redirect("secretariat:communities")
    return render(request, "secretariat/community_delete.html", {"community": community})
