"""A rendered comparison of two texts: the formatted text (headings, lists, tables, emphasis) with
what was added marked <ins> and what was removed marked <del>, for the proposal, review and compare
pages, beside the source comparison of coalition/library/diff.py.

Built from the sanitised HTML of both texts, never from Markdown: each side passes the sanitiser
first, the comparison only cuts that HTML into tags and text and puts its pieces back together with
<ins> and <del> (both on the sanitiser's allowlist), and the result passes the sanitiser again on
its way to the page (the `sanitised_html` filter). Nothing member-written becomes markup: a member's
"<del>" is text (&lt;del&gt;) before and after.

How: blocks first (the top-level elements: paragraphs, headings, lists, tables), equal blocks as
they are; a block only on one side wrapped whole; a changed run of blocks compared tag and word by
word. The result keeps the tag structure of the new text (every tag of it, in order, and no other),
so it is well formed whatever changed; removed words sit where they stood. Changes of formatting
alone (a word made bold) show as the new formatting; the source comparison shows them exactly.

Bounded: texts longer than RENDERED_DIFF_MAX_CHARS are not compared (the page says so and shows the
source comparison), and the word-by-word step shares the compare budget (COMPARE_WORD_BUDGET_MS);
blocks not reached in time are shown removed and added whole, and the page says that too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from django.conf import settings

from coalition.core import markdown
from coalition.library.diff import _Deadline, _Differ

# Each side's HTML, in characters (a 50,000-word policy renders to about 400,000).
RENDERED_DIFF_MAX_CHARS = 500_000
# A changed block is shown removed and added whole when fewer than this share of its words stayed:
# a sentence rewritten reads better as old-then-new than as a confetti of <ins> and <del>.
MIN_SHARED = 0.3

EQUAL, INSERT, DELETE = diff_match_patch.DIFF_EQUAL, diff_match_patch.DIFF_INSERT, diff_match_patch.DIFF_DELETE
# A tag (attribute values are double-quoted by the sanitiser, which escapes "<" and ">" in them).
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_PIECE = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|&[#a-zA-Z0-9]+;|\s+|\w+|[^\w\s<&]+|[<&]")
_ID = re.compile(r"\s+id=\"[^\"]*\"")
_WORD = re.compile(r"\w+")
_VOID = {"br", "hr", "img"}
# Where text cannot stand: removed words wait for the next element that takes text.
_NO_TEXT = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr"}


@dataclass(frozen=True)
class RenderedDiff:
    """`html` is the marked-up text (None when the texts were too long to compare); `coarse` says
    some changed blocks are shown removed and added whole because the time budget ran out."""

    html: str | None
    coarse: bool = False
    too_long: bool = False
    changed: bool = True


def _clean(html: str) -> str:
    # Ids are dropped: a heading removed and added again would put the same id on the page twice,
    # and nothing should link into a comparison.
    return _ID.sub("", markdown.sanitise(html or ""))


def blocks(html: str) -> list[str]:
    """The top-level pieces of the HTML: each element with all it holds, and loose text."""
    found: list[str] = []
    depth = 0
    start = position = 0
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if depth == 0:
            if html[position : match.start()].strip():
                found.append(html[position : match.start()])
            start = match.start()
        position = match.end()
        if name in _VOID:
            if depth == 0:
                found.append(match.group(0))
            continue
        depth += -1 if closing else 1
        if depth <= 0:
            depth = 0
            found.append(html[start : match.end()])
    tail = html[position:] if depth == 0 else html[start:]
    if tail.strip():
        found.append(tail)
    return [b.strip() for b in found]


def _encode(items_a: list[str], items_b: list[str]) -> tuple[str, str, dict[str, str]] | None:
    distinct = list(dict.fromkeys(items_a + items_b))
    if len(distinct) >= 0x10FFFF:
        return None
    char_of = {item: chr(number) for number, item in enumerate(distinct, start=1)}
    back = {char: item for item, char in char_of.items()}
    return "".join(map(char_of.__getitem__, items_a)), "".join(map(char_of.__getitem__, items_b)), back


def _is_tag(piece: str) -> bool:
    return piece.startswith("<") and len(piece) > 1 and piece.endswith(">")


def _words(pieces: list[str]) -> int:
    return sum(1 for p in pieces if not _is_tag(p) and _WORD.match(p))


class _Builder:
    """The new text's tags in order, the old text's words where they were removed."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.open: list[str] = []
        self.waiting: list[str] = []  # removed words with no place for text yet

    def _can_take_text(self) -> bool:
        return not self.open or self.open[-1] not in _NO_TEXT

    def tag(self, piece: str) -> None:
        match = _TAG.fullmatch(piece)
        if match is None:
            return
        closing, name = match.group(1), match.group(2).lower()
        if closing and self.waiting and self._can_take_text():
            self._flush()
        self.out.append(piece)
        if name in _VOID:
            return
        if closing:
            if name in self.open:
                while self.open and self.open.pop() != name:
                    pass
        else:
            self.open.append(name)
            if self.waiting and self._can_take_text():
                self._flush()

    def _flush(self) -> None:
        text = "".join(self.waiting)
        self.waiting = []
        if text.strip():
            self.out.append(f"<del>{text}</del>")

    def text(self, kind: int, pieces: list[str]) -> None:
        text = "".join(pieces)
        if not text:
            return
        if kind == DELETE:
            self.waiting.append(text)
            if self._can_take_text():
                self._flush()
            return
        if self.waiting and self._can_take_text():
            self._flush()
        if kind == INSERT and text.strip():
            self.out.append(f"<ins>{text}</ins>")
        else:
            self.out.append(text)

    def result(self) -> str:
        if self.waiting:
            self._flush()
        return "".join(self.out)


