"""The search itself: the access module's predicate, the match and the ranking in one statement.

    entries the person may read (access.visible_documents_at, on the joined document's columns)
    AND the revision they read (the working copy or the published text: access.working_copy_condition)
    AND the words (PostgreSQL: vector @@ tsquery on the GIN index; SQLite: FTS5 MATCH)
    ORDER BY rank (ts_rank_cd or bm25, then recency) LIMIT one page and one row

On PostgreSQL one statement (_newest_pg) takes the newest COUNT_LIMIT + 1 readable matches, slice
by slice of entry ids from the GIN index, with their facets and ranks (for someone whose only
audience is the public, from the public entries' indexes, with their grants by name beside:
_routes); the page is chosen among them and read again by id with the whole predicate (access and
match).

Snippets are made for the rows of the page only, with markers chosen at random for each search
and replaced by <mark> after the text is escaped, so member text is never read as HTML.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    CharField,
    Expression,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, ExtractYear
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from coalition import access
from coalition.library.models import LANGUAGES, TLP, Document, Topic
from coalition.search import query as syntax
from coalition.search.models import WORD_MAX_LENGTH, WORD_MIN_LENGTH, Entry, Word, fold

PAGE_SIZE = 20
COUNT_LIMIT = 1000
SORTS = ("relevance", "newest")
PG_CONFIGS = ("english", "french", "simple")
# The newest-first walk takes the entries' ids in slices of this many (migration 0005 indexes
# id / SLICE beside the vector: change both together).
SLICE = 16384
# A word being typed is looked up as the known words it begins when there are at most this many
# (PostgreSQL: _completed).
PREFIX_WORDS = 32
# bm25 column weights (title, summary, topics, body), as setweight's A, B, B, C on PostgreSQL.
BM25 = "bm25(search_fts, 10.0, 4.0, 4.0, 1.0)"


@dataclass
class Hit:
    document: Document
    variant: str
    revision_number: int | None
    title: SafeString
    snippet: SafeString
    kind: str = Entry.Kind.DOCUMENT
    url: str = ""


@dataclass
class Results:
    hits: list[Hit]
    page: int
    has_next: bool
    count: int
    count_capped: bool
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1


def readable_entries(user: Any) -> QuerySet[Entry]:
    """The entries whose text this person reads: documents they may read (the same rule as the
    library) and, of each, the revision they read."""
    entries = access.visible_documents_at(user, Entry.objects.all(), "document")
    working = access.working_copy_condition(user, "document")
    return entries.filter(
        Q(variant=Entry.Variant.ALL)
        | (Q(variant=Entry.Variant.WORKING) & working)
        | (Q(variant=Entry.Variant.PUBLISHED) & ~working)
    )


def _filtered(entries: QuerySet[Entry], query: syntax.Query) -> QuerySet[Entry]:
    lookups = {
        "kind": "document__kind",
        "owner": "document__owner__slug__startswith",
        "tlp": "document__tlp",
        "topic": "document__topics__slug",
        "status": "document__status",
        "language": "document__language",
        "type": "kind",
    }
    for name, value in query.filters.items():
        entries = entries.filter(**{lookups[name]: value})
    if query.after is not None:
        entries = entries.filter(document__updated_at__date__gte=query.after)
    if query.before is not None:
        entries = entries.filter(document__updated_at__date__lte=query.before)
    return entries


# --- PostgreSQL ------------------------------------------------------------------------------------


def pg_tsquery(query: syntax.Query, config: str, *, loose: bool = False) -> tuple[str, list[Any]]:
    """The tsquery for one text search configuration, term by term (syntax.postgres: groups
    joined by &&, a group's terms by ||, excluded terms negated; `loose`: phrases as their words)."""
    groups, excluded = syntax.postgres(query, loose=loose)
    params: list[Any] = []

    def one(function: str, text: str) -> str:
        params.append(text)
        return f"{function}('{config}', %s)"

    parts = ["(" + " || ".join(one(function, text) for function, text in group) + ")" for group in groups]
    parts += [f"!!{one(function, text)}" for function, text in excluded]
    return "(" + (" && ".join(parts) or "''::tsquery") + ")", params


class _PgMatch(Expression):
    """vector @@ the query in the entry's own configuration, one indexable arm per configuration.

    `sliced`: each arm also names the slice of entry ids (id / SLICE) that the newest-first walk
    is at (`search_slice.n`, from the walk's statement), so that PostgreSQL takes the slice's
    matches from the GIN index alone (the per-configuration indexes on (id / SLICE, vector) of
    migration 0005: the slice and the words are intersected inside the index, no vector is read).
    `loose`: phrases as their words (syntax.postgres), which the GIN index answers exactly; the
    walk then checks the phrase itself on the rows the person may read only. `looked_up=False`:
    the same test, never planned as an index lookup (for a page of rows read by id)."""

    conditional = True

    def __init__(
        self, query: syntax.Query, *, sliced: bool = False, loose: bool = False, looked_up: bool = True
    ) -> None:
        super().__init__(output_field=BooleanField())
        self.query = query
        self.sliced = sliced
        self.loose = loose
        self.looked_up = looked_up

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        vector, _ = compiler.compile(F("vector").resolve_expression(compiler.query))
        config, _ = compiler.compile(F("config").resolve_expression(compiler.query))
        within = ""
        if self.sliced:
            entry_id, _ = compiler.compile(F("pk").resolve_expression(compiler.query))
            # Exactly the indexed expression (id / SLICE, bigint), or the index is not used.
            within = f" AND {entry_id} / {SLICE} = search_slice.n"
        arms, params = [], []
        for name in PG_CONFIGS:
            tsquery, tsparams = pg_tsquery(self.query, name, loose=self.loose)
            # The operator's own function is not matched to an index: for a page read by id, the
            # planner would otherwise look a phrase up in the GIN index (its estimate of a
            # phrase's matches is far too low) and check thousands of vectors.
            test = f"{vector} @@ {tsquery}" if self.looked_up else f"ts_match_vq({vector}, {tsquery})"
            arms.append(f"({config} = '{name}'{within} AND {test})")
            params += tsparams
        return "(" + " OR ".join(arms) + ")", tuple(params)


def _pg_query_case(query: syntax.Query, config_sql: str) -> tuple[str, list[Any]]:
    """CASE config WHEN 'english' THEN its tsquery ... END, for ranking and headlines."""
    sql, params = f"CASE {config_sql}", []
    for name in PG_CONFIGS:
        tsquery, tsparams = pg_tsquery(query, name)
        sql += f" WHEN '{name}' THEN {tsquery}"
        params += tsparams
    return sql + " END", params


def _pg_rank(query: syntax.Query) -> RawSQL:
    case, params = _pg_query_case(query, "search_entry.config")
    # Cover density (terms close together), normalised by length, then newer first among equals.
    return RawSQL(f"ts_rank_cd(search_entry.vector, {case}, 1)", params, output_field=FloatField())  # noqa: S611


def _pg_snippets(ids: list[int], query: syntax.Query, start: str, stop: str) -> dict[int, tuple[str, str]]:
    if not ids or not query.has_text:
        return {}
    case, params = _pg_query_case(query, "config")
    options = f"StartSel={start}, StopSel={stop}, MaxWords=32, MinWords=12, MaxFragments=2, FragmentDelimiter=' … '"
    sql = (
        f"SELECT id, ts_headline(config::regconfig, left(body, 100000), {case}, %s),"  # noqa: S608 - constant text
        f" ts_headline(config::regconfig, title, {case}, %s) FROM search_entry WHERE id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, options, *params, f"HighlightAll=true, StartSel={start}, StopSel={stop}", ids])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


# --- SQLite ----------------------------------------------------------------------------------------


def _sqlite_match(entries: QuerySet[Entry], query: syntax.Query) -> QuerySet[Entry]:
    # The join to FTS5 (its rowid is the entry id) and MATCH exactly as FTS5 wants it in WHERE.
    return entries.filter(fts__isnull=False).extra(where=["search_fts MATCH %s"], params=[syntax.fts5(query)])


def _sqlite_snippets(ids: list[int], query: syntax.Query, start: str, stop: str) -> dict[int, tuple[str, str]]:
    if not ids or not query.has_text:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT rowid, snippet(search_fts, 3, %s, %s, ' … ', 32), highlight(search_fts, 0, %s, %s)"  # noqa: S608
        f" FROM search_fts WHERE search_fts MATCH %s AND rowid IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, stop, start, stop, syntax.fts5(query), *ids])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


# --- Facets ----------------------------------------------------------------------------------------

# name -> (the value's lookup from an entry, its label's lookup or None for a choice field).
FACETS = {
    "type": ("kind", None),
    "kind": ("document__kind", None),
    "owner": ("document__owner__slug", "document__owner__name"),
    "topic": ("document__topics__slug", "document__topics__name"),
    "tlp": ("document__tlp", None),
    "status": ("document__status", None),
    "language": ("document__language", None),
    "year": ("year", None),
}
FACET_VALUES = 12  # the most frequent values shown per facet
# Every facet but topics has one value per entry: read with the sample, counted here.
_ROW_FACETS = [name for name in FACETS if name != "topic"]


def _sample_rows(found: QuerySet[Entry]) -> Any:
    """What the facets count, per matching entry, their document's topic ids included."""
    fields = ["pk"]
    for name in _ROW_FACETS:
        value, label = FACETS[name]
        fields += [value] + ([label] if label else [])
    topic_ids = (
        Document.topics.through.objects.filter(document_id=OuterRef("document_id"))
        .order_by()
        .values("document_id")
        .annotate(ids=StringAgg(Cast("topic_id", CharField()), delimiter=Value(",")))
        .values("ids")  # type: ignore[misc]  # the annotation above (django-stubs does not see it)
    )
    rows = found.annotate(year=ExtractYear("document__updated_at"), topic_ids=Subquery(topic_ids))
    return rows.values_list(*fields, "topic_ids")


def _sample(found: QuerySet[Entry], *, with_facets: bool) -> list[tuple[Any, ...]]:
    """The first COUNT_LIMIT + 1 matching entries (SQLite: in no order), with what the facets
    count: one statement, the same permission-filtered match. Its length is the capped count."""
    rows: Any = _sample_rows(found) if with_facets else found.values_list("pk")
    return list(rows[: COUNT_LIMIT + 1])


@dataclass(frozen=True)
class _Route:
    entries: QuerySet[Entry]
    # Looked up from the documents' grants (a handful of documents), not walked by slices.
    by_grant: bool = False


def _routes(user: Any, searched: QuerySet[Entry], entries: QuerySet[Entry] | None) -> list[_Route]:
    """Where the newest-first walk takes this person's matches from (PostgreSQL).

    Most people: every entry they read, walked slice by slice. Someone whose only audience is the
    public (access.audience_is_public_only: a visitor, an account in no organisation) reads about
    one document in eight; walking every entry, their 1,001st match lay some 11,000 matches deep
    (150-190 ms at 1,000,000 documents). Their walk takes the entries hinted public instead, from
    the public entries' own slice indexes (migration 0006), and beside it, an account's documents
    granted to them by name, looked up from their grants: one statement. Both keep the whole access
    predicate (`searched`), so the hint only says where to look: a stale one could hide an entry,
    never show one."""
    if entries is not None or not access.audience_is_public_only(user):
        return [_Route(searched)]
    routes = [_Route(searched.filter(public=True))]
    granted = access.granted_to_person_condition(user, "document")
    if granted is not None:
        routes.append(_Route(searched.filter(granted, public=False), by_grant=True))
    return routes


def _newest_pg(
    routes: list[_Route], query: syntax.Query, *, with_facets: bool, ranked: bool
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """PostgreSQL: the newest COUNT_LIMIT + 1 matching entries this person reads, newest first,
    in one statement: what the facets count, per entry (their number is the capped count), and
    each one's (id, rank (`ranked`, else 0), last change, document id), by which the page is
    chosen among the first COUNT_LIMIT, by rank or by last change (every page there is to see;
    the results page says so). The entries come from `routes` (_routes), each newest first, and
    their union is newest first again.

    A route is walked backwards a slice (SLICE ids) at a time, and the walk stops at the
    COUNT_LIMIT + 1-th row. In each slice the GIN index gives the matches (the words and the
    slice intersected in the index: no vector is read), the access predicate is joined to them,
    and a phrase is checked in its vectors only for the rows the person reads (the index is asked
    for its words in any order: see syntax.postgres). Walking the primary key instead, and
    checking the words in each entry's vector, read some 50,000 vectors for a phrase in 2% of a
    million documents (docs/performance.md, "Search"). "Newest" is the entry's id: an entry is
    written anew whenever its text changes."""
    walks = [_walk(route, query, with_facets=with_facets, ranked=ranked) for route in routes]
    kept, statement, params = walks[0]
    if len(walks) > 1:
        # Each route is one part of the entries by its hint (public or not): no entry twice.
        union = " UNION ALL ".join(f"({sql})" for _, sql, _ in walks)
        statement = f"SELECT * FROM ({union}) AS w ORDER BY 1 DESC LIMIT {COUNT_LIMIT + 1}"  # noqa: S608
        params = [param for _, _, walk_params in walks for param in walk_params]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    return [row[:kept] for row in found], [(row[0], *row[kept:]) for row in found]


def _walk(route: _Route, query: syntax.Query, *, with_facets: bool, ranked: bool) -> tuple[int, str, list[Any]]:
    """One route's statement for _newest_pg: (how many columns are the facets' or the id, the
    SQL, its parameters)."""
    phrase = syntax.has_phrase(query) and not route.by_grant
    # A prefix is looked up in the index by reading every word it begins (the posting lists of
    # all of them, into a bitmap): once per slice, that grows with the slices and the matches
    # both (0.8 ms a slice at 200,000 documents for a word in 1% of them). With a prefix, the
    # matches are therefore taken from the index once, and sorted. A person's grants are read
    # first, and their entries' vectors checked (never looked up in the index).
    sliced = not syntax.postgres_prefixes(query) and not route.by_grant
    match = _PgMatch(query, sliced=sliced, loose=phrase, looked_up=not route.by_grant)
    inner = route.entries.filter(match)
    rows: Any = _sample_rows(inner) if with_facets else inner.values_list("pk")
    kept = len(rows._fields)
    rows = rows.annotate(
        search_config=F("config"),
        search_vector=F("vector"),
        search_updated=F("document__updated_at"),
        search_document=F("document_id"),
    )
    rows = rows.values_list(*rows._fields, "search_config", "search_vector", "search_updated", "search_document")
    # Unsliced, ordered by an expression rather than the id itself, which the planner would take
    # as leave to walk the primary key and check each entry's vector (the plan this replaces).
    newest = "-pk" if sliced else (F("pk") + 0).desc()
    sql, params = rows.order_by(newest).query.sql_with_params()
    names = [f"c{i}" for i in range(len(rows._fields))]  # the columns in the order asked for
    config, vector, updated, document = (f"s.{name}" for name in names[kept:])
    select, select_params = [f"s.{name}" for name in names[:kept]], list[Any]()
    if ranked:
        case, select_params = _pg_query_case(query, config)
        select.append(f"ts_rank_cd({vector}, {case}, 1)")
    else:
        select.append("0")
    select += [updated, document]
    exact, exact_params = "", list[Any]()
    if phrase:
        # Outside the fence (OFFSET 0), so not in the slice's own scan: vectors are read only
        # for the loose matches the person may read, in order, until there are enough.
        arms = []
        for name in PG_CONFIGS:
            tsquery, tsparams = pg_tsquery(query, name)
            arms.append(f"({config} = '{name}' AND {vector} @@ {tsquery})")
            exact_params += tsparams
        exact = " WHERE " + " OR ".join(arms)
    slices = f"generate_series((SELECT max(id) FROM search_entry) / {SLICE}, 0, -1) AS search_slice(n)"  # noqa: S608
    source = f"{slices} CROSS JOIN LATERAL " if sliced else ""
    fence = " OFFSET 0" if phrase else ""
    statement = (
        f"SELECT {', '.join(select)} FROM {source}({sql}{fence}) AS s({', '.join(names)})"  # noqa: S608
        f"{exact} LIMIT {COUNT_LIMIT + 1}"
    )
    return kept, statement, [*select_params, *params, *exact_params]


def _completed(query: syntax.Query) -> syntax.Query:
    """PostgreSQL: a word being typed (a prefix term) as the known words it begins, when there are
    at most PREFIX_WORDS of them (spelling's Word list, by its index), so that the walk looks exact
    words up in the GIN index, skipping to each slice, instead of reading every posting list the
    prefix begins, whole, at every slice (or reading and sorting every match at once). The words
    typed so far count among them. Longer lists, and prefixes that are not a word of letters
    (`covid1`, `child-s`), stay prefixes.

    What differs from to_tsquery's own prefix: a prefix is stemmed before it is matched (`happy`
    finds `happiness`, stemmed `happi`), the completions are words that begin with what was
    typed; and words of fewer than three letters or with digits are not in the list."""

    def completed(terms: list[syntax.Term]) -> list[syntax.Term]:
        return [word for term in terms for word in (_completions(term) or [term])]

    return dataclasses.replace(
        query, groups=[completed(group) for group in query.groups], excluded=completed(query.excluded)
    )


def _completions(term: syntax.Term) -> list[syntax.Term]:
    if not term.prefix or len(term.words) != 1:
        return []
    typed = fold(term.words[0])
    if not (typed.isalpha() and WORD_MIN_LENGTH <= len(typed) <= WORD_MAX_LENGTH):
        return []
    words = list(Word.objects.filter(text__startswith=typed).values_list("text", flat=True)[: PREFIX_WORDS + 1])
    if len(words) > PREFIX_WORDS:
        return []
    return [syntax.Term((word,)) for word in dict.fromkeys([typed, *words])]


def _chosen(walked: list[tuple[Any, ...]], *, relevance: bool) -> list[int]:
    """PostgreSQL: the ids of the first COUNT_LIMIT entries the walk found (_newest_pg), by rank
    then recency, or by recency (as _ordered orders them). Sorting every match by rank or by its
    document's last change instead read and sorted them all (1.6-2.2 s for a word in a quarter of
    200,000 documents, sorted by newest, or a prefix of it in the suggestions)."""

    def order(row: tuple[Any, ...]) -> tuple[Any, ...]:
        pk, rank, updated, document = row
        return (rank, updated, document, pk) if relevance else (updated, document, pk)

    return [row[0] for row in sorted(walked[:COUNT_LIMIT], key=order, reverse=True)]


def facets(sample: list[tuple[Any, ...]]) -> dict[str, list[tuple[str, str, int]]]:
    """Counts per value over the results (the first COUNT_LIMIT of them when there are more),
    from the sample's own values: no count tells of an unreadable document. Topic names are then
    read for the most frequent topic ids (one query; topics are the library's shared vocabulary)."""
    choices: dict[str, dict[Any, Any]] = {
        "type": {
            Entry.Kind.DOCUMENT: gettext("Documents"),
            Entry.Kind.COMMENT: gettext("Comments"),
            Entry.Kind.PROPOSAL: gettext("Change proposals"),
        },
        "kind": dict(Document.Kind.choices),
        "tlp": dict(TLP.choices),
        "status": dict(Document.Status.choices),
        "language": dict(LANGUAGES),
    }
    rows = sample[:COUNT_LIMIT]
    out: dict[str, list[tuple[str, str, int]]] = {}
    column = 1
    for name in _ROW_FACETS:
        has_label = FACETS[name][1] is not None
        counts: Counter[tuple[str, str]] = Counter()
        for row in rows:
            value = row[column]
            if value is None or value == "":
                continue
            label = row[column + 1] if has_label else choices.get(name, {}).get(value, value)
            counts[(str(value), str(label))] += 1
        column += 2 if has_label else 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))[:FACET_VALUES]
        out[name] = [(value, label, n) for (value, label), n in ranked]
    topic_counts: Counter[int] = Counter(int(pk) for row in rows if row[column] for pk in row[column].split(","))
    wanted = [pk for pk, _ in topic_counts.most_common(FACET_VALUES)]
    found_topics = {
        pk: (slug, name) for pk, slug, name in Topic.objects.filter(pk__in=wanted).values_list("pk", "slug", "name")
    }
    topics = sorted(
        ((found_topics[pk][0], found_topics[pk][1], topic_counts[pk]) for pk in wanted if pk in found_topics),
        key=lambda item: (-item[2], item[0]),
    )
    return {name: topics if name == "topic" else out[name] for name in FACETS}


# --- One interface ---------------------------------------------------------------------------------


def matching(user: Any, query: syntax.Query, *, entries: QuerySet[Entry] | None = None) -> QuerySet[Entry]:
    """Entries this person reads that match the query, unordered."""
    return _matched(_searched(user, query, entries), query)


def _searched(user: Any, query: syntax.Query, entries: QuerySet[Entry] | None) -> QuerySet[Entry]:
    """The entries this person reads, narrowed by the query's filters. (`entries`: other entries to
    search instead, for the benchmark's lower bound only.)"""
    return _filtered(readable_entries(user) if entries is None else entries, query)


def _matched(entries: QuerySet[Entry], query: syntax.Query) -> QuerySet[Entry]:
    if not query.has_text:
        return entries
    if connection.vendor == "postgresql":
        return entries.filter(_PgMatch(query))
    return _sqlite_match(entries, query)


def _ordered(entries: QuerySet[Entry], query: syntax.Query, sort: str) -> QuerySet[Entry]:
    if sort == "newest" or not query.has_text:
        return entries.order_by("-document__updated_at", "-document_id", "-pk")
    if connection.vendor == "postgresql":
        # As _search orders the walk's ranks, to the entry's id.
        return entries.annotate(rank=_pg_rank(query)).order_by("-rank", "-document__updated_at", "-document_id", "-pk")
    # bm25() is lower for better matches.
    return entries.annotate(rank=RawSQL(BM25, [], output_field=FloatField())).order_by(  # noqa: S611 - constant
        "rank", "-document__updated_at", "-document_id"
    )


def _recent_candidates(found: QuerySet[Entry]) -> QuerySet[Entry]:
    """SQLite: when more than COUNT_LIMIT entries match, the page is chosen (by relevance or by last
    change) among the COUNT_LIMIT most recently written of them (every page there is to see), so
    the work stays bounded however common the words. The page says so. (PostgreSQL: _newest_pg.)

    "Most recently written" is the entry's id (an entry is written anew whenever its text
    changes), here in FTS5's own rowid order, which FTS5 walks backwards itself and stops; ordered
    by the entry's id it would collect and sort every match first."""
    recent = list(found.order_by("-fts__entry").values_list("pk", flat=True)[:COUNT_LIMIT])
    if not recent:
        return found.none()
    # The ranking statement keeps the whole predicate (access and match): the ids only bound it,
    # they are never what decides who reads what; their range lets FTS5 read only the matches
    # from the oldest candidate on.
    return found.filter(pk__in=recent, fts__entry__gte=min(recent))


@contextmanager
def planned_as_lookups() -> Iterator[None]:
    """On PostgreSQL, run the search's statements with hash and merge joins off, in a transaction
    of their own (SET LOCAL ends with it). A search joins a few hundred or thousand matching
    entries to their documents through the access predicate, whose correlated parts make the
    planner overestimate a nested loop of primary-key lookups (measured at 200,000 documents: 19
    ms) and hash the whole document table instead (140 ms, and growing with the library)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        yield


def marked(text: str, start: str, stop: str) -> SafeString:
    """Escape member text, then turn this search's markers into <mark>."""
    return mark_safe(escape(text).replace(start, "<mark>").replace(stop, "</mark>"))  # noqa: S308 - escaped first


def search(
    user: Any,
    query: syntax.Query,
    *,
    sort: str = "relevance",
    page: int = 1,
    entries: QuerySet[Entry] | None = None,
    with_facets: bool = False,
) -> Results:
    """One page of results, a capped count (and the facets), in a constant number of queries."""
    with planned_as_lookups():
        return _search(user, query, sort=sort, page=page, entries=entries, with_facets=with_facets)


def _search(
    user: Any, query: syntax.Query, *, sort: str, page: int, entries: QuerySet[Entry] | None, with_facets: bool
) -> Results:
    if connection.vendor == "postgresql":
        query = _completed(query)  # before anything is matched: the count, the page and the passages alike
    searched = _searched(user, query, entries)
    found = _matched(searched, query)
    start = (page - 1) * PAGE_SIZE
    ranked, skip = found, start
    if connection.vendor == "postgresql" and query.has_text:
        relevance = sort == "relevance"
        routes = _routes(user, searched, entries)
        sample, walked = _newest_pg(routes, query, with_facets=with_facets, ranked=relevance)
        # The page is read below with the whole predicate again, among what the walk found only.
        chosen = _chosen(walked, relevance=relevance)[start : start + PAGE_SIZE + 1]
        ranked, skip = searched.filter(_PgMatch(query, looked_up=False), pk__in=chosen) if chosen else found.none(), 0
    else:
        sample = _sample(found, with_facets=with_facets)
        if len(sample) > COUNT_LIMIT and query.has_text:
            ranked = _recent_candidates(found)
    count = len(sample)
    rows = list(
        _ordered(ranked, query, sort)
        # The entry's own text stays in the database: the page shows the passage the backend cut.
        .defer("body", "vector", "title", "summary", "topics")
        .select_related("document__owner")
        .prefetch_related("document__topics")[skip : skip + PAGE_SIZE + 1]
    )
    shown = rows[:PAGE_SIZE]
    begin, end = f"qs{secrets.token_hex(6)}b", f"qs{secrets.token_hex(6)}e"
    snippets = (_pg_snippets if connection.vendor == "postgresql" else _sqlite_snippets)(
        [entry.pk for entry in shown], query, begin, end
    )
    hits = []
    for entry in shown:
        body, title = snippets.get(entry.pk, ("", ""))
        hits.append(
            Hit(
                document=entry.document,
                variant=entry.variant,
                revision_number=entry.revision_number,
                title=marked(title or entry.document.title, begin, end),
                snippet=marked(
                    body or (entry.document.summary if entry.kind == Entry.Kind.DOCUMENT else ""), begin, end
                ),
                kind=entry.kind,
                url=_url(entry),
            )
        )
    return Results(
        hits=hits,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        count=min(count, COUNT_LIMIT),
        count_capped=count > COUNT_LIMIT,
        facets=facets(sample) if with_facets and sample else {},
    )


def _url(entry: Entry) -> str:
    """Where a result opens: the document, the comment in its discussion, or the proposal."""
    if entry.kind == Entry.Kind.COMMENT:
        return reverse("drafting:discussion", args=[entry.document_id]) + f"#comment-{entry.comment_id}"
    if entry.kind == Entry.Kind.PROPOSAL:
        return reverse("drafting:proposal", args=[entry.document_id, entry.proposal_id])
    return reverse("library:detail", args=[entry.document_id])


SUGGESTIONS = 8


def suggest(user: Any, text: str, *, entries: QuerySet[Entry] | None = None) -> list[tuple[int, str]]:
    """Titles for the box while someone types (the last word a prefix): (document id, title) of
    the best matches they may read, among the COUNT_LIMIT most recently written when more match
    (as the results page), so a prefix as common as `hotl` costs no more than a page."""
    try:
        query = syntax.parse(text, prefix_last=True)
    except syntax.QueryError:
        return []
    if not query.has_text:
        return []
    documents = _searched(user, query, entries).filter(kind=Entry.Kind.DOCUMENT)
    with planned_as_lookups():
        if connection.vendor == "postgresql":
            query = _completed(query)
            routes = _routes(user, documents, entries)
            _sample, walked = _newest_pg(routes, query, with_facets=False, ranked=True)
            best = documents.filter(
                _PgMatch(query, looked_up=False), pk__in=_chosen(walked, relevance=True)[:SUGGESTIONS]
            )
        else:
            best = _recent_candidates(_matched(documents, query))
        rows = _ordered(best, query, "relevance").values_list("document_id", "document__title")
        return list(rows[:SUGGESTIONS])
