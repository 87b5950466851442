"""Member Markdown to safe HTML: Python-Markdown renders, nh3 sanitises with an allowlist.

The result is stored with each revision; templates show only HTML that came through here.
"""

from __future__ import annotations

import markdown
import nh3
from django.utils.text import slugify

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "ins", "kbd", "li", "ol", "p", "pre", "s",
    "sub", "sup", "strong", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"}, "sup": {"id"}, "ol": {"start"},
}  # fmt: skip
ALLOWED_CLASSES = {"div": {"footnote"}}
# Ids the renderer itself makes (heading anchors, footnotes). Any other id in member HTML could
# shadow an element of the page around it ("DOM clobbering"), so it is dropped.
OWN_ID_PREFIXES = ("doc-", "fn:", "fnref:")
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "footnotes", "toc", "sane_lists"]


def _slugify(value: str, separator: str) -> str:
    # Stable heading anchors: the same heading text always gives the same id.
    return "doc-" + (slugify(value) or "section")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not value.startswith(OWN_ID_PREFIXES):
        return None
    if tag == "img" and attribute == "src" and not value.lower().startswith("https://"):
        # A relative image would make every reader's browser fetch a portal URL silently (an
        # attachment, say: recorded as that reader's download). Only absolute https images,
        # which the Content-Security-Policy then keeps from loading off-site.
        return None
    return value


def render(text: str) -> str:
    html = markdown.markdown(
        text,
        extensions=EXTENSIONS,
        extension_configs={"toc": {"slugify": _slugify, "permalink": False}},
        output_format="html",
    )
    return sanitise(html)


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