def _whole(old_blocks: list[str], new_blocks: list[str]) -> str:
    removed = "".join(f"<del>{b}</del>" for b in old_blocks)
    added = "".join(f"<ins>{b}</ins>" for b in new_blocks)
    return removed + added


def _pieces_diff(differ: _Differ, old: str, new: str, deadline: _Deadline) -> str | None:
    """One changed run of blocks, tag and word by word; None when out of time or too different."""
    old_pieces, new_pieces = _PIECE.findall(old), _PIECE.findall(new)
    encoded = _encode(old_pieces, new_pieces)
    if encoded is None:
        return None
    a, b, back = encoded
    diffs = differ.diff_main(a, b, False, deadline)
    if deadline.expired:
        return None
    differ.diff_cleanupSemantic(diffs)
    ops = [(op, [back[c] for c in chars]) for op, chars in diffs]
    shared = sum(_words(pieces) for op, pieces in ops if op == EQUAL)
    if shared < MIN_SHARED * max(_words(old_pieces), _words(new_pieces), 1):
        return None
    builder = _Builder()
    for op, pieces in ops:
        run: list[str] = []
        for piece in pieces:
            if _is_tag(piece):
                if run:
                    builder.text(op, run)
                    run = []
                if op != DELETE:  # the new text's structure, and only it
                    builder.tag(piece)
            else:
                run.append(piece)
        if run:
            builder.text(op, run)
    return builder.result()


def compare_html(old_html: str, new_html: str) -> RenderedDiff:
    """The rendered comparison of two revisions' (or passages') HTML."""
    old, new = _clean(old_html), _clean(new_html)
    if len(old) > RENDERED_DIFF_MAX_CHARS or len(new) > RENDERED_DIFF_MAX_CHARS:
        return RenderedDiff(html=None, too_long=True)
    if old == new:
        return RenderedDiff(html=new, changed=False)
    old_blocks, new_blocks = blocks(old), blocks(new)
    encoded = _encode(old_blocks, new_blocks)
    if encoded is None:  # pragma: no cover - a million distinct paragraphs cannot fit the cap
        return RenderedDiff(html=None, too_long=True)
    a, b, back = encoded
    differ = _Differ()
    deadline = _Deadline(settings.COMPARE_WORD_BUDGET_MS / 1000)
    diffs = differ.diff_main(a, b, False, deadline)
    out: list[str] = []
    coarse = deadline.expired
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        nonlocal coarse
        if removed and added:
            refined = None if deadline.passed() else _pieces_diff(differ, "".join(removed), "".join(added), deadline)
            if refined is None:
                coarse = coarse or deadline.expired
                out.append(_whole(removed, added))
            else:
                out.append(refined)
        elif removed or added:
            out.append(_whole(removed, added))
        removed.clear()
        added.clear()

    for op, chars in diffs:
        run = [back[c] for c in chars]
        if op == EQUAL:
            flush()
            out.extend(run)
        else:
            (removed if op == DELETE else added).extend(run)
    flush()
    return RenderedDiff(html=markdown.sanitise("\n".join(out)), coarse=coarse)


def compare_markdown(old: str, new: str) -> RenderedDiff:
    """For passages kept as Markdown (a proposal's original and replacement): each rendered and
    sanitised as a revision is, then compared."""
    limit = RENDERED_DIFF_MAX_CHARS // 4
    if len(old) > limit or len(new) > limit:
        return RenderedDiff(html=None, too_long=True)
    return compare_html(markdown.render(old), markdown.render(new))
