"""Invitations: admins send, resend and revoke them; the invited person accepts one."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.accounts import invitations as invitation_session
from coalition.core.errors import ServiceError
from coalition.core.http import run_service, submit_form
from coalition.organisations import selectors, services
from coalition.organisations.forms import InvitationForm
from coalition.organisations.models import Invitation, Organisation


def _organisation_for_inviting(request: HttpRequest, slug: str) -> Organisation:
    return access.get_object_or_404(request.user, Action.INVITE_MEMBERS, Organisation.objects.all(), slug=slug)


def _invitation(organisation: Organisation, pk: int) -> Invitation:
    invitation = Invitation.objects.filter(organisation=organisation, pk=pk).select_related("organisation").first()
    if invitation is None:
        raise Http404("No such page.")
    return invitation


def index(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation_for_inviting(request, slug)
    form = InvitationForm(request.POST or None)
    sent = submit_form(
        request, form, lambda: services.invite(acting_user=request.user, organisation=organisation, **form.cleaned_data)
    )
    if sent is not None:
        messages.success(request, f"Invitation sent to {sent[0].email}.")
        return redirect("organisations:invitations", slug=slug)
    return render(
        request,
        "organisations/invitations.html",
        {
            "organisation": organisation,
            "form": form,
            "invitations": selectors.open_invitations_of(organisation),
            # Secretariat admins inviting to another organisation come from (and go back to) its
            # secretariat page: they cannot see the organisation's own pages.
            "back_url": reverse("organisations:detail", args=[slug])
            if access.can(request.user, Action.VIEW_ORGANISATION, organisation)
            else reverse("secretariat:organisation", args=[slug]),
        },
    )


@require_POST
def resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation_for_inviting(request, slug)
    invitation = _invitation(organisation, pk)
    run_service(
        request,
        f"A new link was sent to {invitation.email}; the old link no longer works.",
        lambda: services.resend_invitation(acting_user=request.user, invitation=invitation),
    )
    return redirect("organisations:invitations", slug=slug)


def revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation_for_inviting(request, slug)
    invitation = _invitation(organisation, pk)
    if request.method == "POST":
        run_service(
            request,
            f"The invitation of {invitation.email} was withdrawn.",
            lambda: services.revoke_invitation(acting_user=request.user, invitation=invitation),
        )
        return redirect("organisations:invitations", slug=slug)
    return render(
        request, "organisations/revoke_invitation.html", {"organisation": organisation, "invitation": invitation}
    )


# Open to visitors without an account; a signed-in person held for MFA enrols first.
@login_not_required
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. New people go on to sign up; existing accounts sign in and join."""
    invitation = services.find_invitation(token)
    problem = services.invitation_problem(invitation)
    if problem is not None:
        status = 404 if invitation is None else 410
        return render(request, "organisations/invitation_problem.html", {"problem": problem}, status=status)
    assert invitation is not None
    user = request.user
    if not user.is_authenticated:
        if get_user_model().objects.filter(email__iexact=invitation.email).exists():
            messages.info(
                request, f"Sign in as {invitation.email} to accept the invitation to {invitation.organisation.name}."
            )
            return redirect(f"{reverse('account_login')}?next={request.path}")
        invitation_session.remember(request, token)
        # The link came to this address, which proves it: allauth skips the confirmation email.
        get_account_adapter(request).stash_verified_email(request, invitation.email)
        return redirect("account_signup")
    if request.method == "POST":
        try:
            services.accept_invitation(token=token, user=user)
        except ServiceError as error:
            return render(request, "organisations/invitation_problem.html", {"problem": error.messages[0]}, status=409)
        messages.success(request, f"Welcome to {invitation.organisation.name}.")
        return redirect("organisations:detail", slug=invitation.organisation.slug)
    return render(request, "organisations/invitation_accept.html", {"invitation": invitation})
