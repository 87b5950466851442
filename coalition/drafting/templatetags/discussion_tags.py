"""Template helpers for the drafting tab strip, which documents' pages include whatever view
renders them, and for the margin of threads and proposals beside the text on the document page."""

from __future__ import annotations

from django import template
from django.utils.translation import ngettext

from coalition import access
from coalition.access import Action
from coalition.drafting.margin import Margin, Note, margin_for
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


@register.simple_tag(takes_context=True)
def document_margin(context: template.Context, document: Document, revision: Revision | None) -> Margin | None:
    """The open threads and proposals beside the text on the document page (coalition.drafting.margin),
    for someone signed in who may read the discussion; None for everyone else (the plain text)."""
    request = context.get("request")
    if request is None or revision is None or not request.user.is_authenticated:
        return None
    if not access.can(request.user, Action.VIEW_DISCUSSION, document):
        return None
    return margin_for(request.user, document, revision)


@register.filter
def note_summary(notes: list[Note]) -> str:
    """ "2 comment threads, 1 suggestion": what a margin marker holds."""
    threads = sum(1 for n in notes if n.thread is not None)
    proposals = len(notes) - threads
    parts = []
    if threads:
        parts.append(ngettext("%(count)d comment thread", "%(count)d comment threads", threads) % {"count": threads})
    if proposals:
        parts.append(ngettext("%(count)d suggestion", "%(count)d suggestions", proposals) % {"count": proposals})
    return ", ".join(parts)
