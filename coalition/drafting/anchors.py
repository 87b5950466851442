"""Finding sections and quoted passages in a revision, and telling when an anchor no longer
matches the current text.

Sections come from the heading anchors the renderer put in the revision's HTML ("doc-scope"); their
Markdown is found by pairing those headings, in order, with the ATX headings of the source.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from coalition.library.models import Revision

_HEADING_HTML = re.compile(r"<h([1-6]) id=\"(doc-[^\"]+)\">(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
# Inline elements the renderer makes, which join the text around them: "<em>quickly</em>," reads
# "quickly,". Every other tag (blocks, line breaks, images) separates words.
_INLINE_TAG = re.compile(r"</?(?:a|abbr|code|del|em|ins|kbd|s|strong|sub|sup)(?:\s[^>]*)?>")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    id: str
    level: int
    title: str


def sections(revision: Revision) -> list[Section]:
    return [
        Section(id=m.group(2), level=int(m.group(1)), title=html_lib.unescape(_TAG.sub("", m.group(3))).strip())
        for m in _HEADING_HTML.finditer(revision.html)
    ]


def section_title(revision: Revision, section_id: str) -> str | None:
    return next((s.title for s in sections(revision) if s.id == section_id), None)


def _atx_headings(body: str) -> list[tuple[int, int]]:
    """(line index, level) of each ATX heading outside fenced code."""
    found: list[tuple[int, int]] = []
    fenced = False
    for index, line in enumerate(body.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced and (m := _ATX.match(line)):
            found.append((index, len(m.group(1))))
    return found


def section_markdown(revision: Revision, section_id: str) -> str | None:
    """The Markdown of one section, from its heading to the next heading of the same or a higher
    level; None when the section is not there or the source cannot be paired with its headings
    (setext headings, say)."""
    html_sections = sections(revision)
    headings = _atx_headings(revision.body)
    if len(html_sections) != len(headings):
        return None
    lines = revision.body.splitlines(keepends=True)
    for position, section in enumerate(html_sections):
        if section.id != section_id:
            continue
        start, level = headings[position]
        end = next((line for line, lv in headings[position + 1 :] if lv <= level), len(lines))
        return "".join(lines[start:end])
    return None


def plain_text(html: str) -> str:
    """The text as a reader sees (and copies) it from the page. Fix (drafting tests): every tag used
    to become a space, so a passage copied from the page with a link or emphasis before a comma or
    full stop ("See the hotline.") was "not found" in the text it came from."""
    return normalise(html_lib.unescape(_TAG.sub(" ", _INLINE_TAG.sub("", html))))


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def quote_found(revision: Revision, quote: str) -> bool:
    """The passage appears, word for word (spacing aside), in the revision as read or as written."""
    wanted = normalise(quote)
    return bool(wanted) and (wanted in plain_text(revision.html) or wanted in normalise(revision.body))


def still_matches(*, anchor: str, section: str, quote: str, revision: Revision | None) -> bool:
    """Whether an anchor made on an earlier revision still points at something in `revision`."""
    if revision is None:
        return False
    if anchor == "section":
        return f'id="{section}"' in revision.html
    if anchor == "quote":
        return quote_found(revision, quote)
    return True
