"""Fresh second-factor checks for decisions taken on an organisation's behalf (ratification).

allauth keeps a record of each authentication in the session; a TOTP code or a passkey used on
the re-authentication page within the last few minutes counts as fresh (the code typed at sign-in
does not).
Recovery codes do not: they are a way back in, not a second factor.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

FACTORS = ("totp", "webauthn")


def fresh_second_factor(request: HttpRequest) -> bool:
    window = getattr(settings, "MFA_FRESH_SECONDS", 300)
    now = time.time()
    records: list[dict[str, Any]] = get_authentication_records(request, request.user)  # type: ignore[arg-type]
    # Only a deliberate re-authentication counts, not the code typed at sign-in: the signatory
    # confirms this decision, now.
    return any(
        r.get("method") == "mfa"
        and r.get("type") in FACTORS
        and r.get("reauthenticated")
        and now - float(r.get("at", 0)) <= window
        for r in records
    )


def reauthenticate_url(next_url: str) -> str:
    """allauth's second-factor re-authentication page, coming back to `next_url` afterwards."""
    return f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}"
