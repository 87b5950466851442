"""Request-wide middleware: request ids for the audit, and no caching of authenticated pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from coalition.core import request_context

# Pages for anonymous tips (coalition/appeals): the client's address is not even read into the
# request's audit context, and signed-in visitors' session activity is not recorded there.
ANONYMOUS_PREFIX = "/tips/"


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and records its client IP and browser
    (User-Agent, cut to 256 characters) for the audit events it writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        anonymous = request.path.startswith(ANONYMOUS_PREFIX)
        ip = "" if anonymous else self._client_ip(request)
        agent = "" if anonymous else request.META.get("HTTP_USER_AGENT", "")[:256].replace("\x00", "\ufffd")
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_context.activate(request_context.RequestContext(request_id=request_id, ip=ip, user_agent=agent))
        try:
            response = self.get_response(request)
        finally:
            request_context.deactivate(token)
        response["X-Request-ID"] = request_id
        return response

    @staticmethod
    def _client_ip(request: HttpRequest) -> str:
        try:
            # allauth's helper honours ALLAUTH_TRUSTED_PROXY_COUNT; one rule for the whole portal.
            return str(get_adapter().get_client_ip(request))
        except Exception:  # no usable address (e.g. a malformed X-Forwarded-For)
            return ""


class NoStoreForAuthenticatedMiddleware:
    """Pages for a signed-in user may hold protected material: no browser or proxy keeps them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
