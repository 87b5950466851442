"""Template helpers for the drafting tab strip, which documents' pages include whatever view
renders them."""

from __future__ import annotations

from django import template

from coalition import access
from coalition.access import Action
from coalition.library.models import Document

register = template.Library()


@register.simple_tag(takes_context=True)
def may_comment(context: template.Context, document: Document) -> bool:
    """Whether the person viewing the page may comment on (and propose changes to) the document."""
    request = context.get("request")
    return request is not None and access.can(request.user, Action.COMMENT_DOCUMENT, document)
