"""Search over principles, implementation records and mileposts: each kind its own statement on
its own small index table (coalition/search/models.py), with the access module's rule for that
kind in the same statement as the match, so the documents' search (backends.py) is not touched on its hot path.

    entries of one kind AND the access module's reading rule on the joined item's live columns
    AND the words (PostgreSQL: vector @@ tsquery on the GIN index; SQLite: FTS5 MATCH)
    ORDER BY rank LIMIT one section (the first page only)

plus a capped count per kind (COUNT_LIMIT + 1 rows at most), and the passages for the rows shown,
cut by the backend and escaped before the matches are marked (as for documents).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Case, Expression, F, FloatField, IntegerField, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from coalition import access
from coalition.search import query as syntax
from coalition.search.backends import COUNT_LIMIT, PAGE_SIZE, marked, pg_tsquery, planned_as_lookups
from coalition.search.models import REPORTING_CONFIG as PG_CONFIG
from coalition.search.models import REPORTING_MODELS, ReportingEntry, ReportingKind

Kind = ReportingKind
KINDS = (Kind.PRINCIPLE, Kind.RECORD, Kind.MILEPOST)
SECTION_SIZE = 5  # hits per kind beside the documents; PAGE_SIZE when the search is in: that kind
SUGGESTIONS = 5
BM25 = "bm25({table}, 10.0, 1.0)"  # title, body: as setweight's A and C

# The box's filters each kind understands (as lookups from its entry); a search with any other
# filter (kind:, topic:, status:, lang:) is about documents and does not search this kind.
FILTERS: dict[str, dict[str, str]] = {
    Kind.PRINCIPLE: {},
    Kind.RECORD: {
        "owner": "record__organisation__slug__startswith",
        "tlp": "record__tlp",
        "date": "record__updated_at__date",
    },
    Kind.MILEPOST: {
        "owner": "milepost__organisation__slug__startswith",
        "tlp": "milepost__tlp",
        "date": "milepost__date",
    },
}
NEWEST: dict[str, tuple[str, str]] = {
    Kind.PRINCIPLE: ("-principle__updated_at", "-principle_id"),
    Kind.RECORD: ("-record__updated_at", "-record_id"),
    Kind.MILEPOST: ("-milepost__date", "-milepost_id"),
}
RELATED: dict[str, tuple[str, ...]] = {
    Kind.PRINCIPLE: ("principle__framework",),
    Kind.RECORD: ("record__organisation", "record__principle__framework"),
    Kind.MILEPOST: ("milepost__organisation",),
}


def labels() -> dict[str, str]:
    """Each kind's name as a section and a facet value."""
    return {
        Kind.PRINCIPLE: gettext("Principles"),
        Kind.RECORD: gettext("Implementation records"),
        Kind.MILEPOST: gettext("Mileposts"),
    }


@dataclass
class Hit:
    kind: str
    title: SafeString
    snippet: SafeString
    url: str
    item: Any  # the Principle, ImplementationRecord or Milepost, with what its line shows


@dataclass
class Section:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    count_capped: bool = False
    more_q: str = ""  # the search in this kind only (the results page sets it)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.hits)


def searches_documents(query: syntax.Query) -> bool:
    return query.filters.get("type") not in KINDS


def kinds_for(query: syntax.Query) -> list[str]:
    """The kinds this search looks in: the one chosen with in:, else all of them, less those
    that a filter in the search does not apply to."""
    chosen = query.filters.get("type")
    if chosen is not None and chosen not in KINDS:
        return []
    others = set(query.filters) - {"type"}
    if query.after is not None or query.before is not None:
        others.add("date")
    return [kind for kind in ([chosen] if chosen else KINDS) if others <= set(FILTERS[kind])]


def readable(user: Any, kind: str) -> QuerySet[Any]:
    """The entries of one kind this person may read: the access module's rule for that kind."""
    entries: QuerySet[Any] = REPORTING_MODELS[kind]._default_manager.all()
    if kind == Kind.PRINCIPLE:
        return entries.filter(access.readable_principles_condition(user, "principle"))
    if kind == Kind.RECORD:
        return entries.filter(access.readable_records_condition(user, "record"))
    return entries.filter(access.readable_mileposts_condition(user, "milepost"))


class _PgMatch(Expression):
    """vector @@ the query: the GIN index's own expression."""

    conditional = True

    def __init__(self, query: syntax.Query) -> None:
        super().__init__(output_field=BooleanField())
        self.query = query

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        vector, _ = compiler.compile(F("vector").resolve_expression(compiler.query))
        tsquery, params = pg_tsquery(self.query, PG_CONFIG)
        return f"{vector} @@ {tsquery}", tuple(params)


