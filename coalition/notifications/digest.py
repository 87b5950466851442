"""The daily digest: notifications of the kinds a person chose "Daily digest" for are collected
into one email a day, sent at NOTIFICATION_DIGEST_HOUR (TIME_ZONE).

The first waiting item writes a DigestSchedule row and, with a backend that can defer tasks, queues
`send_digest` for the due time; `manage.py send_digests` sends whatever is due (for cron, and to
catch up after an outage). Access is asked again when the digest is written: an item about a
document the person can no longer read is left out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.library.models import Document
from coalition.notifications.emails import Item, digest_email, item_for, stricter
from coalition.notifications.models import DigestSchedule, EmailDelivery, EmailStatus, Notification
from coalition.notifications.outbox import queue_email

logger = logging.getLogger(__name__)


def next_digest_time(now: datetime | None = None) -> datetime:
    """The next NOTIFICATION_DIGEST_HOUR:00 in TIME_ZONE, strictly after `now`."""
    local = timezone.localtime(now or timezone.now())
    due = local.replace(hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        # Python adds days to an aware datetime in wall-clock time: 07:00 stays 07:00 across DST.
        due += timedelta(days=1)
    return due


def schedule(user: Any) -> None:
    """Make sure a digest is due for `user`. Called inside notify()'s transaction."""
    # FOR UPDATE: if a digest for this person is being written right now, wait for it; once it
    # commits (and deletes its row) a new one is scheduled, so this item is not orphaned.
    row, created = DigestSchedule.objects.select_for_update().get_or_create(
        user=user, defaults={"due_at": next_digest_time()}
    )
    if created:
        _queue(user.pk, row.due_at)


def _queue(user_id: int, due_at: datetime) -> None:
    if not send_digest_task.get_backend().supports_defer:
        return  # the in-process backend cannot wait until 07:00: `send_digests` from cron does
    queued = send_digest_task.using(run_after=due_at)
    transaction.on_commit(lambda: queued.enqueue(user_id), robust=True)


@transaction.atomic
def send_digest(*, user_id: int, force: bool = False) -> int:
    """Write the digest of everything waiting for `user_id` to the outbox, if it is due (or
    `force`). Returns the number of items in it. Running it again finds nothing left to send."""
    now = timezone.now()
    row = DigestSchedule.objects.select_for_update().filter(user_id=user_id).first()
    if row is not None and row.due_at > now and not force:
        return 0  # an early or duplicate task: the one queued for due_at will send it
    waiting = list(
        Notification.objects.select_for_update(of=("self",))
        .filter(recipient_id=user_id, email_status=EmailStatus.DIGEST_PENDING)
        .select_related("actor", "recipient")
        .order_by("created_at", "id")
    )
    if row is not None:
        row.delete()
    if not waiting:
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(email_status=EmailStatus.DIGESTED)
    user = waiting[0].recipient
    if not user.is_active:
        return 0
    # One query for the whole digest: the documents the person can still read, with their
    # current label (the stricter of it and the label at the time applies).
    readable = {
        pk: (title, tlp)
        for pk, title, tlp in access.visible(
            user, Document.objects.filter(pk__in={n.document_id for n in waiting}), Action.VIEW_DOCUMENT
        ).values_list("pk", "title", "tlp")
    }
    draft_ids = {n.document_id for n in waiting if n.about_draft}
    working = (
        set(
            Document.objects.filter(pk__in=draft_ids)
            .filter(access.working_copy_condition(user))
            .values_list("pk", flat=True)
        )
        if draft_ids
        else set()
    )
    items: list[tuple[str, Item]] = []
    for notification in waiting:
        if notification.document_id not in readable:
            continue
        if notification.about_draft and notification.document_id not in working:
            continue  # about a draft the person no longer works on
        title, current = readable[notification.document_id]
        tlp = stricter(notification.tlp, current)
        items.append((tlp, item_for(notification, tlp=tlp, actor=notification.actor, title=title)))
    if not items:
        return 0
    subject, body, tlp = digest_email(items)
    queue_email(
        category=EmailDelivery.Category.DIGEST,
        to_address=user.email,
        subject=subject,
        body=body,
        recipient=user,
        tlp=tlp,
    )
    return len(items)


def send_due_digests(*, everything: bool = False) -> tuple[int, int]:
    """Send every digest that is due (all waiting ones with `everything`), including items whose
    schedule row was lost. Returns (digests written, items in them)."""
    now = timezone.now()
    due = (
        Q(pk__in=DigestSchedule.objects.values("user_id"))
        if everything
        else Q(pk__in=DigestSchedule.objects.filter(due_at__lte=now).values("user_id"))
    )
    orphaned = Q(
        pk__in=Notification.objects.filter(email_status=EmailStatus.DIGEST_PENDING).values("recipient_id")
    ) & ~Q(pk__in=DigestSchedule.objects.values("user_id"))
    user_ids = list(get_user_model().objects.filter(due | orphaned).values_list("pk", flat=True))
    digests = items = 0
    for user_id in user_ids:
        sent = send_digest(user_id=user_id, force=True)
        if sent:
            digests += 1
            items += sent
    logger.info("Daily digests: %s written with %s items", digests, items)
    return digests, items


@task
def send_digest_task(user_id: int) -> int:
    """The task: write one person's daily digest to the outbox, when it is due."""
    return send_digest(user_id=user_id)
