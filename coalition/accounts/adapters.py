"""allauth customisation, only through its adapters: invitation-only sign-up, audited login
failures, and TOTP secrets encrypted at rest."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from coalition import access
from coalition.accounts import enrolment, invitations
from coalition.accounts.services import record_login_failure
from coalition.audit.services import record
from coalition.notifications.models import EmailDelivery
from coalition.notifications.outbox import queue_email


class AccountAdapter(DefaultAccountAdapter):
    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        required = bool(super().is_reauthentication_required(app=app, **kwargs))
        if required and app == "allauth.mfa":
            # A first enrolment right after signing in (coalition/accounts/enrolment.py).
            return not enrolment.may_skip_reauthentication(self.request or context.request)
        return required

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's emails (address confirmation, password reset, security notices) go through
        the outbox like every other email: with the mail server down they wait and are retried,
        and the request that caused them does not fail (docs/operations.md, "The mail server
        refuses or is unreachable")."""
        # What allauth's own send_mail puts in the templates' context, then the outbox, not send().
        request = globals()["context"].request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        queue_email(
            category=EmailDelivery.Category.ACCOUNT,
            to_address=email,
            subject=str(message.subject),
            body=str(message.body),
        )

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs up on their own: only the holder of a valid invitation link.
        return invitations.pending_invitation(request) is not None

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        if request.user.is_authenticated:
            # allauth also calls this when a signed-in user mistypes their password to confirm access.
            record(
                action="auth.reauthentication_failed",
                actor=request.user,
                target=request.user,
                data={"factor": "password"},
            )
            return
        # Only the address is looked at: the password (and any typo of it into the email field)
        # must never reach the audit log.
        record_login_failure(email=str(credentials.get("email", "")), factor="password")


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.MFA_ENCRYPTION_KEYS])


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            # A secret stored before encryption was configured, or under a retired key, cannot
            # be used; the user re-enrols (or an operator adds the old key to the list).
            raise ValueError("MFA secret cannot be decrypted with the configured keys.") from None

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # People who must use MFA may not remove their last real second factor.
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        if not access.requires_mfa(authenticator.user):
            return True
        others = Authenticator.objects.filter(
            user=authenticator.user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exclude(pk=authenticator.pk)
        return others.exists()


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        sessions = list(sessions)
        super().end_sessions(sessions)
        for session in sessions:
            # Only the session's row id: the session key is a credential.
            record(action="auth.session_ended", actor=session.user, target=session.user, data={"session": session.pk})
