"""The document page's margin: the text the person reads, cut into its blocks (paragraphs,
headings, lists, tables), each with the open comment threads and change proposals anchored to it.

Reads only what the discussion pages read (coalition.drafting.selectors: threads and proposals on
revisions the person may see), open ones only and at most MARGIN_THREADS and MARGIN_PROPOSALS of
each (the rest, and every resolved or decided one, are a link away on the discussion tab). A thread
or proposal finds its block by its anchor: a section by its heading, a quoted passage by the first
block whose text holds it; one about the whole text sits beside its beginning, and one whose section or
passage is no longer in this revision sits below it, marked outdated. Four queries (threads, their
replies, proposals, the thread counts), a fifth to count the proposals once the margin is full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from coalition import access
from coalition.access import Action
from coalition.drafting import anchors, selectors, services
from coalition.drafting.models import Anchor, Comment, Proposal
from coalition.library import rendered_diff
from coalition.library.models import Document, Revision

MARGIN_THREADS = 30
MARGIN_PROPOSALS = 30
# A proposal's change is shown formatted in the margin when it is this short (else on its page).
MARGIN_DIFF_CHARS = 5000
_REVISION_TEXT = ("revision__body", "revision__html")


@dataclass
class Note:
    """One thread or one proposal in the margin."""

    thread: selectors.Thread | None = None
    proposal: Proposal | None = None
    outdated: bool = False
    rendered: rendered_diff.RenderedDiff | None = None

    @property
    def item(self) -> Comment | Proposal:
        found = self.thread.comment if self.thread is not None else self.proposal
        assert found is not None
        return found


@dataclass
class Row:
    index: int
    html: str
    notes: list[Note] = field(default_factory=list)

    @property
    def thread_count(self) -> int:
        return sum(1 for n in self.notes if n.thread is not None)

    @property
    def proposal_count(self) -> int:
        return sum(1 for n in self.notes if n.proposal is not None)


@dataclass
class Margin:
    revision: Revision
    rows: list[Row]
    general: list[Note]
    outdated: list[Note]
    open_threads: int
    resolved_threads: int
    open_proposals: int
    shown_threads: int
    shown_proposals: int
    can_comment: bool
    can_decide: bool

    @property
    def more_threads(self) -> int:
        return max(self.open_threads - self.shown_threads, 0)

    @property
    def more_proposals(self) -> int:
        return max(self.open_proposals - self.shown_proposals, 0)

    @property
    def any_notes(self) -> bool:
        return bool(self.shown_threads or self.shown_proposals)


class _Text:
    """The revision's text, read once: its blocks, each block's plain text, and the whole."""

    def __init__(self, revision: Revision) -> None:
        self.revision = revision
        self.blocks = rendered_diff.blocks(revision.html or "")
        self.plain = [anchors.plain_text(b) for b in self.blocks]
        self.whole = anchors.plain_text(revision.html or "")
        self.source = anchors.normalise(revision.body or "")

    def place(self, item: Comment | Proposal) -> tuple[int | None, bool]:
        """(block index or None for above the text, outdated)."""
        if item.anchor == Anchor.SECTION:
            marker = f'id="{item.section}"'
            index = next((i for i, b in enumerate(self.blocks) if marker in b), None)
            return index, index is None
        if item.anchor == Anchor.QUOTE:
            wanted = anchors.normalise(item.quote)
            if not wanted:
                return None, True
            index = next((i for i, text in enumerate(self.plain) if wanted in text), None)
            if index is None and wanted in self.whole:
                # A passage across blocks: where its first words are.
                start = " ".join(wanted.split(" ")[:4])
                index = next((i for i, text in enumerate(self.plain) if start in text), None)
            if index is not None:
                return index, False
            # In the source but not in the text as read (Markdown inside it): above the text.
            return None, wanted not in self.source
        return None, False


def margin_for(user: Any, document: Document, revision: Revision) -> Margin:
    """The margin of `revision` (the one the person reads) for `user`, who may read the discussion."""
    replies = Comment.objects.select_related("author", "organisation").order_by("created_at", "id")
    threads = list(
        selectors.visible_comments(user, document)
        .filter(parent__isnull=True, resolved_at__isnull=True)
        .select_related("author", "organisation", "revision")
        .defer(*_REVISION_TEXT)
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")[:MARGIN_THREADS]
    )
    proposals = list(
        selectors.visible_proposals(user, document)
        .filter(status=Proposal.Status.OPEN)
        .select_related("author", "organisation", "revision")
        .defer(*_REVISION_TEXT)
        .order_by("created_at", "id")[:MARGIN_PROPOSALS]
    )
    counts = selectors.thread_counts(user, document)
    open_proposals = len(proposals)
    if open_proposals == MARGIN_PROPOSALS:
        open_proposals = selectors.visible_proposals(user, document).filter(status=Proposal.Status.OPEN).count()
    text = _Text(revision)
    rows = [Row(index=i, html=block) for i, block in enumerate(text.blocks)]
    general: list[Note] = []
    outdated: list[Note] = []

    def put(note: Note, item: Comment | Proposal) -> None:
        index, gone = (None, False) if item.anchor == Anchor.DOCUMENT else text.place(item)
        # Made on this very text: never outdated (a passage quoted with its Markdown sits above it).
        gone = gone and item.revision_id != revision.pk
        note.outdated = gone
        if gone:
            outdated.append(note)
        elif index is None:
            general.append(note)
        else:
            rows[index].notes.append(note)

    for comment in threads:
        comment.document = document
        thread = selectors.Thread(
            comment=comment,
            replies=list(comment.replies.all()),
            outdated=False,
            can_resolve=services.can_resolve(user, comment),
        )
        put(Note(thread=thread), comment)
    for proposal in proposals:
        proposal.document = document
        small = len(proposal.original) + len(proposal.replacement) <= MARGIN_DIFF_CHARS
        rendered = rendered_diff.compare_markdown(proposal.original, proposal.replacement) if small else None
        put(Note(proposal=proposal, rendered=rendered), proposal)
    for note in outdated:
        if note.thread is not None:
            note.thread.outdated = True
    if rows and general:
        # About the whole text: beside its beginning (no empty row above the text).
        rows[0].notes[:0] = general
        general = []
    return Margin(
        revision=revision,
        rows=rows,
        general=general,
        outdated=outdated,
        open_threads=counts["open"],
        resolved_threads=counts["resolved"],
        open_proposals=open_proposals,
        shown_threads=len(threads),
        shown_proposals=len(proposals),
        can_comment=access.can(user, Action.COMMENT_DOCUMENT, document),
        can_decide=access.can(user, Action.DECIDE_PROPOSAL, document),
    )
