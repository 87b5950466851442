from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from coalition.access import Navigation


class PortalNavigation(Navigation):
    """The access module's navigation facts, plus the inbox badge."""

    @cached_property
    def unread_notifications(self) -> int:
        # Imported here: the notifications app builds on library and access, which import core.
        from coalition.notifications.selectors import unread_count

        return unread_count(self.user)


def portal(request: HttpRequest) -> dict[str, object]:
    """What the navigation shows; computed lazily so pages that do not render it pay nothing."""
    return {"nav": PortalNavigation(request.user)}
