"""The rendered comparison (coalition/library/rendered_diff.py): formatted text with insertions and
deletions marked, rebuilt from sanitised HTML only, bounded, and inert whatever members wrote."""

from __future__ import annotations

import html as html_lib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from coalition.core import markdown
from coalition.library import rendered_diff
from coalition.library.rendered_diff import compare_html, compare_markdown
from tests.library.test_xss import assert_safe

CORPUS = json.loads((Path(__file__).parent / "data" / "xss_payloads.json").read_text(encoding="utf-8"))
PAYLOADS: list[str] = [p["text"] for p in CORPUS["payloads"]]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


def _side(html: str, keep: str) -> str:
    """The text of one side: drop the other side's marked pieces, keep this side's words."""
    drop = "ins" if keep == "del" else "del"
    html = re.sub(rf"<{drop}>.*?</{drop}>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_changed_words_are_marked_inside_the_formatted_text():
    result = compare_markdown(
        "## Reporting\n\nMembers report suspected abuse to the hotline within 24 hours.\n",
        "## Reporting\n\nMembers report suspected abuse to the national hotline within 12 hours.\n",
    )
    assert result.html is not None and result.changed and not result.coarse
    assert "<h2>Reporting</h2>" in result.html
    assert "<ins>national </ins>" in result.html
    assert "<del>24</del><ins>12</ins>" in result.html


def test_a_paragraph_added_or_removed_is_marked_whole():
    old = "First paragraph stays.\n\nThis one goes away entirely.\n"
    new = "First paragraph stays.\n\nA new closing paragraph arrives.\n\n- and a list\n"
    result = compare_markdown(old, new)
    assert result.html is not None
    assert "<p>First paragraph stays.</p>" in result.html
    assert "<del><p>This one goes away entirely.</p></del>" in result.html
    assert "<ins><ul>" in result.html


def test_both_sides_can_be_read_back_from_the_comparison():
    old = "# Title\n\nOne **two** three.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n- y\n\nEnd & more < less.\n"
    new = (
        "# Title changed\n\nOne two *three* four.\n\n| a | b |\n|---|---|\n| 1 | 3 |\n\n- y\n- z\n\n"
        "End & less > more.\n"
    )
    result = compare_markdown(old, new)
    assert result.html is not None
    # Spacing aside: the words and signs of each side, in order.
    assert _side(result.html, "ins").replace(" ", "") == _text(markdown.render(new)).replace(" ", "")
    assert _side(result.html, "del").replace(" ", "") == _text(markdown.render(old)).replace(" ", "")


def test_identical_texts_say_nothing_changed():
    result = compare_markdown("Same words.", "Same words.")
    assert result.changed is False
    assert result.html == "<p>Same words.</p>"


def test_texts_too_long_are_not_compared(monkeypatch):
    monkeypatch.setattr(rendered_diff, "RENDERED_DIFF_MAX_CHARS", 100)
    result = compare_html("<p>short</p>", "<p>" + "word " * 100 + "</p>")
    assert result.html is None and result.too_long


def test_out_of_time_the_changed_blocks_are_shown_whole(settings):
    settings.COMPARE_WORD_BUDGET_MS = 0
    result = compare_markdown("Alpha beta gamma.\n\nKept.\n", "Alpha beta delta.\n\nKept.\n")
    assert result.html is not None
    assert result.coarse
    assert "<del><p>Alpha beta gamma.</p></del><ins><p>Alpha beta delta.</p></ins>" in result.html


def test_heading_ids_are_dropped_so_none_repeats():
    result = compare_markdown("## Scope\n\nOld.\n", "## Scope\n\nNew text here.\n")
    assert result.html is not None
    assert "id=" not in result.html


def test_member_text_that_looks_like_markup_stays_text():
    old = "Use `<ins>` and &lt;del&gt; as words.\n"
    new = "Use `<ins>` and &lt;del&gt; as plain words.\n"
    result = compare_markdown(old, new)
    assert result.html is not None
    assert "<code>&lt;ins&gt;</code>" in result.html
    assert "&lt;del&gt;" in result.html
    assert [tag for tag, _ in _elements(result.html)] == ["p", "code", "ins"]


def _assert_inert(html: str) -> None:
    assert html == markdown.sanitise(html), "the comparison must be what the sanitiser lets through"
    assert_safe(html, "rendered comparison", fragment="markdown")


@pytest.mark.parametrize("start", range(0, len(PAYLOADS), 40))
def test_the_xss_corpus_stays_inert_in_the_comparison(start):
    batch = PAYLOADS[start : start + 40]
    old = "\n\n".join(f"Paragraph {i} before." for i in range(len(batch)))
    new = "\n\n".join(f"Paragraph {i} {payload}" for i, payload in enumerate(batch))
    for a, b in ((old, new), (new, old)):
        result = compare_markdown(a, b)
        assert result.html is not None
        _assert_inert(result.html)
    for payload in batch:
        for a, b in ((payload, "harmless"), ("harmless words", payload), (payload, payload + " x")):
            result = compare_markdown(a, b)
            assert result.html is not None
            _assert_inert(result.html)
