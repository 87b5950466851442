"""The star and watch buttons on a document's page. A template tag, so that the library's pages
show them without the library knowing the notifications app exists (tests/core/test_architecture)."""

from __future__ import annotations

from typing import Any

from django import template

from coalition.library.models import Document
from coalition.notifications.models import Follow
from coalition.notifications.services import is_watching

register = template.Library()


@register.inclusion_tag("notifications/_follow.html", takes_context=True)
def follow_buttons(context: dict[str, Any], document: Document) -> dict[str, Any]:
    user = context["request"].user
    if not user.is_authenticated:
        return {"show": False}
    follow = Follow.objects.filter(user=user, document=document).first()
    return {
        "show": True,
        "document": document,
        "starred": bool(follow and follow.starred),
        "watching": is_watching(user, document, follow),
        "csrf_token": context.get("csrf_token"),
        "next": context["request"].get_full_path(),
    }
