"""Deploy checks for what Django's own checks cannot know about this portal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_cache_for_rate_limits(app_configs: Any, **kwargs: Any) -> list[Warning]:
    backend = str(settings.CACHES["default"]["BACKEND"])
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The default cache is local to one process: allauth's rate limits and TOTP replay "
                "protection would not be shared between workers.",
                hint="Set CACHE_URL to a Redis server (redis://host:6379/0).",
                id="coalition.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def proxy_settings_agree(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Behind a TLS-terminating proxy (SECURE_PROXY_SSL_HEADER) every request arrives from the proxy:
    unless TRUSTED_PROXY_COUNT says how many proxies append to X-Forwarded-For, every visitor has
    the proxy's address, so the per-address sign-in limit becomes one limit for the whole coalition
    (one attacker locks everyone out) and the audit log records the proxy for everyone."""
    if settings.DEBUG or not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    if int(getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0) > 0:
        return []
    return [
        Warning(
            "SECURE_PROXY_SSL_HEADER says the portal is behind a proxy, but TRUSTED_PROXY_COUNT is 0: "
            "every visitor would seem to come from the proxy's address.",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the portal (usually 1).",
            id="coalition.W002",
        )
    ]


@register(Tags.security, deploy=True)
def audit_signing_key(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Without a key the sequencer cannot sign checkpoints (coalition/audit/tree.py): the log's
    tree stops growing, and nothing outside the database can catch a rewrite."""
    if settings.DEBUG or settings.AUDIT_SIGNING_KEY or settings.AUDIT_SIGNING_KEY_FILE:
        return []
    return [
        Warning(
            "No key signs the audit log's checkpoints: the worker's sequencer will refuse to run.",
            hint="Set AUDIT_SIGNING_KEY (or AUDIT_SIGNING_KEY_FILE); docs/operations.md shows how to generate one.",
            id="coalition.W003",
        )
    ]
