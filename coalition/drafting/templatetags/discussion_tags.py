"""Template helpers for the drafting tab strip, which documents' pages include whatever view
renders them."""

from __future__ import annotations

from django import template

from coalition import access
from coalition.access import Action
from coalition.library.models import Document, Revision
from coalition.library.selectors import shown_revision

register = template.Library()


@register.simple_tag(takes_context=True)
def may_comment(context: template.Context, document: Document) -> bool:
    """Whether the person viewing the page may comment on (and propose changes to) the document."""
    request = context.get("request")
    return request is not None and access.can(request.user, Action.COMMENT_DOCUMENT, document)


@register.simple_tag(takes_context=True)
def reading_revision(context: template.Context, document: Document) -> Revision | None:
    """The revision the person viewing the page reads: the one selector every tab and message uses
    (library.selectors.shown_revision; the person's access is read once per request already)."""
    request = context.get("request")
    return None if request is None else shown_revision(request.user, document)
