"""Where comments and proposals point: the sections of a revision (from the renderer's heading
anchors, paired with the Markdown source), quoted passages found whatever the spacing, and telling
when an anchor made on an earlier revision no longer matches the text."""

from __future__ import annotations

import pytest

from coalition.core import markdown
from coalition.drafting import anchors
from coalition.drafting.anchors import Section
from coalition.library.models import Revision


def revision(body: str) -> Revision:
    """A revision as the library stores it: the source and its rendered, sanitised HTML."""
    return Revision(body=body, html=markdown.render(body))


NESTED = """# Principles

Intro.

## Scope

Every service.

### Exceptions

None yet.

## Reporting

Within 24 hours.
"""


def test_sections_come_in_order_with_their_level_and_title() -> None:
    assert anchors.sections(revision(NESTED)) == [
        Section("doc-principles", 1, "Principles"),
        Section("doc-scope", 2, "Scope"),
        Section("doc-exceptions", 3, "Exceptions"),
        Section("doc-reporting", 2, "Reporting"),
    ]


def test_a_section_title_is_plain_text_even_with_markup_and_entities() -> None:
    r = revision("## Safety *by* design & `code`\n\nText.\n")
    [section] = anchors.sections(r)
    assert section.title == "Safety by design & code"
    assert anchors.section_title(r, section.id) == "Safety by design & code"
    assert anchors.section_title(r, "doc-missing") is None


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        # A section runs to the next heading of the same or a higher level, subsections included.
        ("doc-scope", "## Scope\n\nEvery service.\n\n### Exceptions\n\nNone yet.\n\n"),
        ("doc-exceptions", "### Exceptions\n\nNone yet.\n\n"),
        # The last one runs to the end; the top one takes in everything under it.
        ("doc-reporting", "## Reporting\n\nWithin 24 hours.\n"),
        ("doc-principles", NESTED),
    ],
)
def test_a_sections_markdown_runs_to_the_next_heading_of_its_level_or_higher(section: str, expected: str) -> None:
    assert anchors.section_markdown(revision(NESTED), section) == expected


def test_duplicate_headings_are_told_apart_by_position() -> None:
    r = revision("## Notes\n\nFirst notes.\n\n## Notes\n\nSecond notes.\n")
    assert [s.id for s in anchors.sections(r)] == ["doc-notes", "doc-notes_1"]
    assert anchors.section_markdown(r, "doc-notes") == "## Notes\n\nFirst notes.\n\n"
    assert anchors.section_markdown(r, "doc-notes_1") == "## Notes\n\nSecond notes.\n"


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_headings_inside_fenced_code_are_not_sections(fence: str) -> None:
    body = f"# Setup\n\nRun this:\n\n{fence}\n# not a heading\n## nor this\n{fence}\n\n# Use\n\nThen use it.\n"
    r = revision(body)
    assert [s.id for s in anchors.sections(r)] == ["doc-setup", "doc-use"]
    assert (
        anchors.section_markdown(r, "doc-setup")
        == f"# Setup\n\nRun this:\n\n{fence}\n# not a heading\n## nor this\n{fence}\n\n"
    )
    assert anchors.section_markdown(r, "doc-use") == "# Use\n\nThen use it.\n"


@pytest.mark.parametrize(
    "body",
    [
        "Setext title\n============\n\nText.\n\n## Scope\n\nMore.\n",  # setext headings: no "#" to pair
        "Title\n-----\n\nText.\n",
        "#Tight heading\n\nText.\n\n# Scope\n\nMore.\n",  # Markdown makes a heading the pairing does not see
    ],
)
def test_a_source_whose_headings_cannot_be_paired_gives_no_section_text_rather_than_the_wrong_one(
    body: str,
) -> None:
    r = revision(body)
    assert anchors.sections(r)  # the page still lists the sections for comments
    for section in anchors.sections(r):
        assert anchors.section_markdown(r, section.id) is None


def test_an_unknown_section_has_no_markdown() -> None:
    assert anchors.section_markdown(revision(NESTED), "doc-nowhere") is None
    assert anchors.section_markdown(revision("No headings at all.\n"), "doc-scope") is None


# --- Quotes ------------------------------------------------------------------------------------

PARAGRAPH = """# Reporting

Members report suspected abuse
to the hotline   within 24 hours. See [the hotline list](https://hotlines.example) and
the **annex**, which is binding.
"""


@pytest.mark.parametrize(
    "quote",
    [
        "report suspected abuse to the hotline within 24 hours",  # a line break in the source
        "to the hotline within 24 hours",  # several spaces in the source
        "  report suspected\n\tabuse  ",  # spacing in the quote
        "See the hotline list and the annex, which is binding.",  # as read: link and bold, then punctuation
        "See [the hotline list](https://hotlines.example) and",  # as written
        "the **annex**, which",
    ],
)
def test_a_quote_is_found_whatever_its_spacing_as_read_or_as_written(quote: str) -> None:
    assert anchors.quote_found(revision(PARAGRAPH), quote)


@pytest.mark.parametrize(
    "quote",
    [
        "within 48 hours",
        "report abuse",  # words left out
        "hotline list annex",
        "",
        "   ",
    ],
)
def test_a_quote_that_is_not_in_the_text_is_not_found(quote: str) -> None:
    assert not anchors.quote_found(revision(PARAGRAPH), quote)


def test_normalise_collapses_every_kind_of_whitespace() -> None:
    assert anchors.normalise("  a\n\tb \u00a0 c  ") == "a b c"


def test_the_plain_text_of_a_revision_is_what_a_reader_sees() -> None:
    r = revision("A & B, 5 < 6 and *em*phasis\n\n- one\n- two\n")
    assert anchors.plain_text(r.html) == "A & B, 5 < 6 and emphasis one two"


# --- Outdated anchors ---------------------------------------------------------------------------


def test_a_section_anchor_matches_while_its_heading_is_there() -> None:
    later = revision(NESTED.replace("## Reporting", "## Reporting duties"))
    assert anchors.still_matches(anchor="section", section="doc-scope", quote="", revision=later)
    assert not anchors.still_matches(anchor="section", section="doc-reporting", quote="", revision=later)
    # An id that only starts the same does not count.
    notes = revision("## Notes\n\nA.\n\n## Notes\n\nB.\n")
    assert anchors.still_matches(anchor="section", section="doc-notes_1", quote="", revision=notes)
    assert not anchors.still_matches(anchor="section", section="doc-note", quote="", revision=notes)


def test_a_quote_anchor_matches_while_the_passage_is_there_whatever_the_spacing() -> None:
    quote = "report suspected abuse to the hotline"
    reflowed = revision(PARAGRAPH.replace("abuse\nto", "abuse to"))
    changed = revision(PARAGRAPH.replace("suspected abuse", "any abuse"))
    assert anchors.still_matches(anchor="quote", section="", quote=quote, revision=reflowed)
    assert not anchors.still_matches(anchor="quote", section="", quote=quote, revision=changed)


def test_a_whole_document_anchor_always_matches_and_nothing_matches_no_text() -> None:
    assert anchors.still_matches(anchor="document", section="", quote="", revision=revision("Anything."))
    for anchor in ("document", "section", "quote"):
        assert not anchors.still_matches(anchor=anchor, section="doc-scope", quote="x", revision=None)
