""" "Did you mean": when a search finds nothing, a close spelling of its words that finds something.

Candidates come from the words of the whole index (`Word`), which on their own would tell of text
the person may not read; so a correction is offered only when the corrected search, run with the
person's own access predicate like any other, finds at least one thing they may read. The work is
bounded: at most MAX_WORDS unknown words, CANDIDATES rows read for each (same first letter, a
length within the allowed distance), and MAX_TRIES searches to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from coalition.search import backends, reporting
from coalition.search.models import WORD_MAX_LENGTH, WORD_MIN_LENGTH, Word, fold
from coalition.search.query import QueryError, parse

MIN_LENGTH, MAX_LENGTH = WORD_MIN_LENGTH, WORD_MAX_LENGTH
MAX_WORDS = 4
CANDIDATES = 3000
MAX_TRIES = 4
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def words_in(texts: Iterable[str]) -> set[str]:
    return {
        fold(match.group(0))
        for text in texts
        if text
        for match in _WORD.finditer(text)
        if MIN_LENGTH <= len(match.group(0)) <= MAX_LENGTH
    }


def remember(texts: Iterable[str], *, known: set[str] | None = None) -> None:
    """Add the words of newly indexed text (in the indexing transaction). `known`: words already
    stored, kept by a caller that indexes many batches (the rebuild) so that each is sent once."""
    found = words_in(texts)
    if known is not None:
        found -= known
        known |= found
    if not found:
        return
    new = [Word(text=w, initial=w[0], length=len(w)) for w in sorted(found)]
    Word.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance with transpositions (optimal string alignment), or limit + 1 once it is
    certain to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def close_words(word: str, *, best: int = 3) -> list[str]:
    """Known words within the allowed distance of `word`, closest first."""
    word = fold(word)
    if not MIN_LENGTH <= len(word) <= MAX_LENGTH:
        return []
    limit = _allowed(word)
    rows = Word.objects.filter(
        initial=word[0], length__gte=len(word) - limit, length__lte=len(word) + limit
    ).values_list("text", flat=True)[:CANDIDATES]
    scored = sorted((distance(word, other, limit), other) for other in rows if other != word)
    return [other for score, other in scored if score <= limit][:best]


def did_you_mean(user: Any, text: str) -> str | None:
    """A corrected search text that finds something this person may read, or None."""
    try:
        query = parse(text)
    except QueryError:
        return None
    if not query.has_text:
        return None
    words = [
        w for w in dict.fromkeys(fold(w) for w in query.words()) if MIN_LENGTH <= len(w) <= MAX_LENGTH and w.isalpha()
    ]
    known = set(Word.objects.filter(text__in=words).values_list("text", flat=True))
    unknown = [w for w in words if w not in known][:MAX_WORDS]
    if not unknown:
        return None
    options = {w: close_words(w) for w in unknown}
    # The closest spelling of every unknown word at once, then each word's next closest.
    attempts = [{w: c[0] for w, c in options.items() if c}]
    for word, candidates in options.items():
        attempts += [{**attempts[0], word: other} for other in candidates[1:]]
    for attempt in attempts[:MAX_TRIES]:
        if not attempt:
            break
        corrected = _replace(text, attempt)
        try:
            corrected_query = parse(corrected)
            with backends.planned_as_lookups():
                found = backends.matching(user, corrected_query).exists()
            # Principles, records and mileposts the person may read confirm a correction too.
            if found or reporting.finds_any(user, corrected_query):
                return corrected
        except QueryError:
            continue
    return None


def _replace(text: str, corrections: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        return corrections.get(fold(match.group(0)), match.group(0))

    return _WORD.sub(swap, text)
