"""The review-by reminder: once a document's review-by date is near (REVIEW_REMINDER_DAYS ahead)
its review owner is told, and told again once the date has passed. Run by the worker (hourly; each
reminder is sent once, so how often it runs does not matter) and by `manage.py
send_review_reminders` for installations that use cron instead.

Each reminder is an inbox item with the task "review_due:<document>:<date>:<stage>". A date moved,
an owner changed or a document archived makes the open reminders about it done, here or at once
when the details are saved (coalition/drafting/views/editing.py).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone

from coalition.library.models import Document
from coalition.notifications.models import Kind, Notification
from coalition.notifications.services import mark_done, notify

logger = logging.getLogger(__name__)

SOON, PASSED = "soon", "passed"


def task_for(document_id: int, review_by: datetime.date, stage: str) -> str:
    return f"review_due:{document_id}:{review_by.isoformat()}:{stage}"


def _stage(review_by: datetime.date, today: datetime.date) -> str:
    return PASSED if review_by < today else SOON


def close_stale(today: datetime.date | None = None) -> int:
    """Mark done the open reminders whose document has a new date, another owner, a stage that has
    moved on, or is archived. Returns how many."""
    today = today or timezone.localdate()
    stale: list[int] = []
    rows = Notification.objects.filter(kind=Kind.REVIEW_DUE, done_at__isnull=True).values_list(
        "pk", "task", "recipient_id", "document__review_by", "document__review_owner_id", "document__status"
    )
    for pk, task, recipient_id, review_by, owner_id, status in rows:
        current = (
            task_for(int(task.split(":")[1]), review_by, _stage(review_by, today)) if review_by is not None else ""
        )
        if task != current or owner_id != recipient_id or status == Document.Status.ARCHIVED:
            stale.append(pk)
    if stale:
        now = timezone.now()
        Notification.objects.filter(pk__in=stale, read_at__isnull=True).update(read_at=now)
        Notification.objects.filter(pk__in=stale).update(done_at=now)
    return len(stale)


def send_review_reminders(today: datetime.date | None = None) -> int:
    """Tell each review owner whose document's review-by date is near or past, once per date and
    stage. Returns how many reminders were written."""
    today = today or timezone.localdate()
    close_stale(today)
    horizon = today + datetime.timedelta(days=settings.REVIEW_REMINDER_DAYS)
    due = list(
        Document.objects.filter(review_by__isnull=False, review_by__lte=horizon, review_owner__isnull=False)
        .exclude(status=Document.Status.ARCHIVED)
        .select_related("review_owner")
        .only("pk", "title", "tlp", "owner_id", "status", "audience", "review_by", "review_owner")
    )
    tasks = {d.pk: task_for(d.pk, d.review_by, _stage(d.review_by, today)) for d in due if d.review_by}
    sent = set(Notification.objects.filter(task__in=tasks.values()).values_list("task", flat=True))
    written = 0
    for document in due:
        if tasks[document.pk] in sent:
            continue
        written += _remind(document, tasks[document.pk], today)
    logger.info("Review reminders: %s written", written)
    return written


@transaction.atomic
def _remind(document: Document, task: str, today: datetime.date) -> int:
    assert document.review_by is not None
    when = formats.date_format(document.review_by, "j F Y")
    verb = (
        f"reminds you that the review-by date ({when}) has passed for"
        if _stage(document.review_by, today) == PASSED
        else f"reminds you that the review-by date ({when}) is near for"
    )
    items = notify(
        kind=Kind.REVIEW_DUE,
        recipients=[document.review_owner],
        document=document,
        actor=None,
        verb=verb,
        url=reverse("library:detail", args=[document.pk]),
        task=task,
    )
    return len(items)


def review_details_changed(document: Any) -> None:
    """The review-by date or its owner changed: earlier reminders about the document are done."""
    mark_done(task=f"review_due:{document.pk}:", prefix=True)
