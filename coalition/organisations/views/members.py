"""An organisation's own pages: its members, and what its admins do to them."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.core.http import confirmation, is_confirmed, run_service
from coalition.organisations import selectors, services
from coalition.organisations.forms import RoleForm, SignatoryForm
from coalition.organisations.models import EXPORT_LABELS, EXPORT_RED, Membership, Organisation

PAGE_SIZE = 50
ROLE_MEANS = {
    "admin": gettext_lazy(
        "Admins manage members, roles and invitations, edit and share the organisation's documents, and must use "
        "two-factor authentication."
    ),
    "editor": gettext_lazy("Editors create, edit and share the organisation's documents."),
    "contributor": gettext_lazy("Contributors comment, propose changes and acknowledge guidance."),
    "reader": gettext_lazy("Readers read what is shared with the organisation."),
}


def _organisation(request: HttpRequest, slug: str, action: Action) -> Organisation:
    return access.get_object_or_404(request.user, action, Organisation.objects.all(), slug=slug)


def _membership_in(organisation: Organisation, pk: int) -> Membership:
    membership = selectors.members_of(organisation).filter(pk=pk).first()
    if membership is None:
        raise Http404("No such page.")
    return membership


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug, Action.VIEW_ORGANISATION)
    can_manage = access.can(request.user, Action.MANAGE_MEMBERS, organisation)
    page = Paginator(selectors.members_of(organisation), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "page": page,
            "can_manage": can_manage,
            "role_form": RoleForm(),
            "reasons": access.explain(request.user, organisation),
            "pending_count": selectors.open_invitations_of(organisation).count() if can_manage else 0,
            "can_set_export_cap": access.can(request.user, Action.SET_EXPORT_CAP, organisation),
            "export_labels": EXPORT_LABELS,
        },
    )


@require_POST
def change_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug, Action.MANAGE_MEMBERS)
    membership = _membership_in(organisation, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles: admin, editor, contributor or reader.")
        return redirect("organisations:detail", slug=slug)
    role = form.cleaned_data["role"]
    if role != membership.role and not is_confirmed(request):
        name = membership.user.display_name
        roles = dict(Membership._meta.get_field("role").choices or [])
        return confirmation(
            request,
            question=_("Make %(name)s %(role)s of %(organisation)s?")
            % {"name": name, "role": str(roles.get(role, role)).lower(), "organisation": organisation.name},
            explanation=[
                _("%(name)s is %(before)s today.")
                % {"name": name, "before": str(membership.get_role_display()).lower()},
                str(ROLE_MEANS.get(role, "")),
            ],
            button=_("Change role"),
            cancel_url=reverse("organisations:detail", args=[slug]),
        )
    run_service(
        request,
        f"{membership.user.display_name} is now {role}.",
        lambda: services.change_role(acting_user=request.user, membership=membership, role=role),
    )
    return redirect("organisations:detail", slug=slug)


@require_POST
def set_signatory(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug, Action.MANAGE_MEMBERS)
    membership = _membership_in(organisation, pk)
    form = SignatoryForm(request.POST)
    form.is_valid()
    signatory = bool(form.cleaned_data.get("signatory"))
    run_service(
        request,
        f"{membership.user.display_name} {'is now' if signatory else 'is no longer'} a signatory.",
        lambda: services.set_signatory(acting_user=request.user, membership=membership, signatory=signatory),
    )
    return redirect("organisations:detail", slug=slug)


@require_POST
def set_tip_handler(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug, Action.MANAGE_MEMBERS)
    membership = _membership_in(organisation, pk)
    handler = request.POST.get("tip_handler") == "on"
    name = membership.user.display_name
    if handler and not is_confirmed(request):
        return confirmation(
            request,
            question=_("Make %(name)s a tip handler of %(organisation)s?")
            % {"name": name, "organisation": organisation.name},
            explanation=[
                _(
                    "Tip handlers read and triage every anonymous tip sent to %(organisation)s's appeals, and must "
                    "use two-factor authentication."
                )
                % {"organisation": organisation.name},
                _("Each tip they open and each change they make is recorded in the audit log."),
            ],
            button=_("Make tip handler"),
            cancel_url=reverse("organisations:detail", args=[slug]),
        )
    done = (
        _("%(name)s now handles tips.") % {"name": name}
        if handler
        else _("%(name)s no longer handles tips.") % {"name": name}
    )
    run_service(
        request,
        done,
        lambda: services.set_tip_handler(acting_user=request.user, membership=membership, tip_handler=handler),
    )
    return redirect("organisations:detail", slug=slug)


@require_POST
def set_oversight(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug, Action.MANAGE_MEMBERS)
    membership = _membership_in(organisation, pk)
    oversight = request.POST.get("oversight") == "on"
    name = membership.user.display_name
    if oversight and not is_confirmed(request):
        return confirmation(
            request,
            question=_("Give %(name)s the oversight role?") % {"name": name},
            explanation=[
                _(
                    "They will see every event of the coalition's audit log: who read, downloaded, exported or shared "
                    "what, and when, in every organisation. Never the content of a document."
                ),
                _("They must use two-factor authentication, and each look at the log is recorded."),
            ],
            button=_("Give the oversight role"),
            cancel_url=reverse("organisations:detail", args=[slug]),
        )
    done = (
        _("%(name)s now holds the oversight role.") % {"name": name}
        if oversight
        else _("%(name)s no longer holds the oversight role.") % {"name": name}
    )
    run_service(
        request,
        done,
        lambda: services.set_oversight(acting_user=request.user, membership=membership, oversight=oversight),
    )
    return redirect("organisations:detail", slug=slug)


@require_POST
def set_export_cap(request: HttpRequest, slug: str) -> HttpResponse:
    """Its admins, from the organisation's page; the secretariat's admins, from theirs."""
    organisation = _organisation(request, slug, Action.SET_EXPORT_CAP)
    cap = request.POST.get("export_cap", "")
    labels = dict(EXPORT_LABELS)
    back_to_secretariat = request.POST.get("back") == "secretariat"
    if cap == EXPORT_RED and organisation.export_cap != EXPORT_RED and not is_confirmed(request):
        return confirmation(
            request,
            question=_("Allow %(organisation)s's members to export TLP:RED material?")
            % {"organisation": organisation.name},
            explanation=[
                _(
                    "People granted a TLP:RED document by name will be able to take it out of the portal as a file, "
                    "with the label and their name on every page. A file, once taken, cannot be called back."
                ),
                _("Every export is recorded in the audit log, and this change is too."),
            ],
            button=_("Allow TLP:RED exports"),
            cancel_url=reverse(
                "secretariat:organisation" if back_to_secretariat else "organisations:detail", args=[slug]
            ),
            danger=True,
        )
    run_service(
        request,
        _("%(organisation)s's members may now export material up to %(label)s.")
        % {"organisation": organisation.name, "label": labels.get(cap, cap)},
        lambda: services.set_export_cap(acting_user=request.user, organisation=organisation, export_cap=cap),
    )
    if back_to_secretariat or not access.can(request.user, Action.VIEW_ORGANISATION, organisation):
        return redirect("secretariat:organisation", slug=slug)
    return redirect("organisations:detail", slug=slug)


def remove_member(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug, Action.MANAGE_MEMBERS)
    membership = _membership_in(organisation, pk)
    if request.method == "POST":
        run_service(
            request,
            f"{membership.user.display_name} was removed from {organisation.name}.",
            lambda: services.remove_member(acting_user=request.user, membership=membership),
        )
        if access.can(request.user, Action.VIEW_ORGANISATION, organisation):
            return redirect("organisations:detail", slug=slug)
        return redirect("home")
    return render(request, "organisations/remove_member.html", {"organisation": organisation, "membership": membership})
