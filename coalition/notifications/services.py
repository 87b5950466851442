"""Writes for notifications: notify people of an event, change email preferences, mark items read.

`notify` is called by other apps' services inside their transactions (drafting: reviews, comments,
proposals, ratification, acknowledgement). Who may hear about a document is decided by
coalition.access, never here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
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
    Follow,
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
    draft: bool = False,
    task: str = "",
) -> list[Notification]:
    """Tell `recipients` that `actor` `verb` `document` (e.g. "asked you to review").

    Drops duplicates, the actor, inactive accounts and anyone who cannot read the document (with
    `draft`, the event is about text that may not be published: anyone who does not work on the
    document's current text either, and the inbox hides the item from whoever stops doing so); writes
    one inbox item per remaining person, then emails each as they chose for this kind: at once
    (through the outbox, after commit), in the daily digest, or not at all. Returns the items.
    `verb` must not contain document text; `excerpt` (member text) is emailed only for TLP:CLEAR
    and TLP:GREEN material; `url` must be site-relative. `task` names what the item asks of its
    recipients, so that mark_done() can close it once that is done.
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
        if draft and not access.sees_working_copy(user, document):
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
                about_draft=draft,
                task=task[:80],
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


@transaction.atomic
def mark_done(*, task: str, recipients: Iterable[Any] | None = None, prefix: bool = False) -> int:
    """The task is done (a review step decided, a proposal answered, a thread resolved): its items
    are marked done, and read, for `recipients` (everyone it was asked of when None). With
    `prefix`, every task whose name starts with `task` (all the steps of a review)."""
    if not task:
        return 0
    items = Notification.objects.filter(done_at__isnull=True)
    items = items.filter(task__startswith=task) if prefix else items.filter(task=task)
    if recipients is not None:
        items = items.filter(recipient_id__in=[user.pk for user in recipients])
    now = timezone.now()
    done = items.filter(read_at__isnull=True).update(done_at=now, read_at=now)
    return done + items.update(done_at=now)


# --- Following: stars and watching ----------------------------------------------------------------


def watchers(document: Document) -> list[Any]:
    """Who watches the document: its owners' and co-drafters' editors unless they chose not to, and
    everyone who chose to. Whether each may hear of an event is notify()'s question."""
    chosen = dict(Follow.objects.filter(document=document, watching__isnull=False).values_list("user_id", "watching"))
    people = {user.pk: user for user in access.default_watchers(document) if chosen.get(user.pk) is not False}
    wanted = [pk for pk, watching in chosen.items() if watching and pk not in people]
    people.update({user.pk: user for user in get_user_model().objects.filter(pk__in=wanted, is_active=True)})
    return list(people.values())


def notify_watchers(
    *,
    kind: str = Kind.WATCHED,
    document: Document,
    actor: Any | None,
    verb: str,
    url: str,
    excerpt: str = "",
    draft: bool = False,
    task: str = "",
    told: Iterable[Any] = (),
) -> list[Notification]:
    """Tell the document's watchers, except those in `told` (who heard of it another way)."""
    skip = {user.pk for user in told if user is not None}
    return notify(
        kind=kind,
        recipients=[user for user in watchers(document) if user.pk not in skip],
        document=document,
        actor=actor,
        verb=verb,
        url=url,
        excerpt=excerpt,
        draft=draft,
        task=task,
    )


def _follow_of(user: Any, document: Document) -> Follow:
    follow, _ = Follow.objects.select_for_update().get_or_create(user=user, document=document)
    return follow


@transaction.atomic
def set_star(*, acting_user: Any, document: Document, starred: bool) -> bool:
    """Star or unstar a document the person can read. Returns whether anything changed."""
    if not access.can(acting_user, Action.VIEW_DOCUMENT, document) or not acting_user.is_authenticated:
        raise AccessDenied(Action.VIEW_DOCUMENT)
    follow = _follow_of(acting_user, document)
    if follow.starred == starred:
        return False
    follow.starred, follow.starred_at = starred, timezone.now() if starred else None
    follow.save(update_fields=["starred", "starred_at"])
    record(
        action="document.starred" if starred else "document.unstarred",
        actor=acting_user,
        target=document,
        target_org_id=document.owner_id,
        data={},
    )
    return True


def is_watching(user: Any, document: Document, follow: Follow | None) -> bool:
    if follow is not None and follow.watching is not None:
        return follow.watching
    return access.watches_by_default(user, document)


@transaction.atomic
def set_watch(*, acting_user: Any, document: Document, watching: bool) -> bool:
    """Watch or stop watching a document the person can read. Returns whether anything changed."""
    if not access.can(acting_user, Action.VIEW_DOCUMENT, document) or not acting_user.is_authenticated:
        raise AccessDenied(Action.VIEW_DOCUMENT)
    follow = _follow_of(acting_user, document)
    before = is_watching(acting_user, document, follow)
    if follow.watching == watching or (follow.watching is None and before == watching):
        # Saying it explicitly all the same: a default can change (a new role), a choice stays.
        if follow.watching is None:
            follow.watching = watching
            follow.save(update_fields=["watching"])
        return False
    follow.watching = watching
    follow.save(update_fields=["watching"])
    record(
        action="document.watched" if watching else "document.unwatched",
        actor=acting_user,
        target=document,
        target_org_id=document.owner_id,
        data={"before": before},
    )
    return True
