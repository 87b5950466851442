"""Comparison of two texts for the compare, edit conflict and proposal pages: word by word when that
fits in a time budget, otherwise line by line (the page says so).

diff-match-patch (Myers' O(ND) algorithm with a deadline, docs/architecture.md#dependencies)
compares characters. The texts are first compared line by line (each distinct line one character),
then each changed block of lines word by word (each distinct token, a word, a run of whitespace or a
punctuation mark, one character), so the cost follows the size of the change rather than the product
of the two lengths, and a request never compares for longer than its budget.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from diff_match_patch import diff_match_patch
from django.conf import settings

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"\w+")
_KINDS = {
    diff_match_patch.DIFF_EQUAL: "equal",
    diff_match_patch.DIFF_INSERT: "insert",
    diff_match_patch.DIFF_DELETE: "delete",
}
# One character per distinct token; 0 stays unused, as diff-match-patch's own line mode does.
_MAX_TOKENS = 0x10FFFF
# diff-match-patch's half-match speedup tries every place where a quarter of one text occurs in the
# other. In a repetitive text ("a a a a ...") that is every other token, each try reads the whole
# text, and no deadline is checked: quadratic. Past this many tries the speedup is skipped, which
# keeps the result correct and leaves the deadline in charge.
HALF_MATCH_TRIES = 64


def _clock() -> float:
    return time.monotonic()


@dataclass(frozen=True)
class Piece:
    kind: str  # "equal", "insert" or "delete"
    text: str


@dataclass(frozen=True)
class Comparison:
    """The pieces that rebuild both texts (equal + delete is the old one, equal + insert the new one)."""

    pieces: list[Piece]
    # True when the word-by-word comparison ran out of time and whole lines were compared instead.
    by_line: bool = False

    @cached_property
    def stats(self) -> dict[str, int]:
        """Words added and removed; lines when compared by line."""
        counted = {"insert": 0, "delete": 0}
        for piece in self.pieces:
            if piece.kind in counted:
                counted[piece.kind] += (
                    piece.text.count("\n") + (not piece.text.endswith("\n"))
                    if self.by_line
                    else len(_WORD.findall(piece.text))
                )
        return counted


class _Deadline:
    """A deadline diff-match-patch can check. It compares `time.time() > deadline`; a float does not
    know this type, so Python asks `deadline < now`, answered from our own clock. This records that
    the budget ran out (diff-match-patch then quietly returns a coarser result) and lets tests run
    the clock themselves."""

    def __init__(self, seconds: float) -> None:
        self.end = _clock() + seconds
        self.expired = False

    def __lt__(self, _now: Any) -> bool:
        return self.passed()

    def passed(self) -> bool:
        if not self.expired and _clock() > self.end:
            self.expired = True
        return self.expired


class _HalfMatchTries(Exception):
    pass


class _Differ(diff_match_patch):  # type: ignore[misc]  # the library ships no type information
    def __init__(self) -> None:
        super().__init__()
        self._tries: int | None = None

    def diff_halfMatch(self, text1: str, text2: str) -> Any:
        self._tries = HALF_MATCH_TRIES
        try:
            return super().diff_halfMatch(text1, text2)
        except _HalfMatchTries:
            return None
        finally:
            self._tries = None

    def diff_commonPrefix(self, text1: str, text2: str) -> int:
        # Called once for each place the half-match seed is found (and for the ordinary prefix trim).
        if self._tries is not None:
            self._tries -= 1
            if self._tries < 0:
                raise _HalfMatchTries
        return int(super().diff_commonPrefix(text1, text2))

    def run(self, old: str, new: str, seconds: float) -> tuple[list[tuple[int, str]], bool]:
        deadline = _Deadline(seconds)
        diffs = self.diff_main(old, new, False, deadline)
        return diffs, deadline.expired


def _pieces(diffs: list[tuple[int, str]]) -> list[Piece]:
    return [Piece(_KINDS[op], text) for op, text in diffs if text]


# Line by line, diff-match-patch's Myers algorithm is exact but costs (lines) x (changed lines): when
# nearly every paragraph changed a little (one word in forty), that is quadratic, 0.3 s for 50,000
# words in pure Python. It gets a few milliseconds; past that, lines are aligned in one pass.
EXACT_LINES_SECONDS = 0.004
RESYNC_WINDOW = 32


def _line_diff(differ: _Differ, old: str, new: str) -> list[tuple[int, str]]:
    chars_old, chars_new, lines = differ.diff_linesToChars(old, new)
    diffs, expired = differ.run(chars_old, chars_new, EXACT_LINES_SECONDS)
    if not expired:
        differ.diff_charsToLines(diffs, lines)
        return list(diffs)
    return _aligned_lines(old.splitlines(keepends=True), new.splitlines(keepends=True))


def _aligned_lines(a: list[str], b: list[str]) -> list[tuple[int, str]]:
    """Lines aligned in one pass: equal lines pass through; at a difference, the nearest line with
    text that both sides share again (within RESYNC_WINDOW lines) closes the changed block, so an
    inserted or removed paragraph is found; with none, one line of each side is a replaced pair
    (the words inside are compared next). Linear in the number of lines; always exact."""
    equal, delete, insert = diff_match_patch.DIFF_EQUAL, diff_match_patch.DIFF_DELETE, diff_match_patch.DIFF_INSERT
    out: list[tuple[int, str]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append((equal, a[i]))
            i, j = i + 1, j + 1
            continue
        di, dj = _resync(a, b, i, j)
        out += [(delete, "".join(a[i : i + di])), (insert, "".join(b[j : j + dj]))]
        i, j = i + di, j + dj
    out += [(delete, "".join(a[i:])), (insert, "".join(b[j:]))]
    return [(op, text) for op, text in out if text]


def _resync(a: list[str], b: list[str], i: int, j: int) -> tuple[int, int]:
    ahead: dict[str, int] = {}
    for k in range(j, min(len(b), j + RESYNC_WINDOW)):
        if b[k].strip():
            ahead.setdefault(b[k], k - j)
    best: tuple[int, int] | None = None
    for di in range(min(len(a) - i, RESYNC_WINDOW)):
        dj = ahead.get(a[i + di]) if a[i + di].strip() else None
        if dj is not None and (di or dj) and (best is None or di + dj < sum(best)):
            best = (di, dj)
    return best or (1, 1)


def _token_diff(differ: _Differ, old: str, new: str, deadline: _Deadline) -> list[tuple[int, str]] | None:
    """Word by word: each distinct token becomes one character, so the library compares tokens.
    None if the deadline passed first."""
    found_old, found_new = _TOKEN.findall(old), _TOKEN.findall(new)
    # One character per distinct token, from 1 up (diff-match-patch's own line mode leaves 0 unused
    # too); a block of at most 500,000 characters has far fewer distinct tokens than code points.
    distinct = list(dict.fromkeys(found_old + found_new))
    if len(distinct) >= _MAX_TOKENS:
        return None
    char_of = {token: chr(number) for number, token in enumerate(distinct, start=1)}
    token_of = {char: token for token, char in char_of.items()}
    encoded_old = "".join(map(char_of.__getitem__, found_old))
    encoded_new = "".join(map(char_of.__getitem__, found_new))
    diffs = differ.diff_main(encoded_old, encoded_new, False, deadline)
    if deadline.expired:
        return None
    return [(op, "".join(map(token_of.__getitem__, chars))) for op, chars in diffs]


def compare(old: str, new: str) -> Comparison:
    """Line by line first (exact when cheap, else aligned in one pass), then word by word inside each
    changed block of lines, within COMPARE_WORD_BUDGET_MS; blocks not reached in time stay line by
    line and the comparison says so. Always exact: the pieces rebuild both texts."""
    differ = _Differ()
    line_diffs = _line_diff(differ, old, new)
    deadline = _Deadline(settings.COMPARE_WORD_BUDGET_MS / 1000)
    pieces: list[Piece] = []
    by_line = False
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        nonlocal by_line
        if removed and added and not deadline.passed():
            refined = _token_diff(differ, "".join(removed), "".join(added), deadline)
            if refined is not None:
                pieces.extend(_pieces(refined))
                removed.clear()
                added.clear()
                return
        if removed and added:
            by_line = True
        pieces.extend(_pieces([(diff_match_patch.DIFF_DELETE, "".join(removed))]))
        pieces.extend(_pieces([(diff_match_patch.DIFF_INSERT, "".join(added))]))
        removed.clear()
        added.clear()

    for op, chunk in line_diffs:
        if op == diff_match_patch.DIFF_EQUAL:
            flush()
            pieces.extend(_pieces([(op, chunk)]))
        else:
            (removed if op == diff_match_patch.DIFF_DELETE else added).append(chunk)
    flush()
    return Comparison(_merged(pieces), by_line=by_line)


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of the same kind as one (block boundaries split them)."""
    merged: list[Piece] = []
    for piece in pieces:
        if merged and merged[-1].kind == piece.kind:
            merged[-1] = Piece(piece.kind, merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return merged
