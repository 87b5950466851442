"""The invitation a visitor is signing up with, kept in their session between the link and the
sign-up form."""

from __future__ import annotations

from django.http import HttpRequest

from coalition.organisations.models import Invitation
from coalition.organisations.services import find_invitation, invitation_problem

SESSION_KEY = "coalition_invitation_token"


def remember(request: HttpRequest, token: str) -> None:
    request.session[SESSION_KEY] = token


def token_of(request: HttpRequest) -> str | None:
    return request.session.get(SESSION_KEY)


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def pending_invitation(request: HttpRequest) -> Invitation | None:
    token = token_of(request)
    if not token:
        return None
    invitation = find_invitation(token)
    if invitation_problem(invitation) is not None:
        return None
    return invitation
