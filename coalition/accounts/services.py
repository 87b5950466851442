"""Account events that allauth performs and the portal audits."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from coalition.audit.services import record


@transaction.atomic
def record_login_failure(*, email: str = "", factor: str, user: Any = None) -> None:
    """One `auth.login_failed` event. The typed address itself is never stored (someone may have
    typed a password into the field): the event's target is the account it names, if any."""
    if user is None and email:
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    record(
        action="auth.login_failed",
        target=user,
        data={"factor": factor, "known_account": user is not None},
    )
