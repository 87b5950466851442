"""What people type in the search box, read once into a Query that each backend writes in its own
syntax. Nothing typed reaches SQL as text: the backends quote every word and pass it as a parameter.

Syntax (docs/search.md): words (all must match), "a phrase", -word or -"a phrase" (must not match),
a OR b, and filters: kind:policy, owner:northwind, tlp:amber, topic:grooming, status:published,
lang:fr, after:2025-01-01, before:2026 (a year or a date; the document's last change), and
in:documents, in:comments or in:proposals; in:principles, in:records or in:mileposts.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_QUERY_CHARS = 200
MAX_TERMS = 16

FILTERS = {
    "kind": "kind",
    "owner": "owner",
    "org": "owner",
    "tlp": "tlp",
    "topic": "topic",
    "status": "status",
    "lang": "language",
    "language": "language",
    "before": "before",
    "after": "after",
    "in": "type",
    "type": "type",
}
TYPE_WORDS = {
    "document": "document",
    "documents": "document",
    "comment": "comment",
    "comments": "comment",
    "proposal": "proposal",
    "proposals": "proposal",
    # Beside the documents (coalition/search/reporting.py).
    "principle": "principle",
    "principles": "principle",
    "record": "record",
    "records": "record",
    "implementation": "record",
    "milepost": "milepost",
    "mileposts": "milepost",
}
TLP_WORDS = {"clear": "clear", "green": "green", "amber": "amber", "amber+strict": "amber_strict", "red": "red"}
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[\w][\w'’.-]*", re.UNICODE)


class QueryError(ValueError):
    """A query that cannot be searched, with a message for the person who typed it."""


@dataclass(frozen=True)
class Term:
    """A word or a phrase (several words in order); `prefix` matches words that start with it."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass
class Query:
    # Each group matches if any of its terms does; every group must match.
    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    after: datetime.date | None = None
    before: datetime.date | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    def words(self) -> list[str]:
        return [word for group in self.groups for term in group for word in term.words]


def _words(text: str) -> tuple[str, ...]:
    return tuple(match.group(0).strip("'’.-") for match in _WORD.finditer(text) if match.group(0).strip("'’.-"))


def _date(value: str, *, end: bool) -> datetime.date:
    try:
        if re.fullmatch(r"\d{4}", value):
            return datetime.date(int(value), 12, 31) if end else datetime.date(int(value), 1, 1)
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise QueryError(_("Write dates as 2026 or 2026-03-31 (you wrote “%(value)s”).") % {"value": value}) from None


def parse(text: str, *, prefix_last: bool = False) -> Query:
    """Read a query. Raises QueryError with a message to show when it cannot be searched.
    `prefix_last`: the last word typed is a prefix (suggestions while typing)."""
    text = unicodedata.normalize("NFC", (text or "").replace("\x00", " "))
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            _("That search is too long (%(length)s characters; the limit is %(limit)s).")
            % {"length": f"{len(text):,}", "limit": MAX_QUERY_CHARS}
        )
    query = Query()
    pending_or = False
    tokens = list(_TOKEN.finditer(text))
    for position, token in enumerate(tokens):
        negative, phrase, bare = token.group(1), token.group(2), token.group(3)
        if bare is not None and bare == "OR":
            pending_or = bool(query.groups)
            continue
        if bare is not None and ":" in bare.lstrip("-"):
            name, _colon, value = bare.lstrip("-").partition(":")
            if name.lower() in FILTERS and value:
                _add_filter(query, FILTERS[name.lower()], value)
                pending_or = False
                continue
        if phrase is not None:
            words = _words(phrase)
            excluded = bool(negative)
        else:
            assert bare is not None
            excluded = bare.startswith("-") and len(bare) > 1
            words = _words(bare[1:] if excluded else bare)
        if not words:
            continue
        last = position == len(tokens) - 1
        term = Term(words, prefix=prefix_last and last and phrase is None and not text.endswith(" "))
        if excluded:
            query.excluded.append(term)
        elif pending_or and query.groups:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    if len(query.groups) + len(query.excluded) > MAX_TERMS:
        raise QueryError(_("Use at most %(limit)s words or phrases.") % {"limit": MAX_TERMS})
    if query.excluded and not query.groups:
        raise QueryError(_("Add a word to look for: a minus sign only leaves words out."))
    if not query.has_text and not query.filters and query.after is None and query.before is None:
        raise QueryError(_("Type a word to look for."))
    return query


