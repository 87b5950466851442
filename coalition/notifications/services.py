"""Writes for notifications: notify people of an event, change email preferences, mark items read.

`notify` is called by other apps' services inside their transactions (drafting: reviews, comments,
proposals, ratification, acknowledgement). Who may hear about a document is decided by
coalition.access, never here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.audit.services import record
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.models import Document
from coalition.notifications import digest, outbox
from coalition.notifications.emails import notification_email, one_line
from coalition.notifications.models import (
    DEFAULT_MODE,
    EmailDelivery,
    EmailStatus,
    Kind,
    Mode,
    Notification,
    Preference,
)

EXCERPT_CHARS = 500


def is_site_relative(url: str) -> bool:
    """A path on this site: "/..." but not "//host" or "/\\host" (which browsers treat as another
    host), with no whitespace or control characters."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and not any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url)
    )


def _excerpt(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + "…"


def modes_for(users: Iterable[Any], kind: str) -> dict[int, str]:
    """Each user's email mode for `kind` (DEFAULT_MODE where none was saved), in one query."""
    ids = [user.pk for user in users]
    saved = dict(Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "mode"))
    return {pk: saved.get(pk, DEFAULT_MODE) for pk in ids}


@transaction.atomic
def notify(
    *,
    kind: str,
    recipients: Iterable[Any],
    document: Document,
    actor: Any | None,
    verb: str,
    url: str,
    excerpt: str = "",
) -> list[Notification]:
    """Tell `recipients` that `actor` `verb` `document` (e.g. "asked you to review").

    Drops duplicates, the actor, inactive accounts and anyone who cannot read the document; writes
    one inbox item per remaining person, then emails each as they chose for this kind: at once
    (through the outbox, after commit), in the daily digest, or not at all. Returns the items.
    `verb` must not contain document text; `excerpt` (member text) is emailed only for TLP:CLEAR
    and TLP:GREEN material; `url` must be site-relative.
    """
    kind = Kind(kind)  # ValueError for an unknown kind: a programming error in the caller
    if not is_site_relative(url):
        raise ValueError(f"notify() needs a site-relative url, not {url!r}")
    verb = one_line(verb)[:200]
    if not verb:
        raise ValueError("notify() needs a verb")
    seen: set[int] = set()
    people: list[Any] = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        if actor is not None and user.pk == actor.pk:
            continue
        if not user.is_active or not access.can(user, Action.VIEW_DOCUMENT, document):
            continue
        people.append(user)
    if not people:
        return []
    modes = modes_for(people, kind)
    status = {
        Mode.IMMEDIATE: EmailStatus.IMMEDIATE,
        Mode.DIGEST: EmailStatus.DIGEST_PENDING,
        Mode.OFF: EmailStatus.NONE,
    }
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                document=document,
                actor=actor,
                verb=verb,
                url=url,
                excerpt=_excerpt(excerpt),
                tlp=document.tlp,
                email_status=status[Mode(modes[user.pk])],
                created_at=now,
            )
            for user in people
        ]
    )
    emails: list[EmailDelivery] = []
    for notification, user in zip(notifications, people, strict=True):
        mode = modes[user.pk]
        if mode == Mode.IMMEDIATE:
            subject, body = notification_email(notification, tlp=document.tlp, actor=actor, title=document.title)
            emails.append(
                EmailDelivery(
                    category=EmailDelivery.Category.NOTIFICATION,
                    to_address=user.email,
                    subject=subject,
                    body=body,
                    recipient=user,
                    notification=notification,
                    tlp=document.tlp,
                )
            )
        elif mode == Mode.DIGEST:
            digest.schedule(user)
    # One insert for every email of the event (a ratification can reach a hundred signatories).
    for delivery in EmailDelivery.objects.bulk_create(emails):
        outbox.enqueue(delivery.pk)
    return notifications


@transaction.atomic
def set_preferences(*, acting_user: Any, modes: Mapping[str, str]) -> dict[str, list[str]]:
    """Save the acting user's email mode per kind. Anything unknown refuses the whole change.
    Returns what changed: {kind: [before, after]}."""
    unknown_kinds = sorted(k for k in modes if k not in Kind.values)
    if unknown_kinds:
        raise ServiceError(f"Unknown notification type: {', '.join(unknown_kinds)}.", code="kind")
    bad_modes = sorted({m for m in modes.values() if m not in Mode.values})
    if bad_modes:
        allowed = ", ".join(str(label) for label in Mode.labels)
        raise ServiceError(f"Unknown choice: {', '.join(bad_modes)}. Choose one of: {allowed}.", code="mode")
    current = dict(Preference.objects.filter(user=acting_user).values_list("kind", "mode"))
    changed: dict[str, list[str]] = {}
    for kind, mode in modes.items():
        before = current.get(kind, DEFAULT_MODE)
        if before == mode:
            continue
        Preference.objects.update_or_create(user=acting_user, kind=kind, defaults={"mode": mode})
        changed[kind] = [str(before), mode]
    if changed:
        record(
            action="notifications.preferences_changed",
            actor=acting_user,
            target=acting_user,
            data={"changed": changed},
        )
    return changed


@transaction.atomic
def mark_read(*, acting_user: Any, notification: Notification) -> None:
    if notification.recipient_id != acting_user.pk:
        raise AccessDenied("notification.read")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)


@transaction.atomic
def mark_all_read(*, acting_user: Any) -> int:
    return Notification.objects.filter(recipient=acting_user, read_at__isnull=True).update(read_at=timezone.now())
