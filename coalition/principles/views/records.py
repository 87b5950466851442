"""One implementation record: read it, write it, share it (one record or a whole cycle)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.core.http import submit_form
from coalition.organisations.models import Organisation
from coalition.principles import selectors, services
from coalition.principles.forms import RecordForm, ShareForm
from coalition.principles.models import MATURITY_MEANINGS, ImplementationRecord, Maturity, Principle
from coalition.principles.views.evidence import evidence_context


@login_not_required  # visitors see public records; the MFA hold still applies to the signed in
def record(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.record_for(request.user, pk)
    history = (
        list(item.changes.select_related("changed_by")[:50])
        if access.can(request.user, Action.VIEW_IMPLEMENTATION_HISTORY, item)
        else None
    )
    # Who else reads it is for the owner's editors and admins, as on a document's page: a recipient
    # is not told whom else the owner shares with.
    audience = access.audience_of(item) if access.can(request.user, Action.SHARE_IMPLEMENTATION, item) else None
    return render(
        request,
        "principles/record.html",
        {
            "record": item,
            "history": history,
            "maturity_meaning": MATURITY_MEANINGS[Maturity(item.maturity)] if item.maturity is not None else "",
            "can_edit": access.can(request.user, Action.EDIT_IMPLEMENTATION, item),
            "reasons": access.explain(request.user, item),
            "audience": audience,
            **evidence_context(request.user, item),
        },
    )


def _reporting_organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not access.can(request.user, Action.REPORT_IMPLEMENTATION, organisation):
        raise Http404("No such page.")
    return organisation


def edit(request: HttpRequest, slug: str, org: str, code: str, cycle: int) -> HttpResponse:
    framework = selectors.framework_or_404(slug)
    organisation = _reporting_organisation(request, org)
    principle = Principle.objects.filter(framework=framework, code=code).first()
    if principle is None or cycle not in services.cycles():
        raise Http404("No such page.")
    existing = ImplementationRecord.objects.filter(organisation=organisation, principle=principle, cycle=cycle).first()
    initial = {}
    if existing is not None:
        initial = {
            "status": existing.status,
            "result": existing.result,
            "maturity": existing.maturity,
            "evidence": existing.evidence,
            "owner": existing.owner_id,
            "next_review": existing.next_review,
        }
    form = RecordForm(request.POST or None, initial=initial, organisation=organisation)
    saved = submit_form(
        request,
        form,
        lambda: services.save_record(
            acting_user=request.user,
            organisation=organisation,
            principle=principle,
            cycle=cycle,
            **{name: form.cleaned_data[name] for name in services.RECORD_FIELDS},
        ),
    )
    if saved is not None:
        messages.success(request, _("Saved."))
        return redirect("principles:record", pk=saved.pk)
    return render(
        request,
        "principles/edit.html",
        {
            "form": form,
            "framework": framework,
            "organisation": organisation,
            "principle": principle,
            "cycle": cycle,
            "record": existing,
        },
        status=400 if request.method == "POST" else 200,
    )


def _share_form(item: ImplementationRecord) -> ShareForm:
    return ShareForm(
        initial={
            "audience": item.audience,
            "tlp": item.tlp,
            "audience_organisations": list(item.audience_organisations.all()),
            "audience_communities": list(item.audience_communities.all()),
        }
    )


def share(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.record_for(request.user, pk, Action.SHARE_IMPLEMENTATION)
    form = ShareForm(request.POST) if request.method == "POST" else _share_form(item)
    saved = submit_form(
        request,
        form,
        lambda: services.share_record(
            acting_user=request.user,
            record=item,
            audience=form.cleaned_data["audience"],
            tlp=form.cleaned_data["tlp"],
            audience_organisations=list(form.cleaned_data["audience_organisations"]),
            audience_communities=list(form.cleaned_data["audience_communities"]),
        ),
    )
    if saved is not None:
        messages.success(request, _("Sharing saved."))
        return redirect("principles:record", pk=item.pk)
    return render(
        request,
        "principles/share.html",
        {"form": form, "record": item, "action": reverse("principles:share", args=[item.pk])},
        status=400 if request.method == "POST" else 200,
    )


def share_cycle(request: HttpRequest, slug: str, org: str, cycle: int) -> HttpResponse:
    framework = selectors.framework_or_404(slug)
    organisation = _reporting_organisation(request, org)
    if cycle not in services.cycles():
        raise Http404("No such page.")
    form = ShareForm(request.POST or None, initial={"audience": "organisation", "tlp": "amber_strict"})
    changed = submit_form(
        request,
        form,
        lambda: services.share_cycle(
            acting_user=request.user,
            organisation=organisation,
            framework=framework,
            cycle=cycle,
            audience=form.cleaned_data["audience"],
            tlp=form.cleaned_data["tlp"],
            audience_organisations=list(form.cleaned_data["audience_organisations"]),
            audience_communities=list(form.cleaned_data["audience_communities"]),
        ),
    )
    if changed is not None:
        messages.success(request, _("Sharing saved for %(n)s records.") % {"n": changed})
        url = reverse("principles:organisation", args=[framework.slug, organisation.slug])
        return redirect(f"{url}?cycle={cycle}")
    return render(
        request,
        "principles/share_cycle.html",
        {"form": form, "framework": framework, "organisation": organisation, "cycle": cycle},
        status=400 if request.method == "POST" else 200,
    )
