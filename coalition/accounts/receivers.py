"""allauth announces sign-ins, MFA changes and account changes only through signals; these
receivers turn each into one audit event and do nothing else."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.account.authentication import get_authentication_records
from allauth.mfa import signals as mfa_signals
from django.dispatch import receiver

from coalition.accounts.services import record_login_failure
from coalition.audit.services import record


def _factors(request: Any, user: Any) -> list[str]:
    factors = []
    for entry in get_authentication_records(request, user):
        method = entry.get("method", "")
        factors.append(f"{method}:{entry['type']}" if method == "mfa" and entry.get("type") else method)
    return factors


@receiver(account_signals.user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # allauth records no factor for the sign-in that completes a sign-up; in this portal sign-up
    # happens only from an invitation link, which is what proved the person's address.
    factors = _factors(request, user) or ["signup:invitation"]
    record(action="auth.login", actor=user, target=user, data={"factors": factors})


@receiver(account_signals.user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(action="auth.logout", actor=user, target=user)


@receiver(mfa_signals.authentication_failed)
def _mfa_failed(sender: Any, request: Any, user: Any, authenticator: Any = None, **kwargs: Any) -> None:
    factor = authenticator.type if authenticator is not None else "mfa"
    if kwargs.get("reauthentication"):
        record(action="auth.reauthentication_failed", actor=user, target=user, data={"factor": factor})
    else:
        record_login_failure(factor=factor, user=user)


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(action="mfa.added", actor=user, target=user, data={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(action="mfa.removed", actor=user, target=user, data={"type": authenticator.type})


@receiver(mfa_signals.authenticator_reset)
def _mfa_reset(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(action="mfa.reset", actor=user, target=user, data={"type": authenticator.type})


@receiver(account_signals.password_changed)
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(action="account.password_changed", actor=user, target=user)


@receiver(account_signals.password_set)
def _password_set(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(action="account.password_set", actor=user, target=user)


@receiver(account_signals.password_reset)
def _password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(action="account.password_reset", actor=user, target=user)


@receiver(account_signals.email_changed)
def _email_changed(
    sender: Any, request: Any, user: Any, from_email_address: Any, to_email_address: Any, **kwargs: Any
) -> None:
    record(
        action="account.email_changed",
        actor=user,
        target=user,
        data={"from": getattr(from_email_address, "email", ""), "to": to_email_address.email},
    )
