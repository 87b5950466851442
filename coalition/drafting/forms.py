"""Forms for the discussion pages: comments, replies, change proposals and decisions on them.
They check the shape of the input; coalition.drafting.services decides the rules (anchors, mentions,
who may do what) and its errors land on the matching field. Review, ratification and
acknowledgement forms live in forms_review.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from coalition.drafting import services
from coalition.drafting.anchors import Section
from coalition.drafting.models import Anchor

# --- Comments and proposals ------------------------------------------------------------------------

MENTION_HELP = (
    "Markdown. To notify someone, type @ and their name and choose them from the list (or write @ and "
    "their email address, e.g. @editor@acme.example). You can mention only people who can read this revision."
)
# Marks a comment box for drafting/mentions.js (suggestions as one types @).
MENTIONS = {"data-mentions": ""}


def section_choices(sections: Iterable[Section]) -> list[tuple[str, str]]:
    # Indented by heading level, so the outline reads as it does in the document.
    return [("", "Choose a section")] + [(s.id, "\u2003" * max(s.level - 1, 0) + s.title) for s in sections]


def _text_area(rows: int, **attrs: str) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": str(rows), **attrs})


class CommentForm(forms.Form):
    anchor = forms.ChoiceField(choices=Anchor.choices, initial=Anchor.DOCUMENT, widget=forms.RadioSelect, label="About")
    section = forms.CharField(required=False, max_length=120, widget=forms.Select, label="Section")
    quote = forms.CharField(
        required=False,
        max_length=10_000,
        widget=_text_area(2),
        label="Quoted passage",
        help_text="Paste the passage word for word from the revision you read.",
    )
    body = forms.CharField(
        max_length=services.MAX_COMMENT_CHARS,
        widget=_text_area(5, **MENTIONS),
        label="Comment",
        help_text=MENTION_HELP,
        error_messages={"required": "Write your comment."},
    )
    # The revision the person read when they wrote: their anchor is checked against that text.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, sections: Iterable[Section] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].widget.choices = section_choices(sections)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        section, quote = data.get("section"), (data.get("quote") or "").strip()
        if data.get("anchor") == Anchor.DOCUMENT and (section or quote):
            # "Whole document" is the default: someone who picked a section or pasted a passage means it.
            if section and quote:
                self.add_error("anchor", "Choose whether you comment on the section or on the quoted passage.")
            else:
                data["anchor"] = Anchor.SECTION if section else Anchor.QUOTE
        if data.get("anchor") == Anchor.SECTION and not data.get("section"):
            self.add_error("section", "Choose the section you comment on.")
        if data.get("anchor") == Anchor.QUOTE and not (data.get("quote") or "").strip():
            self.add_error("quote", "Paste the passage you comment on.")
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=services.MAX_COMMENT_CHARS,
        widget=_text_area(3, **MENTIONS),
        label="Reply",
        help_text=MENTION_HELP,
        error_messages={"required": "Write your reply."},
    )


class EditCommentForm(forms.Form):
    body = forms.CharField(
        max_length=services.MAX_COMMENT_CHARS,
        widget=_text_area(6, **MENTIONS),
        label="Comment",
        help_text=MENTION_HELP + " Readers see that it was edited, and when.",
        error_messages={"required": "Write your comment."},
    )


PROPOSAL_ANCHORS = [(Anchor.SECTION.value, "A section"), (Anchor.QUOTE.value, "A quoted passage")]


class ProposalTargetForm(forms.Form):
    """Step one (a GET form): what the proposal replaces, so its current text can be shown."""

    anchor = forms.ChoiceField(choices=PROPOSAL_ANCHORS, widget=forms.RadioSelect, label="Replace")
    section = forms.CharField(required=False, max_length=120, widget=forms.Select, label="Section")
    quote = forms.CharField(
        required=False,
        max_length=10_000,
        widget=_text_area(2),
        label="Quoted passage",
        help_text="Paste it exactly as it stands in the text, without formatting such as bold or links.",
    )

    def __init__(self, *args: Any, sections: Iterable[Section] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].widget.choices = section_choices(sections)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("anchor") == Anchor.SECTION and not data.get("section"):
            self.add_error("section", "Choose the section to replace.")
        if data.get("anchor") == Anchor.QUOTE and not (data.get("quote") or "").strip():
            self.add_error("quote", "Paste the passage to replace.")
        return data


class ProposalForm(forms.Form):
    """Step two: the replacement and why. What it replaces travels along from step one."""

    anchor = forms.ChoiceField(choices=PROPOSAL_ANCHORS, widget=forms.HiddenInput)
    section = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)
    quote = forms.CharField(required=False, max_length=10_000, widget=forms.HiddenInput)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    replacement = forms.CharField(
        required=False,
        max_length=50_000,
        widget=_text_area(14, **{"class": "markdown-input"}),
        label="Your text",
        help_text="Markdown. Edit the current text above into what you propose; leave it empty to propose "
        "removing the passage.",
    )
    rationale = forms.CharField(
        max_length=5000,
        widget=_text_area(4),
        label="Why",
        help_text="The editors read this when they decide, and the disposition table shows it.",
        error_messages={"required": "Say why you propose it."},
    )

    TARGET_FIELDS = ("anchor", "section", "quote", "revision")

    def target_errors(self) -> list[str]:
        """Errors about what is replaced: those fields are hidden, so they are shown together."""
        return [str(e) for name in self.TARGET_FIELDS for e in self.errors.get(name, [])]


class DecideProposalForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (services.ACCEPT, "Accept: put the proposed text in as it stands"),
            (services.ACCEPT_WITH_CHANGES, "Accept with changes: put in the text below"),
            (services.REJECT, "Reject: leave the text as it is"),
        ],
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={"required": "Choose accept, accept with changes, or reject."},
    )
    response = forms.CharField(
        max_length=5000,
        widget=_text_area(4),
        label="Response to the proposer",
        help_text="Required for every decision; the proposer is notified and the disposition table shows it.",
        error_messages={"required": "Write a response to the proposer."},
    )
    final_text = forms.CharField(
        required=False,
        max_length=50_000,
        widget=_text_area(12, **{"class": "markdown-input"}),
        label="Text to put in (for “accept with changes”)",
        help_text="Starts as the proposed text; change it as you see fit.",
    )