def matching(user: Any, query: syntax.Query, kind: str) -> QuerySet[Any]:
    """Entries of one kind this person may read that match the query (its filters included)."""
    entries = readable(user, kind)
    lookups = FILTERS[kind]
    for name, value in query.filters.items():
        if name != "type":
            entries = entries.filter(**{lookups[name]: value})
    if query.after is not None:
        entries = entries.filter(**{f"{lookups['date']}__gte": query.after})
    if query.before is not None:
        entries = entries.filter(**{f"{lookups['date']}__lte": query.before})
    if not query.has_text:
        return entries
    if connection.vendor == "postgresql":
        return entries.filter(_PgMatch(query))
    # The join to FTS5 (its rowid is the entry id) and MATCH exactly as FTS5 wants it in WHERE.
    where = f"{REPORTING_MODELS[kind].fts_table} MATCH %s"
    return entries.filter(fts__isnull=False).extra(where=[where], params=[syntax.fts5(query)])  # noqa: S610


def _ordered(entries: QuerySet[Any], query: syntax.Query, kind: str, sort: str) -> QuerySet[Any]:
    if sort == "newest" or not query.has_text:
        return entries.order_by(*NEWEST[kind])
    if connection.vendor == "postgresql":
        tsquery, params = pg_tsquery(query, PG_CONFIG)
        table = REPORTING_MODELS[kind]._meta.db_table
        rank = RawSQL(f"ts_rank_cd({table}.vector, {tsquery}, 1)", params, output_field=FloatField())  # noqa: S611
        return entries.annotate(rank=rank).order_by("-rank", *NEWEST[kind])
    bm25 = RawSQL(BM25.format(table=REPORTING_MODELS[kind].fts_table), [], output_field=FloatField())  # noqa: S611
    return entries.annotate(rank=bm25).order_by("rank", *NEWEST[kind])


def _bounded(found: QuerySet[Any]) -> QuerySet[Any]:
    """Beyond COUNT_LIMIT matches, rank among the COUNT_LIMIT newest entries only, as the documents
    do (the access rule and the match stay in the ranking statement; the ids only bound it)."""
    newest = "-pk" if connection.vendor == "postgresql" else "-fts__entry"
    recent = list(found.order_by(newest).values_list("pk", flat=True)[:COUNT_LIMIT])
    return found.filter(pk__in=recent)


def _one_line(passage: str) -> str:
    """An entry's parts are stored one a line (a record's organisation, its evidence, its notes); a
    passage shows them on one line with a separator, so that they do not run into each other."""
    return " · ".join(part.strip() for part in passage.splitlines() if part.strip())


def _snippets(
    shown: dict[str, list[int]], query: syntax.Query, start: str, stop: str
) -> dict[tuple[str, int], tuple[str, str]]:
    """(passage, title) with the markers, for the entries shown of each kind: one statement."""
    shown = {kind: ids for kind, ids in shown.items() if ids}
    if not shown or not query.has_text:
        return {}
    parts, params = [], []
    for kind, ids in shown.items():
        model = REPORTING_MODELS[kind]
        if connection.vendor == "postgresql":
            tsquery, tsparams = pg_tsquery(query, PG_CONFIG)
            options = (
                f"StartSel={start}, StopSel={stop}, MaxWords=32, MinWords=12, MaxFragments=2, FragmentDelimiter=' … '"
            )
            parts.append(
                f"SELECT '{kind}', id, ts_headline('{PG_CONFIG}', left(body, 100000), {tsquery}, %s),"  # noqa: S608
                f" ts_headline('{PG_CONFIG}', title, {tsquery}, %s) FROM {model._meta.db_table} WHERE id = ANY(%s)"
            )
            params += [*tsparams, options, *tsparams, f"HighlightAll=true, StartSel={start}, StopSel={stop}", ids]
        else:
            table, marks = model.fts_table, ", ".join(["%s"] * len(ids))
            parts.append(
                f"SELECT '{kind}', rowid, snippet({table}, 1, %s, %s, ' … ', 24), highlight({table}, 0, %s, %s)"  # noqa: S608
                f" FROM {table} WHERE {table} MATCH %s AND rowid IN ({marks})"
            )
            params += [start, stop, start, stop, syntax.fts5(query), *ids]
    # Constant text (each kind's table); the words and ids are parameters.
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {(row[0], row[1]): (row[2], row[3]) for row in cursor.fetchall()}


def _item(entry: ReportingEntry) -> Any:
    """The Principle, ImplementationRecord or Milepost an entry is for."""
    return getattr(entry, entry.item_field)


