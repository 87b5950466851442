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
