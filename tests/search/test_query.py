"""What people type, read into a query: syntax, filters, and bad input refused with a message."""

from __future__ import annotations

import datetime

import pytest

from coalition.search.query import MAX_QUERY_CHARS, QueryError, Term, fts5, parse, postgres, postgres_prefixes


def test_words_phrases_exclusions_and_or() -> None:
    query = parse('hash matching "within 24 hours" -draft grooming OR enticement')
    assert query.groups == [
        [Term(("hash",))],
        [Term(("matching",))],
        [Term(("within", "24", "hours"))],
        [Term(("grooming",)), Term(("enticement",))],
    ]
    assert query.excluded == [Term(("draft",))]
    assert fts5(query) == '"hash" AND "matching" AND "within 24 hours" AND ("grooming" OR "enticement") NOT "draft"'
    # PostgreSQL reads it the same way, term by term: every group, any term of a group, no excluded one.
    assert postgres(query) == (
        [
            [("phraseto_tsquery", "hash")],
            [("phraseto_tsquery", "matching")],
            [("phraseto_tsquery", "within 24 hours")],
            [("phraseto_tsquery", "grooming"), ("phraseto_tsquery", "enticement")],
        ],
        [("phraseto_tsquery", "draft")],
    )
    # Loose (for the GIN index): phrases as their words in any order, excluded phrases left to the exact check.
    loose = postgres(parse('"duty officer" hotline -"night shift" -draft'), loose=True)
    assert loose == (
        [[("plainto_tsquery", "duty officer")], [("plainto_tsquery", "hotline")]],
        [("plainto_tsquery", "draft")],
    )


def test_or_binds_two_words_not_the_whole_query_on_both_backends() -> None:
    query = parse("alpha beta OR gamma")
    assert fts5(query) == '"alpha" AND ("beta" OR "gamma")'
    assert postgres(query)[0] == [
        [("phraseto_tsquery", "alpha")],
        [("phraseto_tsquery", "beta"), ("phraseto_tsquery", "gamma")],
    ]


def test_filters_in_the_box() -> None:
    query = parse("kind:policy owner:Northwind tlp:amber+strict topic:grooming lang:fr after:2025 before:2026-03-31 x")
    assert query.filters == {
        "kind": "policy",
        "owner": "northwind",
        "tlp": "amber_strict",
        "topic": "grooming",
        "language": "fr",
    }
    assert query.after == datetime.date(2025, 1, 1)
    assert query.before == datetime.date(2026, 3, 31)
    assert query.words() == ["x"]
    assert parse("kind:policy").has_text is False  # filters alone list what they select


def test_a_word_with_a_colon_that_is_no_filter_is_searched_as_its_words_together() -> None:
    assert parse("ratio:10").groups == [[Term(("ratio", "10"))]]


def test_prefix_of_the_last_word_while_typing() -> None:
    query = parse("child prot", prefix_last=True)
    assert query.groups[-1] == [Term(("prot",), prefix=True)]
    assert fts5(query) == '"child" AND "prot"*'
    assert postgres_prefixes(query) == ["prot:*"]
    assert postgres(query) == ([[("phraseto_tsquery", "child")], [("to_tsquery", "prot:*")]], [])
    assert parse("child prot ", prefix_last=True).groups[-1] == [Term(("prot",))]  # a space: the word is whole


def test_french_accents_are_kept_for_the_backend_to_fold() -> None:
    assert parse("sécurité élève").words() == ["sécurité", "élève"]


def test_nothing_typed_is_backend_syntax() -> None:
    query = parse('NEAR(a b) title:x "unbalanced * ^ col:umn')
    text = fts5(query)
    # Every word is quoted: FTS5 reads no operator, column filter or prefix from what was typed;
    # what is written as one token is searched as its words together.
    assert text == '"NEAR a" AND "b" AND "title x" AND "unbalanced col umn"'
    texts = [text for group in postgres(query)[0] for _function, text in group]
    assert texts == ["NEAR a", "b", "title x", "unbalanced col umn"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a word"),
        ("   ", "Type a word"),
        ("- -- OR * ( ) \" '", "Type a word"),
        ("-draft", "a minus sign only leaves words out"),
        ("x" * 10_000, "too long"),
        ("a" * (MAX_QUERY_CHARS + 1), "too long"),
        ("after:yesterday report", "Write dates as"),
        ("tlp:purple report", "TLP labels are"),
        (" ".join(f"w{i}" for i in range(30)), "at most"),
    ],
)
def test_bad_queries_get_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(text)


def test_nul_bytes_are_spaces() -> None:
    assert parse("hash\x00matching").words() == ["hash", "matching"]


def test_unbalanced_quotes_close_at_the_end() -> None:
    assert parse('"within 24').groups == [[Term(("within", "24"))]]
