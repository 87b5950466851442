"""Crosswalks: the list and a crosswalk's page for every member, the secretariat's editing pages,
and applying one (a preview, then the same plan written) for an organisation's editors."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.assessments import services
from coalition.assessments.forms import ApplyForm, CrosswalkForm, LinkForm
from coalition.assessments.inference import Outcome
from coalition.assessments.models import Crosswalk, CrosswalkLink
from coalition.core.errors import AccessDenied, ServiceError
from coalition.core.http import confirmation, is_confirmed, query_int, run_service, submit_form
from coalition.organisations.models import Organisation
from coalition.principles.models import Principle
from coalition.principles.services import cycles

PER_PAGE = 50


def _crosswalk(request: HttpRequest, slug: str) -> Crosswalk:
    return access.get_object_or_404(
        request.user, Action.VIEW_CROSSWALK, Crosswalk.objects.select_related("source", "target"), slug=slug
    )


def _require_manager(request: HttpRequest) -> None:
    if not access.can(request.user, Action.MANAGE_CROSSWALKS):
        raise Http404("No such page.")


def _reporting_organisations(request: HttpRequest) -> list[Organisation]:
    return list(
        access.visible(
            request.user,
            Organisation.objects.filter(status=Organisation.Status.ACTIVE).exclude(kind=Organisation.Kind.SECRETARIAT),
            Action.REPORT_IMPLEMENTATION,
        ).order_by("name")
    )


def crosswalk_list(request: HttpRequest) -> HttpResponse:
    if not access.memberships_of(request.user):
        raise Http404("No such page.")
    page = query_int(request.GET.get("page"), default=1, maximum=1000)
    start = (page - 1) * PER_PAGE
    items = list(
        access.visible(request.user, Crosswalk.objects.all(), Action.VIEW_CROSSWALK)
        .select_related("source", "target")
        .annotate(link_count=Count("links"))
        .order_by("name", "pk")[start : start + PER_PAGE + 1]
    )
    return render(
        request,
        "crosswalks/list.html",
        {
            "crosswalks": items[:PER_PAGE],
            "page": page,
            "has_next": len(items) > PER_PAGE,
            "can_manage": access.can(request.user, Action.MANAGE_CROSSWALKS),
        },
    )


def crosswalk_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item = _crosswalk(request, slug)
    links = list(item.links.select_related("source", "target").order_by("source__order", "target__order", "pk"))
    organisations = _reporting_organisations(request)
    form = ApplyForm(initial={"cycle": timezone.localdate().year}, organisations=organisations, cycles=cycles())
    # Chains: crosswalks that end where this one starts.
    before = list(Crosswalk.objects.filter(target_id=item.source_id).exclude(pk=item.pk).order_by("name"))
    return render(
        request,
        "crosswalks/detail.html",
        {
            "crosswalk": item,
            "links": links,
            "form": form if organisations else None,
            "chains": before,
            "can_manage": access.can(request.user, Action.MANAGE_CROSSWALKS),
        },
    )


def crosswalk_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    _require_manager(request)
    item = _crosswalk(request, slug) if slug else None
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {"name": item.name, "slug": item.slug, "source": item.source_id, "target": item.target_id}
        initial["description"] = item.description
    form = CrosswalkForm(request.POST or None, initial=initial)
    saved = submit_form(
        request, form, lambda: services.save_crosswalk(acting_user=request.user, crosswalk=item, **form.cleaned_data)
    )
    if saved is not None:
        messages.success(request, _("Crosswalk saved."))
        return redirect("assessments:crosswalk", slug=saved.slug)
    return render(
        request,
        "crosswalks/form.html",
        {"form": form, "crosswalk": item, "title": _("Edit crosswalk") if item else _("New crosswalk")},
        status=400 if request.method == "POST" else 200,
    )


def link_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    _require_manager(request)
    item = _crosswalk(request, slug)
    link = CrosswalkLink.objects.filter(crosswalk=item, pk=pk).first() if pk else None
    if pk and link is None:
        raise Http404("No such page.")
    initial: dict[str, Any] = {}
    if link is not None:
        initial = {
            "source": link.source_id,
            "target": link.target_id,
            "relation": link.relation,
            "strength": link.strength,
            "rationale": link.rationale,
        }
    form = LinkForm(
        request.POST or None,
        initial=initial,
        sources=Principle.objects.filter(framework=item.source_id),
        targets=Principle.objects.filter(framework=item.target_id),
    )
    saved = submit_form(
        request,
        form,
        lambda: services.save_link(acting_user=request.user, crosswalk=item, link=link, **form.cleaned_data),
    )
    if saved is not None:
        messages.success(request, _("Link saved."))
        return redirect("assessments:crosswalk", slug=item.slug)
    return render(
        request,
        "crosswalks/form.html",
        {"form": form, "crosswalk": item, "title": _("Edit link") if link else _("New link"), "link": link},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def link_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _require_manager(request)
    item = _crosswalk(request, slug)
    link = CrosswalkLink.objects.filter(crosswalk=item, pk=pk).select_related("source", "target").first()
    if link is None:
        raise Http404("No such page.")
    back = reverse("assessments:crosswalk", args=[item.slug])
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Delete the link %(source)s → %(target)s?")
            % {"source": link.source.code, "target": link.target.code},
            explanation=[_("Results inferred earlier keep their provenance; later applications no longer use it.")],
            button=_("Delete link"),
            cancel_url=back,
            danger=True,
        )
    run_service(request, _("Link deleted."), lambda: services.delete_link(acting_user=request.user, link=link))
    return redirect(back)


def apply(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the preview for ?organisation=&cycle=(&via=); POST: apply that same plan."""
    item = _crosswalk(request, slug)
    data = request.POST if request.method == "POST" else request.GET
    organisations = _reporting_organisations(request)
    form = ApplyForm(data, organisations=organisations, cycles=cycles())
    if not organisations:
        raise Http404("No such page.")
    chain = [item]
    via_slug = data.get("via", "")
    if via_slug:
        via = Crosswalk.objects.filter(slug=via_slug).first()
        if via is None:
            raise Http404("No such page.")
        chain = [via, item]
    context: dict[str, Any] = {"crosswalk": item, "chain": chain, "form": form, "via": via_slug}
    if not form.is_valid():
        return render(request, "crosswalks/apply.html", context, status=400)
    organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
    cycle = form.cleaned_data["cycle"]
    context.update(organisation=organisation, cycle=cycle)
    try:
        if request.method == "POST":
            written = services.apply_crosswalk(
                acting_user=request.user,
                organisation=organisation,
                cycle=cycle,
                chain=chain,
                fingerprint=request.POST.get("fingerprint", ""),
            )
            messages.success(
                request,
                _("%(n)s records updated from the crosswalk. They are marked “in review”: check them.")
                % {"n": len(written)},
            )
            return redirect(
                reverse("principles:organisation", args=[item.target.slug, organisation.slug]) + f"?cycle={cycle}"
            )
        plan = services.plan_crosswalk(acting_user=request.user, organisation=organisation, cycle=cycle, chain=chain)
    except ServiceError as error:
        context["error"] = error.messages[0]
        if request.method == "POST":
            # Typically the records changed since the preview: show the new one.
            with contextlib.suppress(ServiceError):
                context["plan"] = services.plan_crosswalk(
                    acting_user=request.user, organisation=organisation, cycle=cycle, chain=chain
                )
        return render(request, "crosswalks/apply.html", _with_counts(context), status=400)
    except AccessDenied:
        raise Http404("No such page.") from None
    context["plan"] = plan
    return render(request, "crosswalks/apply.html", _with_counts(context))


def _with_counts(context: dict[str, Any]) -> dict[str, Any]:
    plan = context.get("plan")
    if plan is not None:
        context["will_write"] = len(plan.writes)
        context["kept"] = sum(1 for p in plan.proposals if p.outcome == Outcome.KEPT)
    return context
