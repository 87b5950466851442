"""Template helpers. `sanitised_html` is the one way member HTML reaches a page."""

from __future__ import annotations

import html
from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from coalition.core import markdown

register = template.Library()


@register.filter
def sanitised_html(html: str) -> SafeString:
    # Revisions store HTML already cleaned at save; cleaning again here (nh3 is fast) means no
    # template can show member HTML that has not just passed the allowlist, whatever its origin.
    return mark_safe(markdown.sanitise(html or ""))  # noqa: S308 - sanitised on the line above


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters replaced (for filters and pagination)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, label: str, ascending: str, descending: str, first: str = "") -> SafeString:
    """A sortable column's header: a link to the column's other order when it is the order shown,
    otherwise to `first` (the ascending order unless given), with aria-sort saying the order
    shown. The page goes back to the first."""
    current = str(context.get("sort") or "")
    state = {ascending: "ascending", descending: "descending"}.get(current, "none")
    target = {ascending: descending, descending: ascending}.get(current, first or ascending)
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    href = query_with(context, sort=target, page="")
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="{}">{}<span aria-hidden="true">{}</span></a></th>',
        state,
        href,
        label,
        arrow,
    )


@register.simple_tag
def select_options(choices: Iterable[tuple[object, object]], selected: object = "") -> SafeString:
    """`<option>`s for (value, label) pairs, the one equal to `selected` marked, every value and
    label escaped. A filter's list of organisations runs to hundreds: one Python loop here instead
    of a template loop with an `if` per option (measured: most of the library page's render time;
    html.escape rather than format_html, whose per-call overhead was most of what remained)."""
    chosen = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        text = str(value)
        mark = " selected" if text == chosen else ""
        parts.append(f'<option value="{html.escape(text)}"{mark}>{html.escape(str(label))}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped above


_DIFF_TAGS = {"insert": ("<ins>", "</ins>"), "delete": ("<del>", "</del>"), "equal": ("", "")}
_DIFF_SIDES = {"inline": {"equal", "insert", "delete"}, "old": {"equal", "delete"}, "new": {"equal", "insert"}}


@register.simple_tag
def diff_pieces(pieces: Iterable[object], side: str = "inline") -> SafeString:
    """A comparison's pieces as text with <ins> and <del>, every piece's text escaped: `inline` (both),
    `old` (what was removed) or `new` (what was added). One Python loop instead of a template loop
    with three `if`s per piece (a 10,000-word comparison has hundreds of pieces)."""
    shown = _DIFF_SIDES[side]
    parts = []
    for piece in pieces:
        kind = piece.kind  # type: ignore[attr-defined]
        if kind in shown:
            opening, closing = _DIFF_TAGS[kind]
            parts.append(f"{opening}{html.escape(piece.text, quote=False)}{closing}")  # type: ignore[attr-defined]
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


@register.filter
def repeats_title(body: str | None, title: str) -> bool:
    """Whether a Markdown text opens with a first-level heading that says `title` again. The page
    already shows the title as its own heading, so such a heading is hidden there (portal.css)."""
    for line in (body or "").splitlines():
        if line.strip():
            text = line.strip()
            if not text.startswith("# "):
                return False
            return text[2:].strip(" #").casefold() == (title or "").strip().casefold()
    return False
