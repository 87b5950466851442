from __future__ import annotations

from django.http import HttpRequest

from coalition.access import navigation_for


def portal(request: HttpRequest) -> dict[str, object]:
    """What the navigation shows; computed lazily so pages that do not render it pay nothing."""
    return {"nav": navigation_for(request.user)}
