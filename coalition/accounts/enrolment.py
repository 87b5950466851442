"""The first sign-in of someone who must use a second factor, as one path: sign in, enrol, save the
recovery codes, continue to where they were going.

allauth asks for the password again before any MFA change unless the person *re*-authenticated in
the last few minutes; the sign-in itself does not count. For a first enrolment that meant typing the
password twice within a second. Here, and only here, the sign-in counts: while the session is held
for MFA (coalition.accounts.middleware) and for ENROLMENT_SECONDS after the sign-in, enrolling a
first factor and viewing the recovery codes it generated need no second password. Deactivating a
factor, generating new codes and every account change still ask, as allauth has it.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account.authentication import get_authentication_records
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

ENROLMENT_SECONDS = 600
ENROLLING_KEY = "coalition_enrolling_since"  # the sign-in's time, set when the hold first applies
AFTER_KEY = "coalition_after_mfa"  # where they were going
ENROLMENT_VIEWS = frozenset({"mfa_activate_totp", "mfa_add_webauthn", "mfa_view_recovery_codes"})


def hold(request: HttpRequest) -> None:
    """The MFA hold applied to this request: remember when they signed in and where they were going."""
    if ENROLLING_KEY not in request.session:
        records = get_authentication_records(request, request.user)
        signed_in_at = max((float(r.get("at", 0)) for r in records), default=0.0)
        request.session[ENROLLING_KEY] = signed_in_at
    if request.method == "GET" and AFTER_KEY not in request.session:
        request.session[AFTER_KEY] = request.get_full_path()


def may_skip_reauthentication(request: HttpRequest | None) -> bool:
    """Whether this request is the first enrolment of a person who signed in moments ago."""
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in ENROLMENT_VIEWS:
        return False
    since = request.session.get(ENROLLING_KEY)
    return isinstance(since, int | float) and 0 <= time.time() - since < ENROLMENT_SECONDS


def finish(request: HttpRequest) -> str:
    """End the enrolment path; returns where to continue (a local address only)."""
    request.session.pop(ENROLLING_KEY, None)
    after: Any = request.session.pop(AFTER_KEY, None)
    if isinstance(after, str) and url_has_allowed_host_and_scheme(after, allowed_hosts={request.get_host()}):
        return after
    return "/"