def _plain(kind: str, item: Any) -> tuple[str, str]:
    """(title, passage) when the backend cut none: a search of filters only."""
    if kind == Kind.PRINCIPLE:
        return f"{item.code} {item.title}", item.text
    if kind == Kind.RECORD:
        return f"{item.principle.code} {item.principle.title}", ""
    return item.text, ""


def url_of(kind: str, item: Any) -> str:
    """Where a hit opens: the principle's page, the record's, or the milepost in its list."""
    if kind == Kind.PRINCIPLE:
        return reverse("principles:principle", args=[item.framework.slug, item.code])
    if kind == Kind.RECORD:
        return reverse("principles:record", args=[item.pk])
    return reverse("principles:mileposts") + f"?org={item.organisation.slug}&year={item.date.year}#milepost-{item.pk}"


def search(user: Any, query: syntax.Query, *, sort: str = "relevance") -> list[Section]:
    """One section per kind this search looks in: its first hits and its capped count. Two
    statements per kind (the count, the hits) and one for the passages, whatever is found.

    Planned as lookups (below)."""
    with _planned_as_lookups():
        return _search(user, query, sort=sort)


@contextmanager
def _planned_as_lookups() -> Iterator[None]:
    """The documents' planner settings (backends.planned_as_lookups: no hash or merge joins), and
    no parallel workers. Measured at 125,000 records (bench/search_principles.py): with hash joins
    PostgreSQL hashed the whole records table against a handful of matches (40 ms for none), and
    for the first hits by rank it chose a parallel scan of the whole index table over the GIN
    index (60 to 130 ms for none); so planned, 0.2 to 0.5 ms."""
    with planned_as_lookups():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _search(user: Any, query: syntax.Query, *, sort: str) -> list[Section]:
    kinds = kinds_for(query)
    size = PAGE_SIZE if query.filters.get("type") in KINDS else SECTION_SIZE
    names = labels()
    sections, shown = [], {}
    for kind in kinds:
        found = matching(user, query, kind)
        count = found[: COUNT_LIMIT + 1].count()
        ranked = _bounded(found) if count > COUNT_LIMIT and sort == "relevance" and query.has_text else found
        rows = list(
            _ordered(ranked, query, kind, sort).defer("title", "body", "vector").select_related(*RELATED[kind])[:size]
        )
        sections.append(
            (Section(kind, names[kind], count=min(count, COUNT_LIMIT), count_capped=count > COUNT_LIMIT), rows)
        )
        shown[kind] = [entry.pk for entry in rows]
    begin, end = f"qs{secrets.token_hex(6)}b", f"qs{secrets.token_hex(6)}e"
    snippets = _snippets(shown, query, begin, end)
    for section, rows in sections:
        for entry in rows:
            item = _item(entry)
            plain_title, plain_passage = _plain(entry.kind, item)
            passage, title = snippets.get((entry.kind, entry.pk), ("", ""))
            section.hits.append(
                Hit(
                    kind=entry.kind,
                    title=marked(title or plain_title, begin, end),
                    snippet=marked(_one_line(passage or plain_passage), begin, end),
                    url=url_of(entry.kind, item),
                    item=item,
                )
            )
    return [section for section, _ in sections]


def finds_any(user: Any, query: syntax.Query) -> bool:
    """Whether this person finds anything of these kinds ("did you mean" confirms with it)."""
    with _planned_as_lookups():
        return any(matching(user, query, kind).exists() for kind in kinds_for(query))


def suggest(user: Any, text: str) -> list[tuple[str, str]]:
    """Principles for the box while someone types (the last word a prefix): (address, "code
    title (framework)"), a principle whose code is what was typed first; one statement."""
    try:
        query = syntax.parse(text, prefix_last=True)
    except syntax.QueryError:
        return []
    if not query.has_text or Kind.PRINCIPLE not in kinds_for(query):
        return []
    exact = Case(
        When(principle__code__iexact=text.strip(), then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    found = _ordered(matching(user, query, Kind.PRINCIPLE), query, Kind.PRINCIPLE, "relevance")
    rows = found.annotate(exact=exact).order_by("exact", *found.query.order_by).select_related("principle__framework")
    out = []
    with _planned_as_lookups():
        entries = list(rows.defer("title", "body", "vector")[:SUGGESTIONS])
    for entry in entries:
        principle: Any = entry.principle
        framework = principle.framework.short_name or principle.framework.name
        out.append((url_of(Kind.PRINCIPLE, principle), f"{principle.code} {principle.title} ({framework})"))
    return out


__all__ = ["KINDS", "Hit", "Section", "finds_any", "kinds_for", "search", "searches_documents", "suggest"]
