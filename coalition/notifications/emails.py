"""The text of notification and digest emails, with the TLP rule applied.

Every email carries its TLP label in the subject and on the first and last lines of the body. For
TLP:CLEAR and TLP:GREEN material it may name the document and quote the member text; for
TLP:AMBER, TLP:AMBER+STRICT and TLP:RED it says only who did what to "a TLP:AMBER document" and
links to the portal, which asks the reader to sign in and checks access again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from coalition.library.models import TLP, TLP_RANK
from coalition.notifications.models import Kind, Mode, Notification

# Only these labels allow the title and member text in an email (TLP 2.0: CLEAR is public, GREEN
# may go to the community; AMBER and above must stay within the portal's access checks).
TEXT_ALLOWED = frozenset({TLP.CLEAR, TLP.GREEN})
EXCERPT_EMAIL_CHARS = 300
SUBJECT_CHARS = 250
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """A header-safe single line: no CR/LF or other control characters, whitespace collapsed."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def label_of(tlp: str) -> str:
    return str(TLP(tlp).label)  # "TLP:AMBER+STRICT"


def stricter(a: str, b: str) -> str:
    """The more restrictive of two labels (a document relabelled upwards since it was notified)."""
    return a if TLP_RANK[a] >= TLP_RANK[b] else b


def absolute(url: str) -> str:
    return settings.SITE_URL + url


def _quoted(text: str) -> str:
    """Member text as a quoted block: each line starts with "> ", so it cannot pass for a line of
    the email's own (a label line, the link or the footer)."""
    text = _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > EXCERPT_EMAIL_CHARS:
        text = text[:EXCERPT_EMAIL_CHARS].rstrip() + "…"
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n")) if text else ""


@dataclass(frozen=True)
class Item:
    """One notification as an email shows it."""

    label: str
    sentence: str  # "Ada Admin asked you to review a TLP:AMBER document"
    quote: str  # empty unless the label allows member text
    link: str
    text_allowed: bool


def item_for(notification: Notification, *, tlp: str, actor: Any, title: str) -> Item:
    label = label_of(tlp)
    text_allowed = tlp in TEXT_ALLOWED
    who = one_line(actor.display_name) if actor is not None else "The Coalition portal"
    what = f"“{one_line(title)}”" if text_allowed else f"a {label} document"
    return Item(
        label=label,
        sentence=f"{who} {one_line(notification.verb)} {what}",
        quote=_quoted(notification.excerpt) if text_allowed else "",
        link=absolute(notification.url),
        text_allowed=text_allowed,
    )


def _preferences_link() -> str:
    return absolute(reverse("notifications:preferences"))


def _subject(label: str, text: str) -> str:
    subject = one_line(f"[{label}] {text}")
    return subject if len(subject) <= SUBJECT_CHARS else subject[: SUBJECT_CHARS - 1].rstrip() + "…"


def notification_email(notification: Notification, *, tlp: str, actor: Any, title: str) -> tuple[str, str]:
    """Subject and body of the email about one notification, under label `tlp`."""
    item = item_for(notification, tlp=tlp, actor=actor, title=title)
    context = {
        "item": item,
        "kind": Kind(notification.kind).label,
        "mode": Mode.IMMEDIATE.label,
        "preferences_link": _preferences_link(),
    }
    body = render_to_string("notifications/email/notification_body.txt", context, using="text")
    return _subject(item.label, item.sentence), body.strip() + "\n"


def digest_email(items: list[tuple[str, Item]]) -> tuple[str, str, str]:
    """Subject, body and label of one daily digest; `items` pairs each item's label value with it.
    The digest as a whole carries the most restrictive label among its items."""
    tlp = max((value for value, _ in items), key=TLP_RANK.__getitem__)
    label = label_of(tlp)
    count = len(items)
    summary = f"{count} notification{'s' if count != 1 else ''}"
    context = {
        "label": label,
        "summary": summary,
        "items": [item for _, item in items],
        "mode": Mode.DIGEST.label,
        "preferences_link": _preferences_link(),
    }
    body = render_to_string("notifications/email/digest_body.txt", context, using="text")
    return _subject(label, f"Your daily Coalition portal digest: {summary}"), body.strip() + "\n", tlp
