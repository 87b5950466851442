"""The error handler that tells a fault from a bug, and the probes a load balancer asks."""

from __future__ import annotations

import logging
import sys
import uuid

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache

from coalition.core import unavailable
from coalition.core.http import public_page

logger = logging.getLogger(__name__)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database, cache or storage fault is a 503 with `Retry-After` (the part is
    down, the request was fine); anything else is the plain 500 page. Django calls this while the
    exception is being handled, so sys.exc_info() is the error."""
    part = unavailable.part_that_failed(sys.exc_info()[1])
    if part is not None:
        return unavailable.response(part, method=request.method or "GET")
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@public_page
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage does not make a
    supervisor restart healthy app servers."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    cache = caches["default"]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1" and not isinstance(cache, DummyCache):
        raise unavailable.CacheUnavailable("the cache did not return what was just written")
    cache.delete(key)


def _check_storage() -> None:
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}", ContentFile(b"ok"))
    default_storage.delete(name)


@public_page
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database, the shared cache and the attachment storage each answer. The body
    names each part and says ok or unavailable; no error text, host, version or setting."""
    checks = {"database": _check_database, "cache": _check_cache, "storage": _check_storage}
    parts: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.warning("Readiness check failed for %s", name, exc_info=True)
            parts[name] = "unavailable"
        else:
            parts[name] = "ok"
    ready = all(state == "ok" for state in parts.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **parts}, status=200 if ready else 503)
