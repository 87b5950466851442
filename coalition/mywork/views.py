"""The home page: My work for a signed-in person, the public front door for everyone else."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from coalition import access
from coalition.drafting import selectors as drafting_selectors
from coalition.mywork import selectors


# Not a public page for a signed-in visitor: the MFA hold applies to them as anywhere.
@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home_public.html", {"front": drafting_selectors.front_door()})
    return my_work(request)


@require_safe
def my_work(request: HttpRequest) -> HttpResponse:
    """What waits for the person, each item linking to where they act (sign-in required)."""
    return render(
        request,
        "mywork/home.html",
        {
            "work": selectors.my_work(request.user),
            "memberships": access.memberships_of(request.user),
            "creatable": access.creatable_in(request.user),
        },
    )
