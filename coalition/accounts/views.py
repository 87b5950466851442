"""The signed-in home page and the MFA enrolment hold page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coalition import access
from coalition.accounts import enrolment
from coalition.drafting import selectors as drafting_selectors


# Not a public page: the MFA hold applies to a signed-in visitor (their organisations are listed).
@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home_public.html", {"front": drafting_selectors.front_door()})
    return render(request, "home.html", {"memberships": access.memberships_of(request.user)})


def mfa_required(request: HttpRequest) -> HttpResponse:
    if not access.held_for_mfa(request.user):
        return redirect("home")
    return render(request, "accounts/mfa_required.html", {"memberships": access.memberships_of(request.user)})


def mfa_enrolled(request: HttpRequest) -> HttpResponse:
    """ "Continue" after saving the recovery codes: on to where the person was going."""
    return redirect(enrolment.finish(request))
