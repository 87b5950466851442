"""The MFA enrolment hold page (the home page is coalition.mywork's)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coalition import access
from coalition.accounts import enrolment


def mfa_required(request: HttpRequest) -> HttpResponse:
    if not access.held_for_mfa(request.user):
        return redirect("home")
    return render(request, "accounts/mfa_required.html", {"memberships": access.memberships_of(request.user)})


def mfa_enrolled(request: HttpRequest) -> HttpResponse:
    """ "Continue" after saving the recovery codes: on to where the person was going."""
    return redirect(enrolment.finish(request))
