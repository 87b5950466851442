"""Holds people who must use MFA (organisation admins, signatories, secretariat staff) on the
enrolment page until they have a second factor; records session activity without a write per request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from coalition import access
from coalition.accounts import enrolment
from coalition.core import unavailable
from coalition.core.middleware import ANONYMOUS_PREFIX

# What a held user may still reach: the enrolment pages themselves, re-authentication (allauth
# may ask for it before activating a factor), email confirmation and signing out.
ALLOWED_WHILE_HELD = frozenset(
    {
        "mfa_required",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_enrolled",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "account_confirm_email",
        "account_logout",
    }
)


class MFARequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or getattr(view_func, "coalition_public", False):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ALLOWED_WHILE_HELD:
            return None
        if access.held_for_mfa(user):
            enrolment.hold(request)
            return redirect("mfa_required")
        return None


class UserSessionActivityMiddleware:
    """allauth's session activity tracking (the "last seen" of the sessions page), written at most
    once per session every USERSESSIONS_ACTIVITY_SECONDS instead of on every request.

    allauth's own middleware updates the session row on every signed-in request: four queries and a
    commit (a disk sync on PostgreSQL) in front of every page, a fifth of a document page's
    queries. The last-seen time keeps a resolution of a minute; sessions are still created at
    sign-in (allauth's signal) and ending one still signs its browser out at once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            settings.USERSESSIONS_TRACK_ACTIVITY
            and session is not None
            and session.session_key
            and user is not None
            and user.is_authenticated
            # A tip's sender leaves no trace, signed in or not (coalition/appeals/views/anonymous.py).
            and not request.path.startswith(ANONYMOUS_PREFIX)
        ):
            # The cache holds a digest, never the session key itself (which signs its holder in).
            digest = hashlib.sha256(session.session_key.encode()).hexdigest()[:32]
            try:
                due = cache.add(f"usersession-seen:{digest}", True, timeout=settings.USERSESSIONS_ACTIVITY_SECONDS)
            except unavailable.CACHE_ERRORS:
                # "Last seen" waits for the cache; the page does not (nothing here guards anything).
                due = False
            if due:
                UserSession.objects.create_from_request(request)
        return self.get_response(request)
