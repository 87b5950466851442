"""The current request's id, client IP and browser, for services that write audit events.

Services take `acting_user=` but not the request; the middleware puts what the audit needs here
so that a service called from a view, a command or a task records the same fields.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str = ""
    user_agent: str = ""


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "coalition_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def activate(context: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(context)


def deactivate(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)
