"""When a part the portal stands on is down: the database, the shared cache, the file storage.

A request that meets such a fault is answered 503 with `Retry-After` and a page that says what is
paused and what to do, never a 500 with a traceback. The page is rendered without the request
(no context processors, no session, no user): those would reach for the database that just failed.

What needs the shared cache fails closed: allauth's sign-in limits and its TOTP replay check raise
when the cache is down, and that refusal lands here as "signing in is paused" (not as a sign-in
that skipped its limits). Sessions are kept in the database, so pages for people already signed in
do not depend on the cache at all.
"""

from __future__ import annotations

import errno
from typing import Literal

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

Part = Literal["database", "cache", "storage"]

# Seconds a client (or a load balancer) is asked to wait before trying again.
RETRY_AFTER = 10

_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


class CacheUnavailable(Exception):
    """Raised by our own code when the shared cache cannot be reached; treated like the Redis
    client's own connection errors."""


# The exceptions that mean "the shared cache is unreachable".
CACHE_ERRORS: tuple[type[BaseException], ...] = (CacheUnavailable, RedisConnectionError, RedisTimeoutError)


def part_that_failed(error: BaseException | None) -> Part | None:
    """Which part an exception says is unreachable, following its causes; None for a real bug."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (OperationalError, InterfaceError)):
            return "database"
        if isinstance(error, CACHE_ERRORS):
            return "cache"
        if isinstance(error, OSError) and error.errno in _STORAGE_ERRNOS:
            return "storage"
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def response(part: Part, *, method: str = "GET") -> HttpResponse:
    """The 503 page for a part that is down. After a form was sent (POST), the page says how to
    send it again without losing what was typed, instead of offering a reload."""
    if part == "cache":
        heading = _("Signing in is paused for a moment")
        text = _(
            "The portal cannot check sign-in limits or one-time codes right now, so it is not accepting "
            "them rather than skipping the checks. If you are already signed in, your pages keep working."
        )
    elif part == "storage":
        heading = _("Files cannot be stored right now")
        text = _("The portal's file storage is full or unavailable. Nothing was attached or changed.")
    else:
        heading = _("The portal is unavailable for a moment")
        text = _(
            "It cannot reach its database. What you saved before this page appeared is safe; "
            "if you were saving something just now, check that it is there before trying again."
        )
    context = {"heading": heading, "text": text, "retry_after": RETRY_AFTER, "sent_a_form": method == "POST"}
    body = loader.get_template("503.html").render(context)
    reply = HttpResponse(body, status=503)
    reply["Retry-After"] = str(RETRY_AFTER)
    reply["Cache-Control"] = "no-store"
    return reply