def _add_filter(query: Query, name: str, value: str) -> None:
    value = value.strip().lower()
    if name == "after":
        query.after = _date(value, end=False)
    elif name == "before":
        query.before = _date(value, end=True)
    elif name == "tlp":
        label = TLP_WORDS.get(value.removeprefix("tlp:").replace("_", "+"))
        if label is None:
            raise QueryError(_("TLP labels are clear, green, amber, amber+strict and red."))
        query.filters["tlp"] = label
    elif name == "type":
        kind = TYPE_WORDS.get(value)
        if kind is None:
            raise QueryError(
                _("Search in:documents, in:comments, in:proposals, in:principles, in:records or in:mileposts.")
            )
        query.filters["type"] = kind
    else:
        query.filters[name] = value[:80]


# --- Backend syntax ------------------------------------------------------------------------------


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.words).replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


def fts5(query: Query) -> str:
    """SQLite FTS5 MATCH text: every word in double quotes (so no word is read as an operator)."""
    groups = [
        "(" + " OR ".join(_fts5_term(t) for t in group) + ")" if len(group) > 1 else _fts5_term(group[0])
        for group in query.groups
    ]
    text = " AND ".join(groups)
    for term in query.excluded:
        text += " NOT " + _fts5_term(term)
    return text


def postgres(query: Query, *, loose: bool = False) -> tuple[list[list[tuple[str, str]]], list[tuple[str, str]]]:
    """The query for PostgreSQL, one tsquery function and its text per term, for the backend to
    combine: every group must match (&&), any term of a group (||), no excluded term (!!). That is
    the reading fts5() gives SQLite: `a b OR c` is a AND (b OR c). (websearch_to_tsquery on the
    whole text would read it as (a AND b) OR c.)

    A phrase (or a word the parser splits, such as child-safety) is phraseto_tsquery: its words in
    order. `loose`: each phrase as its words in any order and place (plainto_tsquery), and no
    phrase left out: a query that matches everything the exact one does, and that a GIN index
    answers without reading a single vector (only word positions need the vectors). A prefix is
    to_tsquery of letters and digits only (postgres_prefix), so nothing typed is read as syntax."""

    def one(term: Term) -> tuple[str, str]:
        if term.prefix:
            return "to_tsquery", postgres_prefix(term)
        return ("plainto_tsquery" if loose else "phraseto_tsquery"), " ".join(term.words)

    groups = [[one(term) for term in group if postgres_prefix(term) or not term.prefix] for group in query.groups]
    excluded = [
        one(term)
        for term in query.excluded
        if not (loose and len(term.words) > 1) and (postgres_prefix(term) or not term.prefix)
    ]
    return [group for group in groups if group], excluded


def has_phrase(query: Query) -> bool:
    """Whether postgres(query, loose=True) says less than postgres(query)."""
    return any(len(term.words) > 1 for group in [*query.groups, query.excluded] for term in group)


def postgres_prefix(term: Term) -> str:
    """A prefix term as to_tsquery() text ('child & protect:*'), or "" if it has no letters or
    digits (or is no prefix)."""
    parts = [part for word in term.words for part in re.split(r"[\W_]+", word) if part]
    return " & ".join(parts) + ":*" if term.prefix and parts else ""


def postgres_prefixes(query: Query) -> list[str]:
    """The prefix terms, as to_tsquery() text."""
    return [text for group in query.groups for term in group if (text := postgres_prefix(term))]
