"""Holds people who must use MFA (organisation admins, signatories, secretariat staff) on the
enrolment page until they have a second factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from coalition import access

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
            return redirect("mfa_required")
        return None
