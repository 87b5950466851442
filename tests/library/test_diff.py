"""Comparing revisions: exact pieces, word by word when it fits the time budget, line by line
(said on the page) when it does not, and never unbounded work (issue 9, defect 1: the old
SequenceMatcher took 23 s on a 5,600-word text)."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from coalition.drafting.services import publication as workflow
from coalition.library import diff
from coalition.library import services as library

CASES = [
    ("", ""),
    ("", "Only new text.\n"),
    ("Only old text.\n", ""),
    ("Same text.\n", "Same text.\n"),
    ("Report within 24 hours.\n", "Report within 12 hours.\n"),
    ("Zürich — naïve café\n\n## Émoji 🎉\n", "Zurich - naive cafe\n\n## Emoji 🎉🎉\n"),
    ("tabs\tand  spaces\r\nand CRLF\r\n", "tabs and spaces\nand LF\n"),
    ("a a a a a a a a", "a a b a a a a"),
]


def rebuilt(comparison: diff.Comparison) -> tuple[str, str]:
    old = "".join(p.text for p in comparison.pieces if p.kind != "insert")
    new = "".join(p.text for p in comparison.pieces if p.kind != "delete")
    return old, new


def words(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(2000)] + ["the", "of", "and", "report", "child", "safety"]
    return [rng.choice(vocabulary) for _ in range(n)]


def one_in_forty_changed(n: int) -> tuple[str, str]:
    old = words(n)
    new = [f"x{i}" if i % 40 == 7 else w for i, w in enumerate(old)]
    lines = lambda ws: "\n\n".join(" ".join(ws[i : i + 60]) for i in range(0, len(ws), 60))  # noqa: E731
    return lines(old), lines(new)


@pytest.mark.parametrize(("old", "new"), CASES)
def test_pieces_rebuild_both_texts_exactly(old: str, new: str) -> None:
    comparison = diff.compare(old, new)
    assert rebuilt(comparison) == (old, new)
    assert not comparison.by_line
    assert all(p.text for p in comparison.pieces)


def test_identical_texts_are_one_equal_piece_and_nothing_counted() -> None:
    comparison = diff.compare("Same text.\n", "Same text.\n")
    assert [p.kind for p in comparison.pieces] == ["equal"]
    assert comparison.stats == {"insert": 0, "delete": 0}


def test_a_one_word_change_is_one_word_removed_and_one_added() -> None:
    comparison = diff.compare("Report within 24 hours.\n", "Report within 12 hours.\n")
    assert [(p.kind, p.text) for p in comparison.pieces if p.kind != "equal"] == [("delete", "24"), ("insert", "12")]
    assert comparison.stats == {"insert": 1, "delete": 1}


def test_a_long_text_with_one_word_in_forty_changed_is_compared_word_by_word() -> None:
    old, new = one_in_forty_changed(10_000)
    comparison = diff.compare(old, new)
    assert not comparison.by_line
    assert rebuilt(comparison) == (old, new)
    assert comparison.stats == {"insert": 250, "delete": 250}


@pytest.fixture
def slow_clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A clock that advances a whole second each time it is read: every budget runs out at its
    first check, as it would for a huge change on a busy server."""
    reads = {"count": 0}
    ticks = itertools.count()

    def clock() -> float:
        reads["count"] += 1
        return float(next(ticks))

    monkeypatch.setattr(diff, "_clock", clock)
    return reads


def test_when_the_word_budget_runs_out_the_comparison_is_by_line_and_still_exact(slow_clock: Any) -> None:
    old, new = one_in_forty_changed(3000)
    comparison = diff.compare(old, new)
    assert comparison.by_line
    assert rebuilt(comparison) == (old, new)
    assert comparison.stats["insert"] == comparison.stats["delete"] > 0  # lines, not words


def test_the_budget_is_consulted_so_unrelated_huge_bodies_stop_early(slow_clock: Any) -> None:
    old = " ".join(words(60_000, seed=2))
    new = " ".join(words(60_000, seed=3))
    comparison = diff.compare(old, new)
    assert comparison.by_line
    assert rebuilt(comparison) == (old, new)
    # The clock was read a handful of times, not once per step of a quadratic walk.
    assert slow_clock["count"] < 50


def test_repetitive_text_does_not_make_the_half_match_speedup_quadratic(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"count": 0}
    original = diff.diff_match_patch.diff_commonPrefix

    def counting(self: Any, a: str, b: str) -> int:
        calls["count"] += 1
        return int(original(self, a, b))

    monkeypatch.setattr(diff.diff_match_patch, "diff_commonPrefix", counting)
    old = "a " * 20_000
    new = "a " * 9_000 + "b " + "a " * 11_000
    comparison = diff.compare(old, new)
    assert rebuilt(comparison) == (old, new)
    assert calls["count"] < 20 * diff.HALF_MATCH_TRIES


@pytest.fixture
def make_doc_with_revisions(acme: Any, acme_editor: Any) -> Any:
    def make(bodies: list[str]) -> Any:
        document = library.create_document(acting_user=acme_editor, owner=acme, title="Compared", body=bodies[0])
        for number, body in enumerate(bodies[1:], start=1):
            workflow.save_revision(acting_user=acme_editor, document=document, body=body, base_number=number)
        return document

    return make


@pytest.mark.django_db
def test_the_compare_page_says_when_it_compares_by_line(
    client_for: Any, acme_editor: Any, make_doc_with_revisions: Any, slow_clock: Any
) -> None:
    old, new = one_in_forty_changed(400)
    document = make_doc_with_revisions([old, new])
    response = client_for(acme_editor).get(f"/library/{document.pk}/compare/?from=1&to=2")
    assert response.status_code == 200
    assert "shown line by line" in response.content.decode()


@pytest.mark.django_db
def test_the_compare_page_compares_word_by_word_in_the_ordinary_case(
    client_for: Any, acme_editor: Any, make_doc_with_revisions: Any
) -> None:
    document = make_doc_with_revisions(["Report within 24 hours.\n", "Report within 12 hours.\n"])
    page = client_for(acme_editor).get(f"/library/{document.pk}/compare/?from=1&to=2").content.decode()
    assert "shown line by line" not in page
    assert "<del>24</del>" in page and "<ins>12</ins>" in page


def test_diff_pieces_escape_member_text_on_every_side() -> None:
    from coalition.core.templatetags.portal import diff_pieces

    pieces = [
        diff.Piece("equal", "<b>a</b> "),
        diff.Piece("delete", "<script>x</script>"),
        diff.Piece("insert", "&amp;"),
    ]
    assert diff_pieces(pieces) == "&lt;b&gt;a&lt;/b&gt; <del>&lt;script&gt;x&lt;/script&gt;</del><ins>&amp;amp;</ins>"
    assert diff_pieces(pieces, "old") == "&lt;b&gt;a&lt;/b&gt; <del>&lt;script&gt;x&lt;/script&gt;</del>"
    assert diff_pieces(pieces, "new") == "&lt;b&gt;a&lt;/b&gt; <ins>&amp;amp;</ins>"
